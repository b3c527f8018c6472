"""Clients that send too slowly must not hold the server forever.

Two deadlines, both configurable (docs/deploy.md):

- `HEADER_READ_TIMEOUT` (10 s): a new connection must have sent its first
  request's headers by then, or it is closed (slowloris). uvicorn has no such
  timer, so its HTTP protocol is subclassed (`HTTP_PROTOCOL`).
- `BODY_IDLE_TIMEOUT` (30 s): while a request body is being received, each
  chunk must arrive within this; otherwise the application sees the client
  as gone (its upload is aborted, nothing half-written) and the client gets
  408 with `Connection: close`. A slow but steady upload is never cut off.
"""

from __future__ import annotations

import asyncio
import json
import os
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol

from server.observability.logging import log

ASGIApp = Any


class BodyIdleTimeout:
    """ASGI middleware: the body-idle deadline."""

    def __init__(self, app: ASGIApp, idle_seconds: float) -> None:
        self.app = app
        self.idle_seconds = idle_seconds

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state = {"body_done": False, "timed_out": False, "started": False}

        async def guarded_receive() -> Any:
            if state["body_done"] or state["timed_out"]:
                return await receive()
            try:
                # A deadline on this await, not `wait_for` (which runs `receive`
                # as a task of its own: one more task and loop turn per chunk).
                async with asyncio.timeout(self.idle_seconds):
                    message = await receive()
            except TimeoutError:
                state["timed_out"] = True
                log.warning(
                    "request body stalled; answering 408",
                    path=scope.get("path"),
                    idle_seconds=self.idle_seconds,
                )
                return {"type": "http.disconnect"}
            if message["type"] != "http.request" or not message.get("more_body", False):
                state["body_done"] = True
            return message

        async def guarded_send(message: Any) -> None:
            if state["timed_out"]:
                return  # the application's answer to a "disconnect" is not for the client
            if message["type"] == "http.response.start":
                state["started"] = True
            await send(message)

        try:
            await self.app(scope, guarded_receive, guarded_send)
        except Exception:
            if not state["timed_out"]:
                raise
        if state["timed_out"] and not state["started"]:
            body = json.dumps(
                {
                    "statusCode": 408,
                    "detail": f"request body stalled: no data for {self.idle_seconds:g} s",
                }
            ).encode()
            await send(
                {
                    "type": "http.response.start",
                    "status": 408,
                    "headers": [
                        (b"content-type", b"application/json"),
                        (b"content-length", str(len(body)).encode()),
                        (b"connection", b"close"),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": body})


def body_idle_timeout(idle_seconds: float) -> Any:
    """A Litestar middleware factory for `BodyIdleTimeout`."""

    def factory(app: ASGIApp) -> ASGIApp:
        return BodyIdleTimeout(app, idle_seconds)

    return factory


class _HeaderDeadline:
    """Mixed into uvicorn's HTTP protocols: a connection whose first request's
    headers have not completed `HEADER_READ_TIMEOUT` seconds after connecting
    is closed. (uvicorn's keep-alive timer is cancelled by any byte, so a
    client trickling header bytes would otherwise stay forever.)"""

    seconds = float(os.environ.get("HEADER_READ_TIMEOUT", "10") or 10)

    def connection_made(self, transport: Any) -> None:
        super().connection_made(transport)  # type: ignore[misc]
        loop = asyncio.get_running_loop()
        self._header_deadline = loop.call_later(self.seconds, self._header_deadline_passed)

    def _header_deadline_passed(self) -> None:
        # uvicorn sets `cycle` once a request's headers are complete.
        transport = self.transport  # type: ignore[attr-defined]
        if self.cycle is None and not transport.is_closing():  # type: ignore[attr-defined]
            log.warning(
                "request headers not received in time; connection closed", seconds=self.seconds
            )
            transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self._header_deadline.cancel()
        super().connection_lost(exc)  # type: ignore[misc]


class HeaderDeadlineH11(_HeaderDeadline, H11Protocol):
    pass


try:
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

    class HeaderDeadlineHttpTools(_HeaderDeadline, HttpToolsProtocol):
        pass

    HTTP_PROTOCOL: type = HeaderDeadlineHttpTools
except ImportError:  # pragma: no cover  (uvicorn without httptools)
    HTTP_PROTOCOL = HeaderDeadlineH11
