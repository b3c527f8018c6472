"""The whole core (no network) driven by a fake clock, tick by tick."""

from __future__ import annotations

import random
from pathlib import Path

from agent.core.agent import Agent
from agent.core.clock import FakeClock
from agent.core.idle import IdleAction
from agent.core.shots import CaptureResult
from agent.core.tracker import State
from shared.schemas import TrackingPolicy

P1 = "11111111-1111-1111-1111-111111111111"


def fake_capture(blur: int) -> CaptureResult:
    return CaptureResult(
        data=b"\xff\xd8fakejpeg",
        content_type="image/jpeg",
        width=10,
        height=10,
        metadata={"blur": blur},
    )


def make_agent(data_dir: Path, clock: FakeClock, **policy: object) -> Agent:
    agent = Agent(data_dir, clock=clock, capturer=fake_capture, rng=random.Random(9))
    agent.apply_policy(TrackingPolicy(**policy))  # type: ignore[arg-type]
    return agent


def run(agent: Agent, clock: FakeClock, seconds: int, typing: bool = True) -> None:
    for _ in range(seconds):
        if typing:
            agent.counter.key()
        clock.advance(1)
        agent.tick()


def test_simulated_hour_tracks_an_hour_with_screenshots_and_activity(data_dir, clock) -> None:
    agent = make_agent(data_dir, clock, screenshot_interval_seconds=600)
    agent.start_tracking(P1)
    run(agent, clock, 3600)
    agent.stop()
    agent.screenshots.wait()
    entries = agent.outbox.all_entries()
    assert sum(e.seconds(clock.now()) for e in entries) == 3600
    assert agent.tracker.today_seconds() == 3600
    activity = agent.outbox.all_activity()
    assert sum(a.active_seconds for a in activity) == 3600
    assert sum(a.keyboard for a in activity) == 3600
    assert len(agent.outbox.waiting_screenshots()) == 6


def test_sleep_ends_entry_at_last_heartbeat(data_dir, clock) -> None:
    agent = make_agent(data_dir, clock, idle_timeout_seconds=300)
    agent.start_tracking(P1)
    run(agent, clock, 120)
    before_sleep = clock.now()
    clock.suspend(2 * 3600)
    agent.tick()
    assert agent.tracker.state is State.STOPPED  # a long sleep stops tracking
    (e,) = agent.outbox.all_entries()
    assert e.status == "STOPPED" and e.end == before_sleep
    assert (e.end - e.start).total_seconds() == 120


def test_short_sleep_continues_in_new_entry_without_the_gap(data_dir, clock) -> None:
    agent = make_agent(data_dir, clock, idle_timeout_seconds=300)
    agent.start_tracking(P1)
    run(agent, clock, 60)
    clock.suspend(120)
    run(agent, clock, 60)
    agent.stop()
    total = sum(e.seconds(clock.now()) for e in agent.outbox.all_entries())
    # At most the tick around the sleep is lost; the 120 s asleep never count.
    assert 118 <= total <= 120 and len(agent.outbox.all_entries()) == 2


def test_idle_discard_splits_entry_and_removes_idle_time(data_dir, clock) -> None:
    agent = make_agent(data_dir, clock, idle_timeout_seconds=300)
    agent.start_tracking(P1)
    run(agent, clock, 600)  # working
    run(agent, clock, 900, typing=False)  # away 15 min
    assert agent.idle.idle
    run(agent, clock, 300)  # back
    assert agent.idle_pending is not None
    agent.resolve_idle(IdleAction.DISCARD)
    run(agent, clock, 60)
    agent.stop()
    entries = agent.outbox.all_entries()
    assert len(entries) == 2
    total = sum(e.seconds(clock.now()) for e in entries)
    assert 600 + 300 + 60 - 2 <= total <= 600 + 300 + 60 + 2
    assert all(
        a.minute >= e.start.replace(second=0, microsecond=0)
        for e in entries
        for a in agent.outbox.activity_of(e.key)
    )


def test_idle_reassign_gives_time_to_other_project(data_dir, clock) -> None:
    p2 = "22222222-2222-2222-2222-222222222222"
    agent = make_agent(data_dir, clock, idle_timeout_seconds=300)
    agent.start_tracking(P1)
    run(agent, clock, 60)
    run(agent, clock, 600, typing=False)
    run(agent, clock, 5)
    agent.resolve_idle(IdleAction.REASSIGN, p2)
    agent.stop()
    by_project: dict[str | None, float] = {}
    for e in agent.outbox.all_entries():
        by_project[e.project_id] = by_project.get(e.project_id, 0) + e.seconds(clock.now())
    assert 595 <= by_project[p2] <= 605
    assert sum(by_project.values()) == 665


def test_headless_auto_discard(data_dir, clock) -> None:
    agent = make_agent(data_dir, clock, idle_timeout_seconds=120)
    agent.auto_idle = True
    agent.settings.idle_default = "discard"
    agent.start_tracking(P1)
    run(agent, clock, 60)
    run(agent, clock, 600, typing=False)
    run(agent, clock, 60)
    agent.stop()
    total = sum(e.seconds(clock.now()) for e in agent.outbox.all_entries())
    assert 118 <= total <= 122


def test_restart_after_kill_recovers_open_entry(data_dir, clock) -> None:
    agent = make_agent(data_dir, clock)
    agent.start_tracking(P1)
    run(agent, clock, 95)  # heartbeats every 10 s (and at minute change)
    agent.outbox.close()  # "kill": no shutdown, no stop
    clock.advance(1000)
    again = make_agent(data_dir, clock)
    (e,) = again.outbox.all_entries()
    assert e.status == "STOPPED"
    assert 90 <= (e.end - e.start).total_seconds() <= 95
    assert again.snapshot().notices  # the user is told
    assert again.tracker.state is State.STOPPED


def test_delete_screenshot_before_upload_follows_policy(data_dir, clock) -> None:
    agent = make_agent(
        data_dir, clock, allow_screenshot_delete=True, screenshot_delete_window_minutes=10
    )
    agent.start_tracking(P1)
    agent.capture_now()
    agent.capture_now()
    a, b = agent.outbox.waiting_screenshots()
    assert agent.delete_screenshot(a.key) is None
    assert agent.outbox.get_screenshot(a.key).state == "deleted"  # type: ignore[union-attr]
    assert not any(p.name.startswith(a.key) for p in agent.outbox.shots_dir.iterdir())
    clock.advance(11 * 60)
    assert "passed" in (agent.delete_screenshot(b.key) or "")
    agent.apply_policy(TrackingPolicy(allow_screenshot_delete=False))
    assert "not allow" in (agent.delete_screenshot(b.key) or "")
