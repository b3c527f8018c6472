"""Times at the edges of the calendar (year 1, year 9999, where a UTC shift
overflows) are readable 400s or per-item conflicts, never 500s. On SQLite and
PostgreSQL."""

from __future__ import annotations

import base64
import json
import uuid

from tests.integration.screenshots.helpers import make_entry, upload
from tests.integration.screenshots.images import png_bytes
from tests.support.api import register
from tests.support.sync import batch, entry

YEAR_1 = "0001-01-01T00:00:00+01:00"
YEAR_9999 = "9999-12-31T23:59:59-01:00"


def _cursor(values: list[str]) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


async def test_sync_refuses_extreme_times_item_by_item(client):
    owner = await register(client)
    good = entry()
    items = [
        good,
        {**entry(), "startTime": YEAR_1, "status": "RUNNING", "endTime": None},
        {**entry(), "endTime": YEAR_9999},
    ]
    activity = [
        {
            "timeEntryKey": good["idempotencyKey"],
            "minute": YEAR_1,
            "keyboardClicks": 1,
            "mouseMovements": 1,
            "activeSeconds": 1,
        }
    ]
    r = await owner.post("/api/v1/sync/batch", json=batch(items, activity))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["processed"] == 1
    details = sorted(c["detail"] for c in body["conflicts"])
    assert details == [
        "endTime must be dated from 2000-01-01 to 2099-12-31",
        "startTime must be dated from 2000-01-01 to 2099-12-31",
    ]
    assert [c["reason"] for c in body["activity"]["conflicts"]] == ["invalid"]


async def test_queries_and_cursors_with_extreme_times_are_400(client):
    owner = await register(client)
    probes = [
        ("/api/v1/reports/entries", {"from": YEAR_1}),
        ("/api/v1/reports/entries", {"to": YEAR_9999}),
        ("/api/v1/reports/entries", {"cursor": _cursor([YEAR_9999, str(uuid.uuid4())])}),
        ("/api/v1/reports/daily", {"from": "9999-12-31", "to": "9999-12-31"}),
        ("/api/v1/reports/team", {"from": "9999-12-31", "to": "9999-12-31"}),
        ("/api/v1/reports/activity", {"date": "9999-12-31"}),
        ("/api/v1/screenshots", {"from": YEAR_1}),
        ("/api/v1/screenshots", {"cursor": _cursor([YEAR_9999, str(uuid.uuid4())])}),
    ]
    for path, params in probes:
        r = await owner.get(path, params=params)
        assert r.status_code == 400, (path, params, r.status_code, r.text)
        assert r.json()["detail"], (path, params)


async def test_screenshot_upload_with_extreme_capture_time_is_400(client):
    owner = await register(client)
    r = await upload(owner, png_bytes(), await make_entry(owner), capturedAt=YEAR_1)
    assert r.status_code == 400 and "capturedAt" in r.json()["detail"], r.text
