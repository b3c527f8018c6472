"""The overlap check of manual entries, edits and the timer reads a bounded
window however much time a person has recorded: closed entries through one
(user, start) range bounded on both sides (an entry lasts at most
MAX_ENTRY_DURATION), open ones through their partial index. As one OR, SQLite
read every entry the person had recorded before the new one's end. The
timer's look-up of the agent's live entry is one range bounded from below."""

from __future__ import annotations

import sqlite3
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import bindparam, insert, text
from sqlalchemy.dialects import sqlite

from server.core.spans import MAX_ENTRY_DURATION
from server.db.migrate import upgrade
from server.db.models import TimeEntry
from server.sync.store_sqlite import ts
from server.time_entries.rules import _OVERLAP, live_agent_query
from tests.support.api import create_project, register

URL = "/api/v1/time-entries"
NOW = datetime(2026, 3, 10, 9, tzinfo=UTC)  # the new entries' day
HISTORY = 3000  # closed two-hour entries, one every twelve hours, before it


def _user_start_ranges(plan: list[str]) -> list[str]:
    return [s for s in plan if "ix_time_entries_user_start" in s]


def test_sqlite_plan_bounds_the_range_and_takes_open_entries_from_their_index(
    tmp_path: Path,
) -> None:
    path = tmp_path / "plan.db"
    upgrade(f"sqlite+aiosqlite:///{path}")  # the schema as migrations make it
    sql = str(_OVERLAP["sqlite"].compile(dialect=sqlite.dialect()))
    with sqlite3.connect(path) as conn:
        params = ("u", "2026-01-01", "2026-02-02", "2026-02-01", "u", "2026-02-02")
        plan = [row[3] for row in conn.execute(f"EXPLAIN QUERY PLAN {sql}", params)]
    assert any("ix_time_entries_user_open" in step for step in plan), plan
    # `start_time<?` alone would read the person's whole history before the end.
    ranges = _user_start_ranges(plan)
    assert ranges and all("start_time>?" in s and "start_time<?" in s for s in ranges), plan


def test_sqlite_plan_of_the_agents_live_entry_is_a_bounded_range(tmp_path: Path) -> None:
    """The timer's look-up of the entry the desktop agent tracks: one range
    bounded from below (the OR of its two cases read the person's whole
    history through `user_id=?` alone)."""
    path = tmp_path / "plan.db"
    upgrade(f"sqlite+aiosqlite:///{path}")
    compiled = live_agent_query(uuid.uuid4(), NOW).compile(dialect=sqlite.dialect())
    values = compiled.construct_params()
    params = [
        v.hex if isinstance(v, uuid.UUID) else ts(v) if isinstance(v, datetime) else v
        for v in (values[k] for k in compiled.positiontup or [])
    ]
    with sqlite3.connect(path) as conn:
        rows = conn.execute(f"EXPLAIN QUERY PLAN {compiled}", params)
        plan = [row[3] for row in rows]
    assert plan and all("start_time>?" in step for step in plan), plan


def _entry(org: uuid.UUID, user: uuid.UUID, start: datetime, end: datetime | None) -> dict:
    return {
        "id": uuid.uuid4(),
        "organization_id": org,
        "user_id": user,
        "idempotency_key": uuid.uuid4(),
        "revision": 1,
        "start_time": start,
        "end_time": end,
        "duration_seconds": int((end - start).total_seconds()) if end else 0,
        "status": "STOPPED" if end else "RUNNING",
        "timezone": "UTC",
        "source": "manual" if end else "agent",
        "billable": True,
        "created_at": start,
        "updated_at": start,
    }


async def _explain(session, backend: str, params: dict) -> list[str]:
    """The plan of the check's statement on the session's database."""
    pg = backend.startswith("postgresql")
    statement = _OVERLAP["postgresql" if pg else "sqlite"]
    column = TimeEntry.__table__.c
    explained = text(
        ("EXPLAIN " if pg else "EXPLAIN QUERY PLAN ") + statement.element.text
    ).bindparams(
        bindparam("user", type_=column.user_id.type),
        *(bindparam(n, type_=column.start_time.type) for n in ("since", "start", "stop")),
    )
    if pg:
        await session.execute(text("ANALYZE time_entries"))  # statistics as they would be
    rows = await session.execute(explained, params)
    return [r[0] if pg else r[3] for r in rows]


async def test_overlap_is_found_among_a_long_history(client, db, backend):
    owner = await register(client)
    project = await create_project(owner)
    org, user = uuid.UUID(owner.org_id), uuid.UUID(owner.user_id)
    # The history ends two days before the long entry below starts.
    first = NOW - MAX_ENTRY_DURATION - timedelta(hours=12 * HISTORY + 48)
    history = [
        _entry(org, user, first + timedelta(hours=12 * i), first + timedelta(hours=12 * i + 2))
        for i in range(HISTORY)
    ]
    async with db() as session:
        await session.execute(insert(TimeEntry), history)
        await session.commit()

    async def add(start: datetime, end: datetime):
        body = {"projectId": project["id"], "startTime": start.isoformat()}
        return await owner.post(URL, json={**body, "endTime": end.isoformat()})

    # An entry of the longest kind, started almost MAX_ENTRY_DURATION before
    # the new one: its overlap is found (the range's lower bound reaches it).
    long_start = NOW - MAX_ENTRY_DURATION + timedelta(hours=1)
    long = await add(long_start, long_start + MAX_ENTRY_DURATION)
    assert long.status_code == 201, long.text
    clash = await add(NOW, NOW + timedelta(minutes=30))
    assert clash.status_code == 409, clash.text
    assert clash.json()["extra"]["otherEntry"]["id"] == long.json()["id"]
    after = await add(long_start + MAX_ENTRY_DURATION, NOW + timedelta(hours=2))
    assert after.status_code == 201, after.text  # touching it is no overlap

    # An old entry of the history is still found when an edit reaches it.
    old = history[5]
    moved = await owner.patch(
        f"{URL}/{after.json()['id']}",
        json={
            "startTime": (old["start_time"] + timedelta(hours=1)).isoformat(),
            "endTime": (old["end_time"] + timedelta(hours=1)).isoformat(),
        },
    )
    assert moved.status_code == 409, moved.text
    assert moved.json()["extra"]["otherEntry"]["id"] == str(old["id"])

    # An entry still running, started long before any bounded range: found.
    running = _entry(org, user, first - timedelta(days=400), None)
    async with db() as session:
        await session.execute(insert(TimeEntry), [running])
        await session.commit()
    later = NOW + timedelta(days=3)
    r = await add(later, later + timedelta(hours=1))
    assert r.status_code == 409, r.text
    assert r.json()["extra"]["otherEntry"] == {
        "id": str(running["id"]),
        "startTime": running["start_time"].isoformat(),
        "endTime": None,
        "source": "agent",
    }

    # The plan on this database, with the history stored: each (user, start)
    # range bounded on both sides, the open entries from their partial index.
    params = {"user": user, "since": later - MAX_ENTRY_DURATION, "start": later}
    async with db() as session:
        plan = await _explain(session, backend, {**params, "stop": later + timedelta(hours=1)})
    text_plan = "\n".join(plan)
    assert "ix_time_entries_user_open" in text_plan, text_plan
    if backend.startswith("postgresql"):
        conds = [s for s in plan if "Index Cond" in s and "start_time" in s]
        assert conds and all("start_time >=" in s and "start_time <" in s for s in conds), plan
    else:
        ranges = _user_start_ranges(plan)
        assert ranges and all("start_time>?" in s and "start_time<?" in s for s in ranges), plan
