"""A locked (approved) week against a real server and the real agent: time the
agent records in it afterwards is refused with the conflict `locked`, parked
in the outbox (kept, not sent again every cycle), shown with the reason in
words in the parked list and by `hubnity-agent status`; once an admin reopens
the week, "Send again" gets it accepted."""

from __future__ import annotations

import os
import random
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import httpx
import pytest

from agent.core.agent import Agent
from agent.core.clock import FakeClock
from agent.core.credentials import FileStore
from tests.e2e.agent.conftest import PASSWORD, Account, Server, new_account, server_entries

pytestmark = pytest.mark.slow


def _admin_of(server: Server, owner: Account) -> dict[str, str]:
    """Headers of a second ADMIN of the owner's organization (nobody approves their own week)."""
    email = f"admin-{uuid.uuid4().hex[:8]}@e2e.hubnity.test"
    r = httpx.post(
        f"{server.url}/api/v1/members",
        json={"email": email, "name": "Approver", "role": "ADMIN"},
        headers=owner.headers,
    )
    assert r.status_code == 201, r.text
    r = httpx.post(
        f"{server.url}/api/v1/auth/accept-invite",
        json={"token": r.json()["invitationToken"], "password": PASSWORD},
    )
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['accessToken']}"}


def _track(agent: Agent, clock: FakeClock, project_id: str, seconds: int) -> None:
    agent.start_tracking(project_id)
    for _ in range(seconds):
        agent.counter.key()
        clock.advance(1)
        agent.tick()
    agent.stop()


def test_time_in_a_locked_week_is_parked_shown_and_sent_after_reopen(
    server: Server, tmp_path: Path, qtbot, capsys
) -> None:
    from agent.__main__ import _status
    from agent.ui.parked import ParkedDialog

    owner = new_account(server)
    admin = _admin_of(server, owner)
    today = datetime.now(UTC).date()
    monday = today - timedelta(days=today.weekday() + 7)  # last week's Monday (owner in UTC)
    clock = FakeClock(datetime(monday.year, monday.month, monday.day, 10, tzinfo=UTC))
    data = tmp_path / "agent"
    agent = Agent(data, clock=clock, rng=random.Random(5), store=FileStore(data / "c.json"))
    try:
        agent.sign_in(server.url, owner.email, PASSWORD, start_uploads=False)
        _track(agent, clock, owner.project_id, 120)
        agent.uploader.sync_once()
        assert len(server_entries(server, owner.user_id)) == 1
        # The week is submitted by its owner and approved by the other admin.
        r = httpx.post(
            f"{server.url}/api/v1/timesheets",
            json={"weekStart": monday.isoformat()},
            headers=owner.headers,
        )
        assert r.status_code == 201, r.text
        sheet = r.json()
        assert sheet["trackedSeconds"] == 120
        r = httpx.post(f"{server.url}/api/v1/timesheets/{sheet['id']}/approve", headers=admin)
        assert r.status_code == 200, r.text

        # More time in that week: refused as `locked`, parked, not sent again.
        clock.advance(3600)
        _track(agent, clock, owner.project_id, 90)
        agent.uploader.sync_once()
        parked = agent.outbox.parked_entries()
        assert [(e.parked_reason, e.end is not None) for e in parked] == [("locked", True)]
        assert "approved and locked" in (parked[0].parked_detail or "")
        depth = agent.outbox.depth()  # the entry, and its activity minutes with it
        assert (
            depth.parked == 1 + len(agent.outbox.activity_of(parked[0].key)) and depth.entries == 0
        )
        assert agent.outbox.pending_batch(100, 100).entries == []  # the next cycle sends nothing
        agent.uploader.sync_once()
        assert len(server_entries(server, owner.user_id)) == 1
        # Shown: the parked list says why in words; `status` counts it by reason.
        dlg = ParkedDialog(agent)
        qtbot.addWidget(dlg)
        assert "week is approved and locked" in dlg.list.item(0).text()
        _status(data)
        assert "see the tray); entries: 1 locked" in capsys.readouterr().out

        # Reopened by the admin, the same entry is sent again and accepted.
        r = httpx.post(
            f"{server.url}/api/v1/timesheets/{sheet['id']}/reopen",
            json={"reason": "late time"},
            headers=admin,
        )
        assert r.status_code == 200, r.text
        dlg.list.setCurrentRow(0)
        assert dlg.resend_button.isEnabled()
        dlg.resend_button.click()
        agent.uploader.sync_once()
        assert len(server_entries(server, owner.user_id)) == 2
        depth = agent.outbox.depth()
        assert (depth.parked, depth.total) == (0, 0), depth
        assert dlg.list.count() == 0
    finally:
        agent.shutdown()
