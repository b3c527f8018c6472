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


def test_split_then_trim_removes_idle_stretch(outbox: Outbox, clock: FakeClock) -> None:
    t = Tracker(outbox, clock, "UTC")
    t.start(P1)
    start = clock.now()
    clock.advance(1500)
    old = t.split(start + timedelta(seconds=1500))
    assert old is not None and t.current is not None and t.current.key != old
    clock.advance(300)
    t.stop()
    t.trim_end(old, start + timedelta(seconds=600))
    first, second = outbox.all_entries()
    assert first.key == old and first.end == start + timedelta(seconds=600)
    assert second.start == start + timedelta(seconds=1500)
    assert _durations(outbox) == [600, 300]
    t.trim_end(old, start + timedelta(seconds=900))  # never lengthens
    assert outbox.get_entry(old).end == start + timedelta(seconds=600)  # type: ignore[union-attr]


def test_backward_clock_never_starts_before_previous_end(outbox: Outbox, clock: FakeClock) -> None:
    t = Tracker(outbox, clock, "UTC")
    t.start(P1)
    clock.advance(100)
    t.stop()
    clock.set_wall(-3600)
    t.start(P1)
    clock.advance(10)
    t.heartbeat()
    assert outbox.get_entry(t.current.key).end == t.current.start + timedelta(seconds=10)  # type: ignore[union-attr]
    clock.advance(10)
    t.stop()
    a, b = sorted(outbox.all_entries(), key=lambda e: e.start)
    # The record goes on from the last end and keeps the 20 seconds that passed.
    assert b.start == a.end and _durations(outbox) == [100, 20]


def test_after_a_restart_the_next_entry_begins_after_the_record(
    outbox: Outbox, clock: FakeClock
) -> None:
    t = Tracker(outbox, clock, "UTC")
    t.start(P1)
    clock.advance(600)
    t.stop()
    clock.set_wall(-300)  # set back while the agent was not running
    t = Tracker(outbox, clock, "UTC")
    t.recover()
    t.start(P1)
    clock.advance(60)
    t.stop()
    a, b = outbox.all_entries()
    assert b.start == a.end and _durations(outbox) == [600, 60]
