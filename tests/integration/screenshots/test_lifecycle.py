"""Limits, lost enqueues, retries with backoff, retention: apps with their own settings."""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import update

from server.db.base import utcnow
from server.db.models import Screenshot
from server.jobs.inprocess import InProcessQueue
from server.jobs.registry import STATE_KEY
from server.screenshots import processing
from server.screenshots.common import MAX_ATTEMPTS
from tests.integration.screenshots.helpers import (
    UPLOAD,
    app_client,
    form,
    hub_of,
    in_app,
    local_objects,
    make_entry,
    screenshot_row,
    settle,
    upload,
    wait_status,
)
from tests.integration.screenshots.images import noise_png, png_bytes
from tests.support.api import register


class LosingQueue(InProcessQueue):
    """A real in-process queue that drops enqueues while `lose` is set: the
    crash between commit and enqueue, on demand."""

    lose = True

    async def enqueue(self, name: str, *, job_id: str | None = None, **kwargs: Any) -> None:
        if not self.lose:
            await super().enqueue(name, job_id=job_id, **kwargs)


def _losing(app_state: Any) -> None:
    app_state.jobs = LosingQueue({STATE_KEY: app_state}, run_periodic=False)


def _incoming(client: Any) -> list[str]:
    return [p.name for p in hub_of(client).storage.incoming.iterdir()]


async def test_oversize_is_413_while_streaming_and_leaves_nothing(backend, session_tmp):
    async with app_client(backend, session_tmp / f"small-{uuid.uuid4().hex[:6]}",
                          SCREENSHOT_MAX_BYTES="64kb") as client:
        owner = await register(client)
        entry = await make_entry(owner)
        big = noise_png(400, 400)
        assert len(big) > 64 * 1024 + 256 * 1024
        r = await upload(owner, big, entry)  # refused from Content-Length alone
        assert r.status_code == 413, r.text
        medium = noise_png(200, 200)
        assert 64 * 1024 < len(medium)
        r = await upload(owner, medium, entry)  # passes the header check, not the stream
        assert r.status_code == 413, r.text
        assert "SCREENSHOT_MAX_BYTES" in r.json()["detail"]
        ok = await upload(owner, png_bytes(160, 100), entry)
        assert ok.status_code == 201
        await settle(client)
        assert len(local_objects(client, owner.org_id)) == 2  # only the small one + thumb
        assert _incoming(client) == []


async def test_truncated_body_is_400_and_leaves_nothing(client):
    owner = await register(client)
    entry = await make_entry(owner)
    boundary = "cut"
    body = b"".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
        for k, v in form(entry).items()
    ) + (f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\n'
         "Content-Type: image/png\r\n\r\n").encode() + png_bytes()[:5000]
    r = await owner.post(UPLOAD, content=body, headers={
        "Content-Type": f"multipart/form-data; boundary={boundary}"})
    assert r.status_code == 400 and "ended before" in r.json()["detail"], r.text
    assert local_objects(client, owner.org_id) == []


async def _set(client: Any, shot_id: str, **values: Any) -> None:
    app_state = hub_of(client)

    async def work() -> None:
        async with app_state.sessions() as session:
            await session.execute(update(Screenshot).where(Screenshot.id == uuid.UUID(shot_id))
                                  .values(**values))
            await session.commit()

    await in_app(client, work)


async def test_sweep_recovers_a_lost_enqueue(backend, session_tmp):
    async with app_client(backend, session_tmp / f"lost-{uuid.uuid4().hex[:6]}",
                          state_hook=_losing, SCREENSHOT_INLINE_THUMBNAILS="false") as client:
        app_state = hub_of(client)
        app_state.jobs.lose = False  # the owner's sign-up mail goes out
        owner = await register(client)
        app_state.jobs.lose = True
        entry = await make_entry(owner)
        r = await upload(owner, png_bytes(), entry)
        assert r.status_code == 201
        shot_id = r.json()["id"]
        await settle(client)
        assert (await owner.get(f"/api/v1/screenshots/{shot_id}")).json()["status"] == "PENDING"
        app_state.jobs.lose = False
        # Not due yet: a fresh row is given time for its own enqueue.
        assert (await in_app(client, processing.sweep, app_state))["requeued"] == 0
        await _set(client, shot_id, next_attempt_at=utcnow() - timedelta(seconds=1))
        assert (await in_app(client, processing.sweep, app_state))["requeued"] == 1
        shot = await wait_status(client, owner, shot_id)
        assert shot["status"] == "READY"


async def test_transient_failures_back_off_then_fail(backend, session_tmp):
    async with app_client(backend, session_tmp / f"retry-{uuid.uuid4().hex[:6]}",
                          state_hook=_losing, SCREENSHOT_INLINE_THUMBNAILS="false") as client:
        app_state = hub_of(client)
        app_state.jobs.lose = False  # the owner's sign-up mail goes out
        owner = await register(client)
        app_state.jobs.lose = True
        entry = await make_entry(owner)
        r = await upload(owner, png_bytes(), entry)
        shot_id = r.json()["id"]
        row = await screenshot_row(client, shot_id)
        (app_state.storage.root / row.storage_key).unlink()  # the object became unreadable
        delays = []
        for attempt in range(1, MAX_ATTEMPTS):
            status = await in_app(client, processing.process, app_state, uuid.UUID(shot_id))
            row = await screenshot_row(client, shot_id)
            assert status == "PENDING" and row.attempts == attempt
            assert "cannot read" in row.failure_reason
            delays.append(row.next_attempt_at - utcnow())
        assert all(a < b for a, b in itertools.pairwise(delays)), delays
        status = await in_app(client, processing.process, app_state, uuid.UUID(shot_id))
        row = await screenshot_row(client, shot_id)
        assert status == "FAILED" and row.status == "FAILED"
        assert "gave up after" in row.failure_reason
        # FAILED is final: a late job is a no-op.
        assert await in_app(client, processing.process, app_state, uuid.UUID(shot_id)) is None


async def test_retention_purges_old_screenshots(backend, session_tmp):
    async with app_client(backend, session_tmp / f"ret-{uuid.uuid4().hex[:6]}") as client:
        app_state = hub_of(client)
        owner = await register(client)
        assert (await owner.patch("/api/v1/agent/config", json={"retentionDays": 2})).status_code == 200
        entry = await make_entry(owner)
        old = await upload(owner, png_bytes(), entry,
                           captured_at=datetime.now(UTC) - timedelta(days=3))
        new = await upload(owner, png_bytes(), entry)
        await settle(client)
        assert len(local_objects(client, owner.org_id)) == 4
        removed = await in_app(client, processing.retention, app_state)
        assert removed >= 1
        items = (await owner.get("/api/v1/screenshots")).json()["items"]
        assert [i["id"] for i in items] == [new.json()["id"]]
        assert old.json()["id"] not in {i["id"] for i in items}
        assert len(local_objects(client, owner.org_id)) == 2


async def test_abandoned_presign_is_swept(backend, session_tmp):
    async with app_client(backend, session_tmp / f"aband-{uuid.uuid4().hex[:6]}") as client:
        app_state = hub_of(client)
        owner = await register(client)
        entry = await make_entry(owner)
        data = png_bytes()
        ticket = (await owner.post("/api/v1/sync/screenshots/presign", json={
            "idempotencyKey": str(uuid.uuid4()), "timeEntryKey": entry,
            "contentType": "image/png", "size": len(data)})).json()
        await client.put(ticket["uploadUrl"], content=data)
        assert len(local_objects(client, owner.org_id)) == 1
        await _set(client, ticket["screenshotId"], next_attempt_at=utcnow() - timedelta(seconds=1))
        result = await in_app(client, processing.sweep, app_state)
        assert result["removed"] == 1
        assert local_objects(client, owner.org_id) == []
