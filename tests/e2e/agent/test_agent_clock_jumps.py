"""The wall clock jumping while the agent core tracks and syncs to a real
`hubnity-server` (on SQLite and on PostgreSQL), on a fake clock: an NTP
correction or someone setting the time, not a suspend (the monotonic and boot
clocks move on as usual).

Each test ends with the chaos tests' assertion: after recovery every entry and
activity minute the agent recorded is stored exactly once on the server,
nothing was parked or refused, the server's entries do not overlap, and the
time tracked is exactly the time that really passed while tracking (the
monotonic clock's): a jump back does not count time twice nor lose it, a jump
forward does not invent it.
"""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from agent.core.agent import Agent
from agent.core.clock import FakeClock
from agent.core.tracker import State
from tests.e2e.agent.conftest import Account, Server, new_account, server_activity, server_entries
from tests.e2e.agent.harness import assert_same_record, drain, make_agent, past_clock, run

pytestmark = pytest.mark.slow

HOUR = 3600


class Tracked:
    """The test's own ledger: monotonic seconds the agent was tracking (and
    typing, one key a second)."""

    def __init__(self, agent: Agent, clock: FakeClock) -> None:
        self.agent, self.clock, self.seconds = agent, clock, 0

    def run(self, seconds: int) -> None:
        assert self.agent.tracker.state is State.RUNNING
        run(self.agent, self.clock, seconds)
        self.seconds += seconds


def sync(agent: Agent) -> None:
    """One upload; the server takes everything it is sent."""
    agent.screenshots.wait()
    agent.uploader.sync_once()
    assert agent.uploader.status.parked_now == []
    assert agent.outbox.depth().parked == 0


def spans(server: Server, account: Account) -> list[tuple[datetime, datetime]]:
    rows = server_entries(server, account.user_id).values()
    assert all(end is not None and status == "STOPPED" for _r, _s, end, status in rows)
    return sorted((datetime.fromisoformat(s), datetime.fromisoformat(e)) for _r, s, e, _ in rows)  # type: ignore[arg-type]


def assert_recovered(agent: Agent, server: Server, account: Account, tracked: Tracked) -> None:
    drain(agent)
    assert agent.outbox.depth().parked == 0 and agent.outbox.parked_entries() == []
    assert_same_record(agent, server, account)
    on_server = spans(server, account)
    for (_s1, end), (start, _e2) in itertools.pairwise(on_server):
        assert end <= start, on_server  # no overlap
    total = sum((end - start).total_seconds() for start, end in on_server)
    assert total == tracked.seconds
    # Every key press (one a second) reached the server once, inside its entry.
    keys = sum(kb for kb, _mm, _act in server_activity(server, account.user_id).values())
    assert keys == tracked.seconds


def start(tmp_path: Path, server: Server) -> tuple[Account, FakeClock, Agent, Tracked]:
    account = new_account(server, screenshotIntervalSeconds=300, screenshotDeleteWindowMinutes=0)
    clock = past_clock(hours=6)
    agent = make_agent(tmp_path, server, account, clock)
    agent.start_tracking(account.project_id)
    return account, clock, agent, Tracked(agent, clock)


def test_clock_set_back_an_hour_mid_entry(db_server: Server, tmp_path: Path) -> None:
    account, clock, agent, tracked = start(tmp_path, db_server)
    tracked.run(600)
    sync(agent)
    before = clock.now()
    clock.set_wall(-HOUR)  # NTP or a person sets the clock back while tracking
    tracked.run(900)
    sync(agent)  # the running entry after the jump is accepted as it grows
    tracked.run(900)
    agent.stop()
    assert_recovered(agent, db_server, account, tracked)
    (_s1, end1), (start2, end2) = spans(db_server, account)
    # The record goes on where it was; the hour the clock went back is not tracked twice.
    assert start2 == end1 == before + timedelta(seconds=1)
    assert end2 == start2 + timedelta(seconds=1799)
    agent.shutdown()


def test_clock_set_forward_two_hours_mid_entry(db_server: Server, tmp_path: Path) -> None:
    account, clock, agent, tracked = start(tmp_path, db_server)
    tracked.run(600)
    sync(agent)
    before = clock.now()
    clock.set_wall(2 * HOUR)  # not a suspend: the boot clock did not move
    tracked.run(1200)
    assert agent.tracker.state is State.RUNNING  # a clock change does not stop tracking
    agent.stop()
    assert_recovered(agent, db_server, account, tracked)
    (_s1, end1), (start2, _e2) = spans(db_server, account)
    # The two hours lie between the entries: nobody worked them.
    assert end1 == before + timedelta(seconds=1)
    assert start2 == end1 + timedelta(hours=2)
    agent.shutdown()


def test_clock_set_back_into_time_the_server_holds(db_server: Server, tmp_path: Path) -> None:
    account, clock, agent, tracked = start(tmp_path, db_server)
    tracked.run(1800)
    sync(agent)  # the server holds the first half hour
    clock.set_wall(-1200)  # back into the middle of it
    tracked.run(300)
    agent.switch(account.other_project_id, None)
    tracked.run(300)
    sync(agent)
    agent.stop()
    run(agent, clock, 60, typing=False)  # a break shorter than the jump
    agent.start_tracking(account.project_id, account.task_id)
    tracked.run(300)
    sync(agent)
    clock.set_wall(-300)  # and back once more, into the time just recorded
    tracked.run(300)
    agent.stop()
    assert_recovered(agent, db_server, account, tracked)
    assert len(spans(db_server, account)) == 5
    agent.shutdown()


def test_long_break_after_clock_set_back_returns_to_the_wall_clock(
    db_server: Server, tmp_path: Path
) -> None:
    account, clock, agent, tracked = start(tmp_path, db_server)
    tracked.run(600)
    clock.set_wall(-900)
    tracked.run(300)
    agent.stop()
    sync(agent)
    run(agent, clock, 1200, typing=False)  # longer than the record ran ahead
    agent.start_tracking(account.project_id)
    assert agent.tracker.current is not None and agent.tracker.current.start == clock.now()
    tracked.run(300)
    agent.stop()
    assert_recovered(agent, db_server, account, tracked)
    agent.shutdown()


def test_restart_after_clock_set_back_does_not_overlap(db_server: Server, tmp_path: Path) -> None:
    account, clock, agent, tracked = start(tmp_path, db_server)
    tracked.run(1200)
    agent.shutdown()  # quits: the entry ends now and is still to be sent
    clock.set_wall(-600)  # the clock is set back while the agent is not running
    agent = make_agent(tmp_path, db_server, account, clock)
    tracked.agent = agent
    agent.start_tracking(account.project_id)
    tracked.run(600)
    agent.stop()
    assert_recovered(agent, db_server, account, tracked)
    agent.shutdown()


def test_clock_jumps_while_the_server_is_unreachable(db_server: Server, tmp_path: Path) -> None:
    account, clock, agent, tracked = start(tmp_path, db_server)
    tracked.run(600)
    sync(agent)
    db_server.stop()
    try:
        tracked.run(300)
        clock.set_wall(-HOUR)
        tracked.run(600)
        assert agent.uploader.cycle() > 0 and not agent.uploader.status.online
        clock.set_wall(HOUR + 1800)
        tracked.run(600)
        assert agent.uploader.cycle() > 0 and agent.outbox.depth().entries > 0
    finally:
        db_server.start()
    tracked.run(60)
    agent.stop()
    assert_recovered(agent, db_server, account, tracked)
    assert len(spans(db_server, account)) == 3
    agent.shutdown()
