"""Error pages: the web answers with HTML (or a redirect), never a JSON body."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any
from urllib.parse import quote

from litestar import Request, Response
from litestar.response import Redirect, Template

from server.core.errors import DomainError, TooManyRequests

_TITLES = {
    400: "That did not work",
    401: "Please sign in",
    403: "Not allowed",
    404: "Not found",
    409: "Conflict",
    429: "Slow down",
}


def _navigation(web: Any) -> dict[str, Any]:
    """Plain values for the page header, or nothing when they cannot be read
    (after a rollback the ORM rows are expired and a template must not load)."""
    if web is None:
        return {"web": None}
    try:
        user, org = web.principal.user, web.principal.organization
        return {
            "web": SimpleNamespace(is_admin=web.is_admin, is_manager=web.is_manager, csrf=web.csrf),
            "me": SimpleNamespace(name=user.name, email=user.email, timezone=user.timezone),
            "org": SimpleNamespace(name=org.name),
        }
    except Exception:  # an error page must render whatever happened
        return {"web": None}


def error_page(status: int, detail: str, web: Any = None) -> Template:
    return Template(
        template_name="error.html",
        context={
            **_navigation(web),
            "status": status,
            "title": _TITLES.get(status, "Something went wrong"),
            "detail": detail,
        },
        status_code=status,
    )


def _web_of(request: Request[Any, Any, Any]) -> Any:
    return request.state.get("web_user")


def login_required(request: Request[Any, Any, Any], _: Exception) -> Response[Any]:
    if request.method != "GET" or request.headers.get("accept", "").startswith("application/json"):
        return Response({"statusCode": 401, "detail": "sign in first"}, status_code=401)
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return Redirect(path=f"/login?next={quote(target, safe='')}")


def csrf_rejected(request: Request[Any, Any, Any], __: Exception) -> Response[Any]:
    return error_page(
        403,
        "This form has expired or was sent from another site. "
        "Go back, reload the page and try again.",
        _web_of(request),
    )


def domain_error(request: Request[Any, Any, Any], exc: DomainError) -> Response[Any]:
    web = _web_of(request)
    if exc.status_code == 404:
        return error_page(404, "This page does not exist, or it is not yours to see.", web)
    response = error_page(exc.status_code, exc.detail, web)
    if isinstance(exc, TooManyRequests):
        response.headers["Retry-After"] = str(exc.retry_after)
    return response
