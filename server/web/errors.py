"""Error pages: the web answers with HTML (or a redirect), never a JSON body."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from litestar import Request, Response
from litestar.response import Redirect, Template

from server.errors import DomainError, TooManyRequests

_TITLES = {
    400: "That did not work",
    401: "Please sign in",
    403: "Not allowed",
    404: "Not found",
    409: "Conflict",
    429: "Slow down",
}


def error_page(status: int, detail: str) -> Template:
    return Template(
        template_name="error.html",
        context={
            "status": status,
            "title": _TITLES.get(status, "Something went wrong"),
            "detail": detail,
            "web": None,
        },
        status_code=status,
    )


def login_required(request: Request[Any, Any, Any], _: Exception) -> Response[Any]:
    if request.method != "GET" or request.headers.get("accept", "").startswith("application/json"):
        return Response({"statusCode": 401, "detail": "sign in first"}, status_code=401)
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return Redirect(path=f"/login?next={quote(target, safe='')}")


def csrf_rejected(_: Request[Any, Any, Any], __: Exception) -> Response[Any]:
    return error_page(
        403,
        "This form has expired or was sent from another site. "
        "Go back, reload the page and try again.",
    )


def domain_error(_: Request[Any, Any, Any], exc: DomainError) -> Response[Any]:
    if exc.status_code == 404:
        return error_page(404, "This page does not exist, or it is not yours to see.")
    response = error_page(exc.status_code, exc.detail)
    if isinstance(exc, TooManyRequests):
        response.headers["Retry-After"] = str(exc.retry_after)
    return response
