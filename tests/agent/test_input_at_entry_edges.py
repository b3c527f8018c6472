"""Input in the moment before an entry ends or begins (between two ticks)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from agent.core.agent import Agent
from agent.core.clock import FakeClock, floor_minute

P1 = "11111111-1111-1111-1111-111111111111"
P2 = "22222222-2222-2222-2222-222222222222"


def _ticks(agent: Agent, clock: FakeClock, seconds: int) -> None:
    for _ in range(seconds):
        clock.advance(1)
        agent.tick()


def test_input_just_before_a_pause_counts_for_the_entry_that_ends(data_dir: Path) -> None:
    clock = FakeClock(datetime(2026, 3, 2, 9, 0, 0, tzinfo=UTC))
    agent = Agent(data_dir, clock=clock)
    agent.start_tracking(P1)
    _ticks(agent, clock, 10)
    clock.advance(0.4)
    agent.counter.key()  # after the last tick, before the pause
    agent.pause()
    (entry,) = agent.outbox.all_entries()
    assert sum(a.keyboard for a in agent.outbox.activity_of(entry.key)) == 1
    agent.shutdown()


def test_input_before_a_start_is_not_put_into_a_minute_outside_the_new_entry(
    data_dir: Path,
) -> None:
    clock = FakeClock(datetime(2026, 3, 2, 9, 0, 0, tzinfo=UTC))
    agent = Agent(data_dir, clock=clock)
    agent.start_tracking(P1)
    _ticks(agent, clock, 30)
    agent.pause()
    clock.advance(29.7)  # 09:00:59.7: paused, no tick since
    agent.counter.key()
    clock.advance(0.5)  # 09:01:00.2
    agent.start_tracking()  # resume: the new entry begins in the next minute
    _ticks(agent, clock, 5)
    agent.switch(P2, None)  # the same, for a switch right after input
    clock.advance(0.3)
    agent.counter.key()
    agent.switch(P1, None)
    _ticks(agent, clock, 3)
    agent.stop()
    for entry in agent.outbox.all_entries():
        assert entry.end is not None
        for a in agent.outbox.activity_of(entry.key):
            # The server refuses (and the agent would park) a minute outside its entry.
            assert floor_minute(entry.start) <= a.minute < entry.end, (entry, a)
    keys = sum(a.keyboard for a in agent.outbox.all_activity())
    assert keys == 1  # the second key, pressed while tracking; the first one was paused time
    agent.shutdown()
