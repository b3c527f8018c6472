"""Request body limits per route, applied before a byte of the body is kept.

Litestar enforces a route's `request_max_body_size` where the body is read:
a `Content-Length` above it is refused before anything is received, and a
chunked body is cut as soon as the bytes received pass it. What it does not
know is which limit each route needs. Here every route gets the small
default (server/runtime/body_limits.py) unless its handler names a larger
kind in its opt (`opt=body(BodyKind.SYNC)`), and the refusal is a 413 whose
detail says the route's limit (docs/api.md, "Body limits").

A handler's `data` is decoded before its dependencies run, so before the
principal is known: the few routes whose limit is large and whose caller has
a bearer token check that token first (`token_before_body`, a
`before_request` hook), and a stranger's body is never read there.
"""

from __future__ import annotations

from typing import Any

from litestar import Litestar, Request, Response
from litestar.exceptions.http_exceptions import RequestEntityTooLarge
from litestar.routes import HTTPRoute

from server.http.deps import app_state_of, verified_claims
from server.runtime.body_limits import BodyKind, BodyLimits

# Handler opt key: the kind of body limit the route takes (a BodyKind).
BODY = "body"


def body(kind: BodyKind) -> dict[str, Any]:
    """A handler's opt naming the kind of its body limit."""
    return {BODY: kind}


def apply_body_limits(app: Litestar, limits: BodyLimits) -> None:
    """Each handler that names a kind gets that kind's limit; others keep the
    application's, the default."""
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for handler in route.route_handlers:
            kind = handler.opt.get(BODY)
            if kind is not None:
                handler.request_max_body_size = limits.of(BodyKind(kind))


def in_words(size: int) -> str:
    for unit, scale in (("MiB", 1024 * 1024), ("KiB", 1024)):
        if size >= scale:
            return f"{size / scale:.4g} {unit}"
    return f"{size} bytes"


def limit_in_words(limit: int | None) -> str:
    if limit is None:
        return "the limit of this route"
    return f"at most {in_words(limit)} ({limit} bytes) on this route"


def too_large(request: Request[Any, Any, Any], _: RequestEntityTooLarge) -> Response[Any]:
    limit = request.route_handler.resolve_request_max_body_size()
    body = {"statusCode": 413, "detail": f"request body too large: {limit_in_words(limit)}"}
    return Response(body, status_code=413)


async def token_before_body(request: Request[Any, Any, Any]) -> None:
    """A `before_request` hook: a missing or refused bearer token is a 401
    before the body is read (the principal is still loaded as usual after)."""
    verified_claims(request, app_state_of(request.app.state).settings.security.jwt_secret)
