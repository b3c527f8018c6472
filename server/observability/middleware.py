"""ASGI middleware: request id, access log, request metrics."""

from __future__ import annotations

import time
import uuid
from typing import Any

import structlog
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from server.observability.logging import log
from server.observability.metrics import HTTP_LATENCY, HTTP_REQUESTS


def request_id_middleware(app: ASGIApp) -> ASGIApp:
    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        incoming = headers.get(b"x-request-id", b"").decode("latin-1")[:64]
        request_id = incoming if incoming.isprintable() and incoming else uuid.uuid4().hex
        structlog.contextvars.bind_contextvars(request_id=request_id)
        status = {"code": 500}
        started = time.perf_counter()

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", request_id.encode())]
            await send(message)

        try:
            await app(scope, receive, send_wrapper)
        finally:
            elapsed = time.perf_counter() - started
            # The route template (not the raw path) keeps label cardinality bounded.
            template: Any = scope.get("path_template") or "unmatched"
            method = scope.get("method", "")
            HTTP_REQUESTS.labels(method, str(template), str(status["code"])).inc()
            HTTP_LATENCY.labels(method, str(template)).observe(elapsed)
            log.info(
                "request",
                method=method,
                path=scope.get("path"),
                status=status["code"],
                ms=round(elapsed * 1000, 1),
            )
            structlog.contextvars.clear_contextvars()

    return middleware
