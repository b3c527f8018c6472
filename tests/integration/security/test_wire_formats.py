"""Times, dates, ids and cursors are accepted exactly as the OpenAPI document
states them (shared/wire_dates.py, server/core/ids.py, server/db/pagination.py):
what the patterns allow works, what they refuse is a readable 400 — no other
ISO 8601 spelling slips through. On SQLite and PostgreSQL."""

from __future__ import annotations

import base64
import json
import re
import uuid

from shared.wire_dates import DATE_PATTERN, INSTANT_PATTERN
from tests.support.api import create_project, register

ENTRIES = "/api/v1/time-entries"


def _cursor(values: list[str]) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


def test_the_patterns_follow_the_calendar():
    instant, day = re.compile(INSTANT_PATTERN), re.compile(DATE_PATTERN)
    for good in ("2024-02-29", "2000-02-29", "2099-12-31", "2000-01-01"):
        assert day.fullmatch(good), good
    for bad in ("2023-02-29", "2100-01-01", "1999-12-31", "2026-04-31", "20260131", "2026-W05-1"):
        assert not day.fullmatch(bad), bad
    for good in (
        "2026-01-31T09:00:00Z",
        "2026-01-31T09:00:00.25+01:00",
        "2000-01-01T00:00:00-12:00",
    ):
        assert instant.fullmatch(good), good
    for bad in (
        "2026-01-31T09:00Z",  # no seconds
        "2026-01-31t09:00:00z",
        "2026-01-31 09:00:00Z",
        "2026-01-31T09:00:00",  # no offset
        "2026-01-31T09:00:00+0100",
        "20260131T090000Z",
        "2026-01-31T09:00:00Z\n",
    ):
        assert not instant.fullmatch(bad), bad


async def test_queries_take_exactly_the_documented_spellings(client):
    owner = await register(client)
    ok = [
        (ENTRIES, {"from": "2024-02-29T10:00:00.5+05:30"}),
        # Written in 2000 in its own offset, 1999 in UTC: the written date counts.
        (ENTRIES, {"from": "2000-01-01T00:30:00+05:00"}),
        ("/api/v1/reports/daily", {"from": "2024-02-29", "to": "2024-03-01"}),
        ("/api/v1/tasks", {"assigneeId": "", "projectId": ""}),  # empty: not given
    ]
    for path, params in ok:
        r = await owner.get(path, params=params)
        assert r.status_code == 200, (path, params, r.text)
    refused = [
        (ENTRIES, {"from": "20260131T090000Z"}, "RFC 3339"),
        (ENTRIES, {"from": "2026-01-31T09:00:00+0100"}, "RFC 3339"),
        (ENTRIES, {"to": "2026-01-31T09:00:00"}, "UTC offset"),
        (ENTRIES, {"from": "1999-06-01T00:00:00Z"}, "from 2000-01-01 to 2099-12-31"),
        ("/api/v1/reports/daily", {"from": "20260131"}, "date like"),
        ("/api/v1/reports/daily", {"to": "2023-02-29"}, "date like"),
        ("/api/v1/reports/activity", {"date": "2026-W05-1"}, "date like"),
        ("/api/v1/reports/export", {"format": "CSV"}, "format"),
        ("/api/v1/tasks", {"assigneeId": "0123456789abcdef0123456789abcdef"}, "UUID"),
    ]
    for path, params, needle in refused:
        r = await owner.get(path, params=params)
        assert r.status_code == 400 and needle in r.json()["detail"], (path, params, r.text)


async def test_cursors_outside_their_alphabet_or_forged_are_400(client):
    owner = await register(client)
    project = await create_project(owner)
    for hour in range(3):
        r = await owner.post(
            ENTRIES,
            json={
                "startTime": f"2026-03-10T0{hour}:00:00Z",
                "endTime": f"2026-03-10T0{hour}:30:00Z",
                "projectId": project["id"],
            },
        )
        assert r.status_code == 201, r.text
    page = (await owner.get(ENTRIES, params={"limit": 1})).json()
    nxt = page["nextCursor"]
    assert (await owner.get(ENTRIES, params={"limit": 1, "cursor": nxt})).status_code == 200
    forged = [
        nxt + "!",  # base64 decoding would skip the stray character
        _cursor(["0001-01-01T00:00:00", str(uuid.uuid4())]),  # naive, year 1
        _cursor(["9999-12-31T23:59:59-01:00", str(uuid.uuid4())]),
    ]
    for path in (ENTRIES, "/api/v1/audit", "/api/v1/reports/entries", "/api/v1/screenshots"):
        for cursor in forged:
            r = await owner.get(path, params={"cursor": cursor})
            assert r.status_code == 400, (path, cursor, r.status_code, r.text)
            assert r.json()["detail"] == "cursor is malformed", (path, r.text)


async def test_bodies_state_and_check_the_same_rules(client):
    owner = await register(client)
    project = await create_project(owner)
    r = await owner.post(
        ENTRIES,
        json={
            "startTime": "2026-03-10T09:00Z",
            "endTime": "2026-03-10T10:00:00Z",
            "projectId": project["id"],
        },
    )
    assert r.status_code == 400 and "startTime must be an RFC 3339" in r.json()["detail"]
    r = await owner.post(
        "/api/v1/sync/screenshots/presign",
        json={
            "idempotencyKey": str(uuid.uuid4()),
            "timeEntryKey": str(uuid.uuid4()),
            "contentType": "image/png",
            "size": 0,
        },
    )
    assert r.status_code == 400 and "at least 1 byte" in r.json()["detail"], r.text
    doc = (await owner.get("/schema/openapi.json")).json()
    presign = doc["components"]["schemas"]["PresignRequest"]["properties"]
    assert presign["size"] == {"type": "integer", "minimum": 1, "maximum": 20 * 1024 * 1024}
    upload = doc["paths"]["/api/v1/sync/screenshots"]["post"]["requestBody"]["content"]
    form = upload["multipart/form-data"]["schema"]
    assert form["required"] == ["file", "idempotencyKey", "capturedAt"]
    assert form["properties"]["capturedAt"]["pattern"] == INSTANT_PATTERN
