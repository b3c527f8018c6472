"""Toggl Track import against the Toggl stand-in, on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Uuid, bindparam, select, text

from server.db.models import Integration, TimeEntry
from tests.integration.integrations.helpers import connect, run
from tests.support.api import invite, register
from tests.support.standins.base import serving
from tests.support.standins.toggl import TogglStandIn

TOKEN = "toggl-token-0123456789"


@pytest.fixture
def toggl():
    with serving(TogglStandIn(token=TOKEN, rate_limit_every=5)) as app:
        yield app


async def _entries(db, user_id: str) -> list[TimeEntry]:
    async with db() as s:
        rows = await s.execute(
            select(TimeEntry)
            .where(TimeEntry.user_id == uuid.UUID(user_id))
            .order_by(TimeEntry.start_time)
        )
        return list(rows.scalars())


async def _row_versions(db, integration_id: str) -> dict[str, list[tuple]]:
    """Every entry and record of the integration as stored, with PostgreSQL's
    row version (xmin changes on any UPDATE, even one writing the same values)."""
    records = "SELECT time_entry_id FROM integration_records WHERE integration_id = :i"
    async with db() as s:
        version = "CAST(xmin AS text)" if s.get_bind().dialect.name == "postgresql" else "''"
        out = {}
        for table, columns, where in (
            ("time_entries", "id, updated_at, duration_seconds", f"id IN ({records})"),
            ("integration_records", "id, fingerprint, last_run_id", "integration_id = :i"),
        ):
            query = text(f"SELECT {columns}, {version} FROM {table} WHERE {where} ORDER BY id")
            rows = await s.execute(
                query.bindparams(bindparam("i", type_=Uuid())), {"i": uuid.UUID(integration_id)}
            )
            out[table] = [tuple(r) for r in rows.all()]
        assert out["time_entries"] and out["integration_records"]
        return out


async def test_toggl_import_is_idempotent_and_follows_changes(client, db, toggl):
    owner = await register(client)
    alice = await invite(owner, name="Alice")
    a = toggl.add_user(alice.email.upper(), "Alice")  # emails match case-insensitively
    stranger = toggl.add_user("nobody@elsewhere.test", "Stranger")
    design = toggl.add_project("Design")
    day = datetime.now(UTC).replace(hour=9, minute=0, second=0, microsecond=0) - timedelta(days=3)
    first = toggl.add_entry(a, day, 3600, project_id=design, description="mockups", billable=True)
    second = toggl.add_entry(a, day + timedelta(hours=2), 1800, description="review")
    toggl.add_entry(a, day + timedelta(hours=4), 900)
    toggl.add_entry(stranger, day, 600)
    toggl.add_entry(a, datetime.now(UTC) - timedelta(minutes=5), None)  # running timer

    r = await connect(
        owner,
        "toggl",
        toggl.url,
        {"apiToken": TOKEN},
        {"workspaceId": 777, "pageSize": 2, "createProjects": True},
    )
    assert r.status_code == 201, r.text
    integration = r.json()
    assert integration["credentials"] == {"apiToken": "••••6789"}
    assert TOKEN not in r.text

    mappings = (await owner.get(f"/api/v1/integrations/{integration['id']}/mappings")).json()
    assert mappings["unmatched"]["users"] == 1
    unmatched = [m for m in mappings["users"] if m["targetId"] is None]
    assert [m["externalEmail"] for m in unmatched] == ["nobody@elsewhere.test"]

    # Dry run: counts, nothing written.
    dry = await run(owner, integration["id"], dryRun=True)
    assert dry["status"] == "done", dry
    assert dry["counts"] | {} == {**dry["counts"], "created": 3, "failed": 1, "skipped": 1}
    assert "nobody@elsewhere.test" in dry["errors"][0]["detail"]
    assert await _entries(db, alice.user_id) == []

    done = await run(owner, integration["id"])
    assert done["status"] == "done", done
    assert (done["counts"]["created"], done["counts"]["failed"]) == (3, 1)
    assert done["progress"]["pagesDone"] >= 3  # page size 2 → several pages
    stored = await _entries(db, alice.user_id)
    assert [e.duration_seconds for e in stored] == [3600, 1800, 900]
    assert {e.source for e in stored} == {"import:toggl"}
    assert stored[0].description == "mockups" and stored[0].project_id is not None

    # Re-run: nothing new, nothing changed, no row written.
    before = await _row_versions(db, integration["id"])
    again = await run(owner, integration["id"])
    assert again["status"] == "done", again
    counts = again["counts"]
    assert (counts["created"], counts["updated"], counts["unchanged"]) == (0, 0, 3), counts
    assert len(await _entries(db, alice.user_id)) == 3
    assert await _row_versions(db, integration["id"]) == before

    # Changed and deleted at Toggl → updated and removed; the rest untouched.
    toggl.edit(first, seconds=7200, stop=day + timedelta(hours=2), description="mockups v2")
    del toggl.entries[second]
    third = await run(owner, integration["id"])
    assert (third["counts"]["updated"], third["counts"]["deleted"]) == (1, 1), third
    stored = await _entries(db, alice.user_id)
    assert [(e.duration_seconds, e.description) for e in stored] == [
        (7200, "mockups v2"),
        (900, None),
    ]

    # The 429s were honoured: never retried before Retry-After.
    assert toggl.rate_limited > 0 and toggl.early_retries == 0
    async with db() as s:
        i = await s.get(Integration, uuid.UUID(integration["id"]))
        assert i is not None and TOKEN not in (i.secret_box or "")
        assert i.cursor is not None  # high-water mark of the last complete run


async def test_toggl_bad_token_wrong_workspace_html_and_unreachable(client, toggl):
    owner = await register(client)
    r = await connect(
        owner, "toggl", toggl.url, {"apiToken": "wrong-token-xxxxxxx"}, {"workspaceId": 777}
    )
    assert r.status_code == 422 and "Incorrect username" in r.json()["detail"], r.text
    r = await connect(owner, "toggl", toggl.url, {"apiToken": TOKEN}, {"workspaceId": 1})
    assert r.status_code == 422 and "workspace" in r.json()["detail"], r.text
    toggl.html_mode = True
    r = await connect(owner, "toggl", toggl.url, {"apiToken": TOKEN}, {"workspaceId": 777})
    assert r.status_code == 422 and "instead of JSON" in r.json()["detail"], r.text
    toggl.html_mode = False
    r = await connect(
        owner, "toggl", "http://127.0.0.1:9", {"apiToken": TOKEN}, {"workspaceId": 777}
    )
    assert r.status_code == 422 and "cannot be reached" in r.json()["detail"], r.text
    r = await connect(owner, "toggl", toggl.url, {"apiToken": TOKEN}, {})
    assert r.status_code == 400 and "workspaceId" in r.json()["detail"]
    listed = (await owner.get("/api/v1/integrations")).json()["items"]
    assert listed == []  # nothing half-created
