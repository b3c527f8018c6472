"""Body limits by kind of route (docs/api.md, "Body limits"): sign-in bodies
above the small default are refused 413 naming the limit, whether announced
by Content-Length or chunked; the largest legitimate sync batch and real
screenshots still go in."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta, timezone

import httpx
import msgspec
import pytest

from server.runtime.body_limits import BodyLimits
from server.sync.batch_size import largest_batch_bytes
from shared.enums import EntryStatus
from shared.limits import (
    MAX_ACTIVE_SECONDS,
    MAX_APP_NAME_LENGTH,
    MAX_BATCH_ACTIVITY,
    MAX_BATCH_APPS,
    MAX_BATCH_ENTRIES,
    MAX_COUNTER,
    MAX_DESCRIPTION_LENGTH,
    MAX_POINTER_POSITIONS,
    MAX_REVISION,
    MAX_TITLE_LENGTH,
)
from shared.schemas import ActivityIn, AppIn, EntryIn, SyncBatch
from tests.integration.screenshots.helpers import form, make_entry, wait_status
from tests.integration.screenshots.images import encode, text_screenshot
from tests.support.api import register

LIMITS = BodyLimits()
TOO_LARGE = "request body too large: at most 64 KiB (65536 bytes) on this route"
PAD = "x" * 100_000  # past the 64 KiB default
SIGN_IN_BODIES = {
    "/api/v1/auth/login": {"email": "someone@example.test", "password": PAD},
    "/api/v1/auth/register": {"email": "someone@example.test", "organization": PAD},
    "/api/v1/auth/refresh": {"refreshToken": PAD},
}


class _Chunked(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A body in pieces with no length announced (the test client's transport
    reads it synchronously, the async client insists on an async stream)."""

    def __init__(self, data: bytes) -> None:
        self.pieces = [data[at : at + 8192] for at in range(0, len(data), 8192)]

    def __iter__(self) -> Iterator[bytes]:
        yield from self.pieces

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for piece in self.pieces:
            yield piece


async def _post(client, path: str, body: bytes, chunked: bool) -> httpx.Response:
    request = client.build_request(
        "POST", path, content=body, headers={"content-type": "application/json"}
    )
    if chunked:
        del request.headers["content-length"]
        request.headers["transfer-encoding"] = "chunked"
        request.stream = _Chunked(body)
    response: httpx.Response = await client.send(request)
    return response


@pytest.mark.parametrize("path", sorted(SIGN_IN_BODIES))
@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
async def test_oversized_sign_in_bodies_are_413_naming_the_limit(client, path, chunked):
    body = msgspec.json.encode(SIGN_IN_BODIES[path])
    r = await _post(client, path, body, chunked)
    assert r.status_code == 413, r.text
    assert r.json() == {"statusCode": 413, "detail": TOO_LARGE}


async def test_a_sign_in_body_within_the_limit_is_read(client):
    r = await client.post(
        "/api/v1/auth/login",
        json={"email": "nobody@example.test", "password": "x" * (LIMITS.default - 100)},
    )
    assert r.status_code == 401, r.text


async def test_the_document_states_each_route_limit(client):
    paths = (await client.get("/schema/openapi.json")).json()["paths"]
    login = paths["/api/v1/auth/login"]["post"]["responses"]["413"]["description"]
    sync = paths["/api/v1/sync/batch"]["post"]["responses"]["413"]["description"]
    assert login.endswith(f"at most {LIMITS.default} bytes")
    assert sync.endswith(f"at most {LIMITS.sync} bytes")


def _largest_batch(user_id: str, project_id: str, task_id: str) -> bytes:
    """A batch at every limit: the most items of each kind, every field present
    and as long as it may be, every character a 4-byte one."""
    wide = "\U0001f600"
    user, project, task = uuid.UUID(user_id), uuid.UUID(project_id), uuid.UUID(task_id)
    zone = timezone(-timedelta(hours=9, minutes=30))
    base = datetime(2026, 1, 5, tzinfo=UTC).astimezone(zone)
    per_entry = MAX_BATCH_ACTIVITY // MAX_BATCH_ENTRIES
    entries, activity, apps = [], [], []
    for i in range(MAX_BATCH_ENTRIES):
        key = uuid.uuid4()
        start = base + timedelta(minutes=per_entry * i)
        entries.append(
            EntryIn(
                idempotency_key=key,
                revision=MAX_REVISION,
                start_time=start,
                status=EntryStatus.STOPPED,
                project_id=project,
                task_id=task,
                end_time=start + timedelta(minutes=per_entry, microseconds=-1),
                timezone="America/Argentina/ComodRivadavia",
                description=wide * MAX_DESCRIPTION_LENGTH,
                user_id=user,
            )
        )
        for m in range(per_entry):
            minute = start + timedelta(minutes=m)
            activity.append(
                ActivityIn(
                    time_entry_key=key,
                    minute=minute,
                    keyboard_clicks=MAX_COUNTER,
                    mouse_movements=MAX_COUNTER,
                    active_seconds=MAX_ACTIVE_SECONDS,
                    user_id=user,
                    interval_cv=999.9999999999999,
                    distinct_positions=MAX_POINTER_POSITIONS,
                    pointer_span=MAX_POINTER_POSITIONS,
                    keyboard_share=0.9999999999999999,
                    pointer_moves=MAX_COUNTER,
                )
            )
            apps.append(
                AppIn(
                    time_entry_key=key,
                    minute=minute,
                    app=wide * (MAX_APP_NAME_LENGTH - 1) + str(m % 10),
                    seconds=MAX_ACTIVE_SECONDS,
                    title=wide * MAX_TITLE_LENGTH,
                    user_id=user,
                )
            )
    assert len(activity) == MAX_BATCH_ACTIVITY and len(apps) == MAX_BATCH_APPS
    batch = SyncBatch(device_id=wide * 64, entries=entries, activity=activity, apps=apps)
    return msgspec.json.encode(batch)


async def test_the_largest_legitimate_sync_batch_is_accepted(client):
    owner = await register(client)
    project = (await owner.post("/api/v1/projects", json={"name": "Big"})).json()["id"]
    r = await owner.post(f"/api/v1/projects/{project}/tasks", json={"name": "Bigger"})
    assert r.status_code == 201, r.text
    body = _largest_batch(owner.user_id, project, r.json()["id"])
    # Within a few hundred bytes per thousand of the computed figure, under the limit.
    assert largest_batch_bytes() * 0.99 < len(body) <= largest_batch_bytes() <= LIMITS.sync
    r = await owner.post(
        "/api/v1/sync/batch", content=body, headers={"content-type": "application/json"}
    )
    assert r.status_code == 200, r.text[:2000]
    out = r.json()
    assert out["conflicts"] == [] and out["processed"] == MAX_BATCH_ENTRIES
    assert out["activity"] == {"processed": MAX_BATCH_ACTIVITY, "skipped": 0, "conflicts": []}
    assert out["apps"] == {"processed": MAX_BATCH_APPS, "skipped": 0, "conflicts": []}


async def test_a_real_screenshot_still_uploads_both_ways(client):
    owner = await register(client)
    entry = await make_entry(owner)
    data = encode(text_screenshot(2560, 1440, seed=3))
    assert len(data) > 3 * LIMITS.default  # far past the small default
    r = await owner.post(
        "/api/v1/sync/screenshots",
        data=form(entry),
        files={"file": ("shot.png", data, "image/png")},
    )
    assert r.status_code == 201, r.text
    shot = await wait_status(client, owner, r.json()["id"])
    assert shot["status"] == "READY"
    # The local presigned PUT takes the same.
    r = await owner.post(
        "/api/v1/sync/screenshots/presign",
        json={
            "idempotencyKey": str(uuid.uuid4()),
            "timeEntryKey": entry,
            "contentType": "image/png",
            "size": len(data),
        },
    )
    assert r.status_code == 200, r.text
    ticket = r.json()
    r = await client.put(ticket["uploadUrl"], content=data, headers=ticket["uploadHeaders"])
    assert r.status_code == 204, r.text
