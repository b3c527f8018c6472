"""Helpers for the screenshot suites: entries to attach to, uploads, the app's state."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import httpx

from tests.support.api import Account

T = TypeVar("T")
UPLOAD = "/api/v1/sync/screenshots"
_slot = [0]


async def make_entry(account: Account) -> str:
    """Syncs one STOPPED entry for the account; returns its idempotency key."""
    key = str(uuid.uuid4())
    _slot[0] += 1
    start = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(hours=3 * _slot[0])
    r = await account.post("/api/v1/sync/batch", json={
        "deviceId": "dev-1",
        "entries": [{"idempotencyKey": key, "revision": 1, "startTime": start.isoformat(),
                     "endTime": (start + timedelta(hours=1)).isoformat(), "status": "STOPPED",
                     "timezone": "UTC"}],
    })
    assert r.status_code == 200 and r.json()["processed"] == 1, r.text
    return key


def form(entry_key: str, key: str | None = None, blur: int = 0,
         captured_at: datetime | None = None, **extra: str) -> dict[str, str]:
    return {
        "idempotencyKey": key or str(uuid.uuid4()),
        "timeEntryKey": entry_key,
        "capturedAt": (captured_at or datetime.now(UTC)).isoformat(),
        "blurLevel": str(blur),
        "metadata": json.dumps({"os": "linux", "displayCount": 1}),
        **extra,
    }


async def upload(account: Account, data: bytes, entry_key: str, key: str | None = None,
                 blur: int = 0, filename: str = "shot.png", content_type: str = "image/png",
                 **extra: str) -> httpx.Response:
    return await account.post(UPLOAD, data=form(entry_key, key, blur, **extra),
                              files={"file": (filename, data, content_type)})


def hub_of(client: Any) -> Any:
    return client.app.state.app_state


async def in_app(client: Any, fn: Callable[..., Awaitable[T]], *args: Any) -> T:
    """Runs `fn(*args)` on the app's own event loop (the test client runs the app in
    a portal thread; its engine and queue belong to that loop)."""
    return await asyncio.to_thread(client.blocking_portal.call, fn, *args)


async def settle(client: Any) -> None:
    """Waits until the in-process worker has run everything queued."""
    await in_app(client, hub_of(client).jobs.join)


def local_objects(client: Any, org_id: str) -> list[str]:
    """Objects of one organization in the app's local storage directory."""
    root = hub_of(client).storage.root
    base = root / "screenshots" / org_id
    return sorted(str(p.relative_to(root)) for p in base.rglob("*") if p.is_file())


async def wait_status(client: Any, account: Account, shot_id: str,
                      timeout: float = 60) -> dict[str, Any]:
    """Polls until the screenshot leaves PENDING (processing runs in the background)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        r = await account.get(f"/api/v1/screenshots/{shot_id}")
        assert r.status_code == 200, r.text
        body: dict[str, Any] = r.json()
        if body["status"] != "PENDING" or loop.time() > deadline:
            return body
        await asyncio.sleep(0.05)


@asynccontextmanager
async def app_client(db_url: str, data_dir: Path, state_hook: Callable[[Any], None] | None = None,
                     **env: str) -> AsyncIterator[Any]:
    """A test client on an app of its own (custom environment, optional state tweak)."""
    from litestar.testing import AsyncTestClient

    from server.app import create_app
    from server.runtime.state import build_state
    from tests.conftest import make_settings

    settings = make_settings(db_url, data_dir, **env)
    app_state = build_state(settings)
    if state_hook is not None:
        state_hook(app_state)
    async with AsyncTestClient(app=create_app(settings, state=app_state), timeout=120) as client:
        yield client


async def screenshot_row(client: Any, shot_id: str) -> Any:
    """The screenshot's row as stored (read on the app's loop)."""
    from sqlalchemy import select

    from server.db.models import Screenshot

    app_state = hub_of(client)

    async def work() -> Any:
        async with app_state.sessions() as session:
            return (await session.execute(
                select(Screenshot).where(Screenshot.id == uuid.UUID(shot_id)))).scalar_one()

    return await in_app(client, work)
