"""The dashboard's live state comes from each person's latest entry and its last
heartbeat, on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from server.auth.principal import load_principal
from server.web import service as views
from tests.support.api import invite, register
from tests.support.sync import batch, entry


def _at(minutes_ago: int, now: datetime) -> str:
    return (now - timedelta(minutes=minutes_ago)).isoformat()


async def test_live_state_follows_the_latest_entry(client, db):
    owner = await register(client)
    now = datetime.now(UTC).replace(microsecond=0)
    people = {
        name: await invite(owner, name=name)
        for name in ("resumed", "crashed", "live", "open", "paused")
    }

    def span(status: str, start: int, end: int | None) -> dict:
        return {
            **entry(),
            "startTime": _at(start, now),
            "endTime": _at(end, now) if end is not None else None,
            "status": status,
        }

    plans = {
        # pause → resume → stop: the later STOPPED entry ends the pause
        "resumed": [span("PAUSED", 50, 40), span("STOPPED", 30, 10)],
        # the agent died 30 minutes ago while tracking: its last heartbeat is old
        "crashed": [span("RUNNING", 60, 30)],
        "live": [span("RUNNING", 20, 1)],
        # open-ended (no heartbeat end): running until a later revision closes it
        "open": [span("RUNNING", 45, None)],
        "paused": [span("STOPPED", 90, 60), span("PAUSED", 50, 40)],
    }
    for name, entries in plans.items():
        r = await people[name].post("/api/v1/sync/batch", json=batch(entries))
        assert r.status_code == 200 and r.json()["processed"] == len(entries), r.text
    async with db() as session:
        principal = await load_principal(session, uuid.UUID(owner.user_id), uuid.UUID(owner.org_id))
        assert principal is not None
        board = await views.dashboard(session, principal, None, now)
    states = {row.name: row.state for row in board.people if row.name in plans}
    assert states["resumed"] not in ("paused", "tracking")
    assert states["crashed"] not in ("paused", "tracking")
    assert states["live"] == "tracking" and states["open"] == "tracking"
    assert states["paused"] == "paused"
    assert board.tracking == 2
