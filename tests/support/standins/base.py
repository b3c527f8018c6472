"""The shared part of the stand-ins: routing, a 429 every Nth request with
Retry-After (and a count of clients that came back too early), injected
failures (500s, an HTML page), a request log, a gate that holds requests (a
run kept in progress), and the uvicorn thread."""

from __future__ import annotations

import asyncio
import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import parse_qs

import uvicorn

from tests.support.process import free_port


@dataclass
class Req:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    def q(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[0] if values else default

    def json(self) -> Any:
        return json.loads(self.body or b"null")


@dataclass
class Reply:
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json"

    def encoded(self) -> bytes:
        if self.body is None:
            return b""
        if isinstance(self.body, bytes):
            return self.body
        if isinstance(self.body, str):
            return self.body.encode()
        return json.dumps(self.body).encode()


Handler = Callable[[Req, dict[str, str]], Reply]


class StandIn:
    """Subclasses add routes with `self.route(method, pattern, handler)`."""

    name = "stand-in"

    def __init__(self, *, rate_limit_every: int = 0, retry_after: int = 1) -> None:
        self.routes: list[tuple[str, re.Pattern[str], Handler]] = []
        self.rate_limit_every = rate_limit_every
        self.retry_after = retry_after
        self.calls = 0
        self.log: list[Req] = []
        self.rate_limited = 0
        self.early_retries = 0
        self._blocked_until = 0.0
        self.fail_next: list[int] = []  # statuses to answer next (500, 503...)
        self.fail_from_call: int | None = None  # from this call on, every answer is a 500
        self.quota_every = 0  # Toggl-style hourly quota: 402 + X-Toggl-Quota-Resets-In
        self.html_mode = False
        self.url = ""
        self.gate = threading.Event()  # cleared by hold(): requests wait for release()
        self.gate.set()
        self.held = threading.Event()  # set once a request waits at the closed gate

    def hold(self) -> None:
        self.held.clear()
        self.gate.clear()

    def release(self) -> None:
        self.gate.set()

    def route(self, method: str, pattern: str, handler: Handler) -> None:
        regex = re.compile("^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", pattern) + "$")
        self.routes.append((method, regex, handler))

    def authorized(self, req: Req) -> Reply | None:
        """None when the request carries valid credentials, else the provider's answer."""
        return None

    def handle(self, req: Req) -> Reply:
        self.calls += 1
        self.log.append(req)
        now = time.monotonic()
        if now < self._blocked_until:
            self.early_retries += 1
            return Reply(
                429, {"message": "Too Many Requests"}, {"Retry-After": str(self.retry_after)}
            )
        if self.rate_limit_every and self.calls % self.rate_limit_every == 0:
            self.rate_limited += 1
            # Allow a little clock slack between the client's sleep and ours.
            self._blocked_until = now + self.retry_after - 0.05
            return Reply(
                429, {"message": "Too Many Requests"}, {"Retry-After": str(self.retry_after)}
            )
        if self.quota_every and self.calls % self.quota_every == 0:
            self.rate_limited += 1
            self._blocked_until = now + self.retry_after - 0.05
            return Reply(
                402,
                "You have hit your hourly limit for API calls.",
                {"X-Toggl-Quota-Remaining": "0", "X-Toggl-Quota-Resets-In": str(self.retry_after)},
                content_type="text/plain",
            )
        if self.fail_from_call is not None and self.calls >= self.fail_from_call:
            return Reply(500, {"message": "internal error"})
        if self.fail_next:
            status = self.fail_next.pop(0)
            return Reply(status, {"message": "internal error"})
        if self.html_mode:
            return Reply(200, "<html><body>Sign in</body></html>", content_type="text/html")
        denied = self.authorized(req)
        if denied is not None:
            return denied
        for method, regex, handler in self.routes:
            match = regex.match(req.path)
            if match and method == req.method:
                return handler(req, match.groupdict())
        return Reply(404, {"message": f"no route {req.method} {req.path}"})

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        req = Req(
            scope["method"],
            scope["path"],
            parse_qs(scope.get("query_string", b"").decode()),
            {k.decode().lower(): v.decode() for k, v in scope["headers"]},
            body,
        )
        if not self.gate.is_set():
            self.held.set()
            await asyncio.to_thread(self.gate.wait, 60)
        reply = self.handle(req)
        payload = reply.encoded()
        headers = [
            (b"content-type", reply.content_type.encode()),
            (b"content-length", str(len(payload)).encode()),
        ]
        headers += [(k.lower().encode(), v.encode()) for k, v in reply.headers.items()]
        await send({"type": "http.response.start", "status": reply.status, "headers": headers})
        await send({"type": "http.response.body", "body": payload})


S = TypeVar("S", bound=StandIn)


@contextmanager
def serving(app: S) -> Iterator[S]:
    """Serves `app` on 127.0.0.1:<free port> in a thread; `app.url` is its base URL."""
    port = free_port()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_level="warning", access_log=False, lifespan="off"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=lambda: asyncio.run(server.serve()), daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError(f"{app.name} stand-in did not start")
        time.sleep(0.02)
    app.url = f"http://127.0.0.1:{port}"
    try:
        yield app
    finally:
        server.should_exit = True
        thread.join(timeout=10)
