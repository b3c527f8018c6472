"""bench.capacity's simulated desktop agent, its HTTP transport and its statistics.

One agent = one aiohttp `ClientSession` with one connection, as each desktop
agent has. The transport is a small seam (`Transport`): bench.client_cost runs
the very same Agent over httpx to measure what each client costs the load
generator (aiohttp on uvloop is the cheaper, hence the one used; see
docs/benchmarks.md, "Load generator's own cost").
"""

from __future__ import annotations

import asyncio
import io
import json
import random
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol, TypeVar

import aiohttp

PASSWORD = "correct horse battery 42"
T = TypeVar("T")
# Connections idle this long are dropped before uvicorn's 5 s keep-alive timeout
# would close them under a request being sent (a ReadError/ServerDisconnected
# that is the client's race, not the server's error).
KEEPALIVE_SECONDS = 3.0
TIMEOUT_SECONDS = 30.0


def run(main: Coroutine[Any, Any, T], loop: str = "uvloop") -> T:
    """asyncio.run() on uvloop (installed with uvicorn[standard]) or the stdlib loop."""
    factory: Callable[[], asyncio.AbstractEventLoop] | None = None
    if loop == "uvloop":
        import uvloop

        factory = uvloop.new_event_loop
    with asyncio.Runner(loop_factory=factory) as runner:
        return runner.run(main)


def screenshot_jpeg() -> bytes:
    """A 1440x900 JPEG of about 150 KB (blurred noise: compresses like a desktop)."""
    from PIL import Image

    rng = random.Random(7)
    img = Image.frombytes("RGB", (80, 50), rng.randbytes(80 * 50 * 3))
    out = io.BytesIO()
    img.resize((1440, 900), Image.Resampling.BICUBIC).save(out, "JPEG", quality=70)
    return out.getvalue()


def iso(t: datetime) -> str:
    return t.isoformat().replace("+00:00", "Z")


# --- statistics ----------------------------------------------------------------


@dataclass
class Stats:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    samples: list[str] = field(default_factory=list)
    recording: bool = True
    joined: int = 0  # agents signed in with their policy fetched

    def add(self, endpoint: str, seconds: float, error: str | None = None) -> None:
        if not self.recording:
            return
        self.latencies[endpoint].append(seconds)
        if error:
            self.errors[endpoint] += 1
            if len(self.samples) < 5:
                self.samples.append(f"{endpoint}: {error}")

    def reset(self) -> None:
        self.latencies.clear()
        self.errors.clear()
        self.samples.clear()


def pct(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


# --- transport -------------------------------------------------------------------


@dataclass
class Reply:
    status: int
    headers: Mapping[str, str]  # case-insensitive, as both clients give them
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Upload:
    """A multipart form: text fields and one file part."""

    fields: dict[str, str]
    name: str
    filename: str
    content: bytes
    content_type: str


class Transport(Protocol):
    errors: tuple[type[BaseException], ...]  # transport errors, each counted as an error

    async def request(
        self,
        method: str,
        path: str,
        headers: dict[str, str],
        content: bytes | None,
        form: Upload | None,
        timeout: float | None,
    ) -> Reply: ...

    async def aclose(self) -> None: ...


class AiohttpTransport:
    """One ClientSession with one keep-alive connection (expired after 3 s idle).

    Timeouts as httpx's `timeout=30` was: 30 s to connect (pool wait included)
    and 30 s per socket read, not a cap on the whole request."""

    errors: tuple[type[BaseException], ...] = (aiohttp.ClientError, TimeoutError)

    def __init__(self, base_url: str, timeout: float = TIMEOUT_SECONDS) -> None:
        self.session = aiohttp.ClientSession(
            base_url=base_url,
            connector=aiohttp.TCPConnector(limit=1, keepalive_timeout=KEEPALIVE_SECONDS),
            timeout=self._timeout(timeout),
            cookie_jar=aiohttp.DummyCookieJar(),  # bearer tokens only, as the agent
        )

    @staticmethod
    def _timeout(seconds: float) -> aiohttp.ClientTimeout:
        return aiohttp.ClientTimeout(total=None, connect=seconds, sock_read=seconds)

    @staticmethod
    def _multipart(form: Upload) -> aiohttp.MultipartWriter:
        """The body httpx sends for `data=fields, files={name: file}`, byte for
        byte in size: aiohttp's FormData would label every text field
        `Content-Type: text/plain; charset=utf-8`, httpx labels none."""
        writer = aiohttp.MultipartWriter("form-data")
        for name, value in form.fields.items():
            part = writer.append(value)
            part.set_content_disposition("form-data", name=name)
            part.headers.pop("Content-Type")
        part = writer.append(form.content, {"Content-Type": form.content_type})
        part.set_content_disposition("form-data", name=form.name, filename=form.filename)
        return writer

    async def request(
        self,
        method: str,
        path: str,
        headers: dict[str, str],
        content: bytes | None,
        form: Upload | None,
        timeout: float | None,
    ) -> Reply:
        data: Any = content
        if form is not None:
            data = self._multipart(form)
        kw: dict[str, Any] = {"timeout": self._timeout(timeout)} if timeout else {}
        async with self.session.request(method, path, headers=headers, data=data, **kw) as r:
            return Reply(r.status, r.headers, await r.read())

    async def aclose(self) -> None:
        await self.session.close()


# --- one agent -------------------------------------------------------------------


class Agent:
    def __init__(
        self,
        client: Transport,
        stats: Stats,
        email: str,
        minute: float,
        jpeg: bytes,
        project_id: str,
    ) -> None:
        self.client, self.stats, self.email, self.minute = client, stats, email, minute
        self.jpeg, self.project_id = jpeg, project_id
        self.access = self.refresh_token = ""
        self.key = str(uuid.uuid4())
        # Recorded time must lie before now + 1 day: start well in the past.
        self.start = (datetime.now(UTC) - timedelta(hours=20)).replace(second=0, microsecond=0)
        self.revision = 0
        # The policy polls are conditional, as the desktop agent's: the ETag of
        # the last answer per path; an unchanged answer is a 304 without a body.
        self.etags: dict[str, str] = {}
        self.not_modified = 0

    async def call(
        self,
        endpoint: str,
        method: str,
        path: str,
        headers: dict[str, str] | None = None,
        *,
        json_body: Any = None,
        form: Upload | None = None,
        timeout: float | None = None,
    ) -> Reply | None:
        headers = dict(headers or {})
        if self.access:
            headers["Authorization"] = f"Bearer {self.access}"
        content = None
        if json_body is not None:
            content = json.dumps(json_body, separators=(",", ":")).encode()
            headers["Content-Type"] = "application/json"
        t0 = time.perf_counter()
        try:
            r = await self.client.request(method, path, headers, content, form, timeout)
        except self.client.errors as exc:
            self.stats.add(endpoint, time.perf_counter() - t0, f"{type(exc).__name__} {exc}")
            return None
        elapsed = time.perf_counter() - t0
        ok = r.status < 300 or r.status == 304
        error = None if ok else f"{r.status} {r.body[:200].decode(errors='replace')}"
        if error is None and endpoint == "sync":
            body = r.json()
            if body["conflicts"] or body["activity"]["conflicts"] or body["apps"]["conflicts"]:
                error = f"conflict {str(body)[:200]}"
        self.stats.add(endpoint, elapsed, error)
        return r if error is None else None

    async def sign_in(self) -> bool:
        # Sign-ins queue behind argon2 (one hash at a time per server process).
        r = await self.call(
            "login",
            "POST",
            "/api/v1/auth/login",
            timeout=300,
            json_body={"email": self.email, "password": PASSWORD},
        )
        if r is None:
            return False
        body = r.json()
        self.access, self.refresh_token = body["accessToken"], body["refreshToken"]
        return True

    async def poll(self, endpoint: str, path: str) -> None:
        etag = self.etags.get(path)
        r = await self.call(
            endpoint, "GET", path, headers={"If-None-Match": etag} if etag else None
        )
        if r is not None and r.status == 304:
            self.not_modified += 1
        elif r is not None and r.headers.get("etag"):
            self.etags[path] = r.headers["etag"]

    async def call_config(self) -> None:
        await self.poll("config", "/api/v1/agent/config")

    async def call_projects(self) -> None:
        await self.poll("projects", "/api/v1/projects/active")

    async def poll_policy(self) -> None:
        await self.call_config()
        await self.call_projects()

    async def refresh(self) -> None:
        r = await self.call(
            "refresh",
            "POST",
            "/api/v1/auth/refresh",
            json_body={"refreshToken": self.refresh_token},
        )
        if r is not None:
            body = r.json()
            self.access, self.refresh_token = body["accessToken"], body["refreshToken"]

    async def sync(self) -> None:
        self.revision += 1
        minute = iso(self.start + timedelta(minutes=self.revision - 1))
        body = {
            "deviceId": "capacity",
            "entries": [
                {
                    "idempotencyKey": self.key,
                    "revision": self.revision,
                    "startTime": iso(self.start),
                    "status": "RUNNING",
                    "timezone": "UTC",
                    "projectId": self.project_id,
                    "description": "capacity bench",
                }
            ],
            "activity": [
                {
                    "timeEntryKey": self.key,
                    "minute": minute,
                    "keyboardClicks": 40,
                    "mouseMovements": 200,
                    "activeSeconds": 50,
                    "intervalCv": 1.2,
                    "distinctPositions": 120,
                    "pointerSpan": 600,
                    "keyboardShare": 0.2,
                    "pointerMoves": 150,
                }
            ],
            "apps": [{"timeEntryKey": self.key, "minute": minute, "app": "code", "seconds": 50}],
        }
        await self.call("sync", "POST", "/api/v1/sync/batch", json_body=body)

    async def upload(self) -> None:
        captured = self.start + timedelta(minutes=max(self.revision - 1, 0), seconds=30)
        form = Upload(
            fields={
                "idempotencyKey": str(uuid.uuid4()),
                "timeEntryKey": self.key,
                "capturedAt": iso(captured),
                "blurLevel": "0",
            },
            name="file",
            filename="screen.jpg",
            content=self.jpeg,
            content_type="image/jpeg",
        )
        await self.call("upload", "POST", "/api/v1/sync/screenshots", form=form)

    async def run(self, join_delay: float) -> None:
        await asyncio.sleep(join_delay)
        if not await self.sign_in():
            self.stats.joined += 1  # counted as an error of the step's sign-ins
            return
        await self.poll_policy()
        self.stats.joined += 1
        m = self.minute
        loop = asyncio.get_running_loop()
        t0 = loop.time() + random.uniform(0, m)
        # (next due time, period, action): syncs every minute, uploads and policy
        # polls every 10, refresh every 15, each with its own phase.
        plan: list[list[Any]] = [
            [t0, m, self.sync],
            [t0 + m * random.uniform(0.5, 10), 10 * m, self.upload],
            [t0 + m * random.uniform(0, 10), 10 * m, self.poll_policy],
            [t0 + m * random.uniform(0, 15), 15 * m, self.refresh],
        ]
        while True:
            item = min(plan, key=lambda p: p[0])
            delay = item[0] - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            await item[2]()
            item[0] += item[1]
