"""Every error as JSON `{"statusCode", "detail"[, "extra"]}` (docs/api.md):
domain errors, Litestar's own HTTP errors and validation failures; anything
unexpected is logged and answered 500 without a traceback — except a backing
service's outage (server/core/outages.py), which is a 503 with Retry-After."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException, NotFoundException, ValidationException
from litestar.exceptions.http_exceptions import RequestEntityTooLarge
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR
from litestar.types import ExceptionHandlersMap

from server.core.errors import DomainError, ServiceUnavailable, TooManyRequests
from server.core.outages import outage_of
from server.http.body_limits import too_large
from server.observability.logging import log


def error_response(
    status: int, detail: str, extra: Any = None, headers: dict[str, str] | None = None
) -> Response[Any]:
    body: dict[str, Any] = {"statusCode": status, "detail": detail}
    if extra:
        body["extra"] = extra
    return Response(body, status_code=status, headers=headers)


def _domain_error(_: Request[Any, Any, Any], exc: DomainError) -> Response[Any]:
    retry = exc.retry_after if isinstance(exc, TooManyRequests | ServiceUnavailable) else None
    headers = {"Retry-After": str(retry)} if retry is not None else None
    return error_response(exc.status_code, exc.detail, exc.extra, headers)


def _validation_error(_: Request[Any, Any, Any], exc: ValidationException) -> Response[Any]:
    extra = exc.extra if isinstance(exc.extra, list | dict) else None
    detail = exc.detail
    if isinstance(extra, list) and extra and isinstance(extra[0], dict) and extra[0].get("message"):
        first = extra[0]
        where = f" at {first['key']}" if first.get("key") else ""
        detail = f"invalid request body{where}: {first['message']}"
    return error_response(400, detail, extra)


def _http_error(_: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    return error_response(exc.status_code, exc.detail, None, exc.headers)


def _too_deep(request: Request[Any, Any, Any], exc: RecursionError) -> Response[Any]:
    # Litestar decodes a JSON body untyped first; msgspec gives up on absurd
    # nesting with a RecursionError, which is the client's fault, not ours.
    if "deserializing" in str(exc):
        return error_response(400, "request body is not valid JSON: nested too deeply")
    return _unexpected(request, exc)


# Long enough for a database restart or a failover to finish, short enough
# that an agent's outbox is not held back for long.
OUTAGE_RETRY_AFTER_SECONDS = 5


def _unexpected(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    dependency = outage_of(exc)
    if dependency is not None:
        log.warning(
            "dependency unavailable",
            path=request.url.path,
            dependency=dependency,
            error=f"{type(exc).__name__}: {exc}"[:300],
        )
        return error_response(
            503,
            f"{dependency} is temporarily unavailable; retry shortly",
            headers={"Retry-After": str(OUTAGE_RETRY_AFTER_SECONDS)},
        )
    log.error("unhandled error", path=request.url.path, exc_info=exc)
    return error_response(
        HTTP_500_INTERNAL_SERVER_ERROR, "internal server error; see the server log"
    )


EXCEPTION_HANDLERS: ExceptionHandlersMap = {
    DomainError: _domain_error,
    ValidationException: _validation_error,
    NotFoundException: _http_error,
    RequestEntityTooLarge: too_large,
    HTTPException: _http_error,
    RecursionError: _too_deep,
    Exception: _unexpected,
}
