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


async def test_toggl_own_entries_follow_changes_since_the_mark(client, db, toggl):
    """scope "me": after the first (window) run, a run asks v9 /me/time_entries
    for what changed since the high-water mark — edits, new entries and
    deletions (server_deleted_at) — and reads no report."""
    owner = await register(client)
    me = toggl.add_user(owner.email, "Owner")  # the token's owner
    colleague = toggl.add_user("colleague@elsewhere.test", "Colleague")
    day = datetime.now(UTC).replace(hour=9, minute=0, second=0, microsecond=0) - timedelta(days=2)
    kept = toggl.add_entry(me, day, 3600, description="kept")
    edited = toggl.add_entry(me, day + timedelta(hours=2), 1800, description="draft")
    deleted = toggl.add_entry(me, day + timedelta(hours=4), 900, description="gone soon")
    toggl.add_entry(colleague, day, 600, description="not mine")
    toggl.add_entry(me, day, 300, workspace_id=999)  # my entry in another workspace
    for entry in toggl.entries.values():  # last modified long before the first run
        entry["at"] = datetime.now(UTC) - timedelta(hours=3)
    r = await connect(
        owner, "toggl", toggl.url, {"apiToken": TOKEN}, {"workspaceId": 777, "scope": "me"}
    )
    assert r.status_code == 201, r.text
    iid = r.json()["id"]

    first = await run(owner, iid)
    assert first["status"] == "done", first
    assert (first["counts"]["created"], first["counts"]["failed"]) == (3, 0), first["counts"]
    searches = [q for q in toggl.log if q.path.endswith("/search/time_entries")]
    assert searches and all(q.json()["user_ids"] == [me] for q in searches)

    toggl.edit(edited, seconds=2400, stop=day + timedelta(hours=2, minutes=40), description="final")
    toggl.delete(deleted)
    added = toggl.add_entry(me, day + timedelta(hours=6), 1200, description="new")
    toggl.log.clear()
    before = {e.id: e.updated_at for e in await _entries(db, owner.user_id)}
    second = await run(owner, iid)
    assert second["status"] == "done", second
    counts = second["counts"]
    assert (counts["fetched"], counts["created"], counts["updated"], counts["deleted"]) == (
        2,
        1,
        1,
        1,
    ), counts
    asked = [q for q in toggl.log if q.path == "/api/v9/me/time_entries"]
    assert len(asked) == 1 and asked[0].q("since") is not None
    assert not [q for q in toggl.log if q.path.endswith("/search/time_entries")]
    stored = await _entries(db, owner.user_id)
    assert [(e.description, e.duration_seconds) for e in stored] == [
        ("kept", 3600),
        ("final", 2400),
        ("new", 1200),
    ]
    kept_row = next(e for e in stored if e.description == "kept")
    assert before[kept_row.id] == kept_row.updated_at  # untouched
    assert added and kept  # ids used above

    # Nothing changed since (the 5-minute margin may list the same changes again).
    third = await run(owner, iid)
    counts = third["counts"]
    assert (counts["created"], counts["updated"], counts["deleted"]) == (0, 0, 0), counts
    assert counts["unchanged"] == counts["fetched"], counts


async def test_toggl_page_of_unreadable_records_only(client, db, toggl):
    """A page holding only unreadable records still notes its ids (the window
    sweep must not take them for deleted) and the run goes on."""
    owner = await register(client)
    me = toggl.add_user(owner.email, "Owner")
    day = datetime.now(UTC).replace(hour=9, minute=0, second=0, microsecond=0) - timedelta(days=1)
    toggl.add_entry(me, day, 3600, description="fine")
    broken = toggl.add_entry(me, day + timedelta(hours=2), 600)
    toggl.entries[broken]["at"] = datetime(1990, 1, 1, tzinfo=UTC)  # outside 2000-2100
    r = await connect(
        owner, "toggl", toggl.url, {"apiToken": TOKEN}, {"workspaceId": 777, "pageSize": 1}
    )
    assert r.status_code == 201, r.text
    done = await run(owner, r.json()["id"])
    assert done["status"] == "done", done
    assert (done["counts"]["created"], done["counts"]["failed"]) == (1, 1), done["counts"]
    assert str(broken) == done["errors"][0]["externalId"]
    again = await run(owner, r.json()["id"])
    assert again["status"] == "done", again
    assert (again["counts"]["unchanged"], again["counts"]["deleted"]) == (1, 0), again
