from __future__ import annotations

import random
from datetime import timedelta

from agent.core.backoff import Backoff, parse_retry_after
from agent.core.clock import FakeClock, Jump, JumpDetector, RecordClock
from agent.core.idle import IdleDetector
from agent.core.scheduler import CaptureScheduler


def test_jump_detector_tells_suspend_from_clock_change(clock: FakeClock) -> None:
    d = JumpDetector(clock)
    assert d.check().kind is Jump.NONE
    clock.advance(1)
    assert d.check().kind is Jump.NONE
    before = clock.now()
    clock.suspend(3600)
    gap = d.check()
    assert gap.kind is Jump.SUSPEND and gap.last_wall == before
    clock.advance(1)
    assert d.check().kind is Jump.NONE
    clock.set_wall(-600)
    clock.advance(1)
    gap = d.check()
    assert gap.kind is Jump.CLOCK_CHANGED and gap.elapsed == 1


def test_record_clock_held_after_a_jump_back_is_not_another_jump(clock: FakeClock) -> None:
    record = RecordClock(clock)
    d = JumpDetector(record)
    d.check()
    clock.advance(1)
    assert d.check().kind is Jump.NONE
    held = record.now()
    clock.set_wall(-600)
    clock.advance(1)
    gap = d.check()
    assert gap.kind is Jump.CLOCK_CHANGED and gap.last_wall == held and gap.elapsed == 1
    record.hold(held + timedelta(seconds=1))  # the next entry goes on from the record
    assert record.now() == held + timedelta(seconds=1) and record.skew == timedelta(seconds=600)
    clock.advance(1)
    assert d.check().kind is Jump.NONE  # the hold itself is not a clock change
    assert record.now() == held + timedelta(seconds=2)
    clock.advance(900)
    record.hold(held)  # a break longer than the skew: back on the wall clock
    assert record.skew == timedelta(0) and record.now() == clock.now()


def test_frozen_process_counts_as_a_gap(clock: FakeClock) -> None:
    d = JumpDetector(clock, max_gap=90)
    d.check()
    clock.advance(600)  # awake but no tick for 10 minutes (SIGSTOP, starved)
    assert d.check().kind is Jump.SUSPEND


def test_one_capture_at_a_random_moment_in_each_interval() -> None:
    s = CaptureScheduler(random.Random(7))
    s.reset(0.0, 600)
    fired: list[float] = []
    for t in range(0, 6000):
        if s.poll(float(t), idle=False):
            fired.append(float(t))
    assert len(fired) == 10
    assert [int(f // 600) for f in fired] == list(range(10))  # one per interval
    offsets = {round(f % 600) for f in fired}
    assert len(offsets) > 5  # random moments, not a fixed phase


def test_capture_skipped_while_idle() -> None:
    s = CaptureScheduler(random.Random(7))
    s.reset(0.0, 600)
    fired = [t for t in range(0, 3000) if s.poll(float(t), idle=1200 <= t < 2400)]
    assert [int(f // 600) for f in fired] == [0, 1, 4]


def test_capture_after_freeze_does_not_burst() -> None:
    s = CaptureScheduler(random.Random(3))
    s.reset(0.0, 60)
    fired = [t for t in [0.0, 5000.0, 5001.0, 5002.0] if s.poll(t, idle=False)]
    assert len(fired) <= 1


def test_idle_starts_at_last_input_and_ends_at_first_new_input(clock: FakeClock) -> None:
    idle = IdleDetector(300)
    last_wall, last_mono = clock.now(), clock.monotonic()
    clock.advance(299)
    assert idle.observe(clock.monotonic(), last_mono, last_wall) is None and not idle.idle
    clock.advance(1)
    assert idle.observe(clock.monotonic(), last_mono, last_wall) is None and idle.idle
    clock.advance(500)
    back_wall, back_mono = clock.now(), clock.monotonic()
    period = idle.observe(clock.monotonic(), back_mono, back_wall)
    assert period == (last_wall, back_wall)
    assert not idle.idle


def test_backoff_grows_with_jitter_and_honours_retry_after() -> None:
    b = Backoff(base=2, cap=60, rng=random.Random(1))
    delays = [b.next_delay() for _ in range(10)]
    assert all(1 <= d <= 60 for d in delays)
    assert delays[6] > delays[0]
    assert max(delays) <= 60
    assert b.next_delay(retry_after=120) >= 120
    b.reset()
    assert b.next_delay() <= 2
    assert parse_retry_after("17") == 17.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") is None


def test_without_boot_clock_a_large_forward_jump_counts_as_sleep(clock: FakeClock) -> None:
    clock.counts_suspend = False  # type: ignore[misc]  # like macOS/Windows
    d = JumpDetector(clock)
    d.check()
    clock.suspend(3600)  # boot clock does not move either there: same as monotonic
    clock._boot -= 3600
    assert d.check().kind is Jump.SUSPEND
    clock.advance(1)
    d.check()
    clock.set_wall(30)  # a small step (NTP) stays a clock change
    clock.advance(1)
    assert d.check().kind is Jump.CLOCK_CHANGED
