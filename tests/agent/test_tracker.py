from __future__ import annotations

from datetime import timedelta

from agent.core.clock import FakeClock
from agent.core.outbox import Outbox
from agent.core.tracker import State, Tracker

P1, P2 = "11111111-1111-1111-1111-111111111111", "22222222-2222-2222-2222-222222222222"


def _durations(outbox: Outbox) -> list[float]:
    return [(e.end - e.start).total_seconds() for e in outbox.all_entries() if e.end]


def test_start_pause_resume_stop_durations_from_timestamps(
    outbox: Outbox, clock: FakeClock
) -> None:
    t = Tracker(outbox, clock, "Europe/Berlin")
    t.start(P1)
    assert t.state is State.RUNNING
    clock.advance(600)
    t.pause()
    assert t.state is State.PAUSED
    clock.advance(300)
    t.resume()
    clock.advance(1200)
    t.stop()
    assert t.state is State.STOPPED
    entries = outbox.all_entries()
    assert [e.status for e in entries] == ["PAUSED", "STOPPED"]
    assert _durations(outbox) == [600, 1200]
    assert all(e.project_id == P1 and e.timezone == "Europe/Berlin" for e in entries)
    assert t.today_seconds() == 1800


def test_durations_do_not_depend_on_ticks(outbox: Outbox, clock: FakeClock) -> None:
    t = Tracker(outbox, clock, "UTC")
    t.start(P1)
    clock.advance(3600)  # no heartbeat, no tick at all
    t.stop()
    assert _durations(outbox) == [3600]


def test_switch_project_ends_entry_and_starts_next_at_same_instant(
    outbox: Outbox, clock: FakeClock
) -> None:
    t = Tracker(outbox, clock, "UTC")
    t.start(P1)
    clock.advance(100)
    t.start(P2, None)
    clock.advance(50)
    t.stop()
    a, b = outbox.all_entries()
    assert (a.project_id, b.project_id) == (P1, P2)
    assert a.end == b.start
    assert _durations(outbox) == [100, 50]


def test_every_change_bumps_revision(outbox: Outbox, clock: FakeClock) -> None:
    t = Tracker(outbox, clock, "UTC")
    t.start(P1)
    key = t.current.key  # type: ignore[union-attr]
    revs = [outbox.get_entry(key).revision]  # type: ignore[union-attr]
    clock.advance(10)
    t.heartbeat()
    revs.append(outbox.get_entry(key).revision)  # type: ignore[union-attr]
    clock.advance(10)
    t.stop()
    revs.append(outbox.get_entry(key).revision)  # type: ignore[union-attr]
    assert revs == sorted(set(revs)) and len(revs) == 3


def test_crash_recovery_ends_open_entry_at_last_heartbeat(data_dir, clock: FakeClock) -> None:
    box = Outbox(data_dir)
    t = Tracker(box, clock, "UTC")
    t.start(P1)
    clock.advance(40)
    t.heartbeat()
    beat = clock.now()
    clock.advance(9)  # killed 9 s after the heartbeat
    box.close()
    clock.advance(3600)  # restarted an hour later
    box2 = Outbox(data_dir)
    t2 = Tracker(box2, clock, "UTC")
    assert t2.recover() == 1
    (e,) = box2.all_entries()
    assert e.status == "STOPPED" and e.end == beat
    assert t2.recover() == 0


def test_cut_splits_running_entry_around_gap(outbox: Outbox, clock: FakeClock) -> None:
    t = Tracker(outbox, clock, "UTC")
    t.start(P1)
    start = clock.now()
    key = t.current.key  # type: ignore[union-attr]
    tail = t.cut(start + timedelta(seconds=600), start + timedelta(seconds=1500), key)
    clock.advance(1800)
    t.stop()
    first, second = outbox.all_entries()
    assert first.key == key and second.key == tail
    assert (first.start, first.end) == (start, start + timedelta(seconds=600))
    assert second.start == start + timedelta(seconds=1500)
    assert _durations(outbox) == [600, 300]


def test_cut_of_gap_at_entry_start_moves_the_start(outbox: Outbox, clock: FakeClock) -> None:
    t = Tracker(outbox, clock, "UTC")
    t.start(P1)
    start = clock.now()
    key = t.current.key  # type: ignore[union-attr]
    assert t.cut(start - timedelta(seconds=5), start + timedelta(seconds=60), key) == key
    clock.advance(120)
    t.stop()
    (e,) = outbox.all_entries()
    assert e.start == start + timedelta(seconds=60) and _durations(outbox) == [60]


def test_backward_clock_never_starts_before_previous_end(outbox: Outbox, clock: FakeClock) -> None:
    t = Tracker(outbox, clock, "UTC")
    t.start(P1)
    clock.advance(100)
    t.stop()
    clock.set_wall(-3600)
    t.start(P1)
    clock.advance(10)
    t.stop()
    a, b = sorted(outbox.all_entries(), key=lambda e: e.start)
    assert b.start >= a.end  # type: ignore[operator]
