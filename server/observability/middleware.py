"""ASGI middleware: request id, access log, request metrics."""

from __future__ import annotations

import time
import uuid
from typing import Any

import structlog
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from server.observability.logging import log
from server.observability.metrics import HTTP_LATENCY, HTTP_REQUESTS

_bind = structlog.contextvars.bind_contextvars
_unbind = structlog.contextvars.unbind_contextvars

# The metric children of each (method, route template, status), looked up once:
# `labels()` validates and locks on every call. The templates are the app's
# routes, so this stays as small as the metrics' own label sets.
_children: dict[tuple[str, str, int], tuple[Any, Any]] = {}


def _metrics_of(method: str, template: str, status: int) -> tuple[Any, Any]:
    key = (method, template, status)
    found = _children.get(key)
    if found is None:
        found = _children[key] = (
            HTTP_REQUESTS.labels(method, template, str(status)),
            HTTP_LATENCY.labels(method, template),
        )
    return found


def _incoming_id(scope: Scope) -> str | None:
    """The client's X-Request-ID (the last one, if sent twice), when usable."""
    found = b""
    for name, value in scope.get("headers") or ():
        if name == b"x-request-id":
            found = value
    incoming = found.decode("latin-1")[:64]
    return incoming if incoming and incoming.isprintable() else None


def request_id_middleware(app: ASGIApp) -> ASGIApp:
    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        request_id = _incoming_id(scope) or uuid.uuid4().hex
        _bind(request_id=request_id)
        status = {"code": 500}
        started = time.perf_counter()

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                message["headers"] = [
                    *message.get("headers", ()),
                    (b"x-request-id", request_id.encode()),
                ]
            await send(message)

        try:
            await app(scope, receive, send_wrapper)
        finally:
            elapsed = time.perf_counter() - started
            # The route template (not the raw path) keeps label cardinality bounded.
            template: Any = scope.get("path_template") or "unmatched"
            method = str(scope.get("method", ""))
            requests, latency = _metrics_of(method, str(template), status["code"])
            requests.inc()
            latency.observe(elapsed)
            log.info(
                "request",
                method=method,
                path=scope.get("path"),
                status=status["code"],
                ms=round(elapsed * 1000, 1),
            )
            _unbind("request_id")

    return middleware
