"""Optional per-client-IP limit on every request (GLOBAL_RATE_LIMIT)."""

from __future__ import annotations

import json

from litestar.types import (
    ASGIApp,
    HTTPResponseBodyEvent,
    HTTPResponseStartEvent,
    Receive,
    Scope,
    Send,
)

from server.state import AppState

_EXEMPT = ("/health", "/ready", "/metrics")


def global_rate_limit_middleware(app: ASGIApp) -> ASGIApp:
    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        hub: AppState | None = (
            getattr(scope["app"].state, "hub", None) if scope["type"] == "http" else None
        )
        rate = hub.settings.security.global_rate if hub else None
        if hub is None or rate is None or scope["path"].startswith(_EXEMPT):
            await app(scope, receive, send)
            return
        client = scope.get("client")
        decision = await hub.limiter.hit(f"global:{client[0] if client else 'unknown'}", rate)
        if decision.allowed:
            await app(scope, receive, send)
            return
        body = json.dumps(
            {
                "statusCode": 429,
                "detail": f"too many requests; retry after {decision.retry_after} s",
            }
        ).encode()
        start: HTTPResponseStartEvent = {
            "type": "http.response.start",
            "status": 429,
            "headers": [
                (b"content-type", b"application/json"),
                (b"retry-after", str(decision.retry_after).encode()),
                (b"content-length", str(len(body)).encode()),
            ],
        }
        await send(start)
        end: HTTPResponseBodyEvent = {
            "type": "http.response.body",
            "body": body,
            "more_body": False,
        }
        await send(end)

    return middleware
