from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from agent.core.activity import InputCounter, MinuteBuckets
from agent.core.clock import FakeClock
from agent.core.outbox import DROPPED, ActivityRow, Outbox, ScreenshotRow
from agent.core.tracker import Tracker

P1 = "11111111-1111-1111-1111-111111111111"


def test_outbox_uses_wal(outbox: Outbox) -> None:
    mode = outbox._db().execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"


def test_active_seconds_are_distinct_seconds_with_input(outbox: Outbox, clock: FakeClock) -> None:
    counter = InputCounter(clock)
    buckets = MinuteBuckets()
    for _ in range(30):  # 30 s, each with 3 moves and a key
        counter.move(), counter.move(), counter.move(), counter.key()
        clock.advance(1)
        buckets.absorb("e1", counter.drain(), clock.now())
    clock.advance(30)  # 30 s without input
    buckets.absorb("e1", counter.drain(), clock.now())
    counter.click()
    buckets.absorb("e1", counter.drain(), clock.now())
    buckets.flush(outbox, clock.now(), final=True)
    rows = outbox.all_activity()
    assert sum(r.active_seconds for r in rows) == 31
    assert sum(r.keyboard for r in rows) == 30
    assert sum(r.mouse_moves for r in rows) == 90
    assert sum(r.mouse_clicks for r in rows) == 1
    assert all(r.minute.second == 0 and r.minute.microsecond == 0 for r in rows)
    assert all(0 <= r.active_seconds <= 60 for r in rows)


def test_input_counter_methods_take_no_key_argument() -> None:
    import inspect

    for name in ("key", "click", "scroll"):
        params = inspect.signature(getattr(InputCounter, name)).parameters
        assert list(params) == ["self"], name
    # A pointer move carries its position (counted, never stored); nothing else.
    assert list(inspect.signature(InputCounter.move).parameters) == ["self", "x", "y"]


def test_ack_is_per_revision_and_changes_during_upload_stay_pending(
    outbox: Outbox, clock: FakeClock
) -> None:
    t = Tracker(outbox, clock, "UTC")
    t.start(P1)
    clock.advance(10)
    t.heartbeat()
    batch = outbox.pending_batch(100, 100)
    (sent,) = batch.entries
    clock.advance(10)
    t.heartbeat()  # changed while the batch was in flight
    outbox.ack_entries([(sent.key, sent.revision)])
    (again,) = outbox.pending_batch(100, 100).entries
    assert again.revision > sent.revision
    outbox.ack_entries([(again.key, again.revision)])
    outbox.ack_entries([(sent.key, sent.revision)])  # a late, older ack must not regress
    assert not outbox.pending_batch(100, 100)
    assert outbox.get_entry(sent.key).synced_revision == again.revision  # type: ignore[union-attr]


def test_parked_entry_leaves_queue_until_it_changes(outbox: Outbox, clock: FakeClock) -> None:
    t = Tracker(outbox, clock, "UTC")
    t.start(P1)
    clock.advance(60)
    t.stop()
    (e,) = outbox.pending_batch(10, 10).entries
    outbox.park_entry(e.key, e.revision, "overlap", "overlaps something")
    assert not outbox.pending_batch(10, 10)
    assert [p.key for p in outbox.parked_entries()] == [e.key]
    assert outbox.depth().parked == 1
    outbox.update_entry(e.key, description="fixed")
    assert outbox.pending_batch(10, 10).entries[0].key == e.key


def test_activity_waits_for_its_entry_and_stays_inside_it(outbox: Outbox, clock: FakeClock) -> None:
    t = Tracker(outbox, clock, "UTC")
    t.start(P1)
    key = t.current.key  # type: ignore[union-attr]
    minute = clock.now().replace(second=0, microsecond=0)
    outbox.put_activity(ActivityRow(key, minute, 1, 2, 0, 3))
    # No heartbeat yet: the server would see an open entry without end; the
    # row is held until the entry has an end covering its minute.
    assert outbox.pending_batch(10, 10).activity == []
    clock.advance(30)
    t.heartbeat()
    b = outbox.pending_batch(10, 10)
    assert [a.entry_key for a in b.activity] == [key] and b.entries[0].key == key


def test_stop_on_minute_boundary_folds_bucket_into_last_minute(
    outbox: Outbox, clock: FakeClock
) -> None:
    t = Tracker(outbox, clock, "UTC")
    t.start(P1)  # 09:00:00
    key = t.current.key  # type: ignore[union-attr]
    clock.advance(120)
    outbox.put_activity(ActivityRow(key, clock.now(), 5, 0, 0, 1))  # minute 09:02
    t.stop()  # ends exactly 09:02:00
    (row,) = outbox.activity_of(key)
    assert row.minute == datetime(2026, 1, 15, 9, 1, tzinfo=UTC) and row.keyboard == 5


def _shot(entry_key: str, at: datetime) -> ScreenshotRow:
    return ScreenshotRow(
        key=str(uuid.uuid4()),
        entry_key=entry_key,
        captured_at=at,
        file=None,
        size=0,
        content_type="image/jpeg",
        blur_level=0,
        metadata={},
        state="waiting",
    )


def test_screenshot_quota_drops_oldest_first_and_counts(data_dir) -> None:
    box = Outbox(data_dir, quota_bytes=2500)
    t0 = datetime(2026, 1, 15, 9, tzinfo=UTC)
    keys = []
    for i in range(5):
        row = _shot("e", t0 + timedelta(minutes=i))
        keys.append(row.key)
        box.add_screenshot(row, b"x" * 1000)
    waiting = box.waiting_screenshots()
    assert [s.key for s in waiting] == keys[3:]
    assert sum(p.stat().st_size for p in box.shots_dir.iterdir()) <= 2500
    assert box.depth().dropped_screenshots == 3
    assert box.get_screenshot(keys[0]).state == DROPPED  # type: ignore[union-attr]


def test_restart_sweeps_orphan_files_and_keeps_waiting_ones(data_dir) -> None:
    box = Outbox(data_dir)
    row = _shot("e", datetime(2026, 1, 15, 9, tzinfo=UTC))
    box.add_screenshot(row, b"jpeg")
    (box.shots_dir / "half-written.part").write_bytes(b"junk")
    box.close()
    box2 = Outbox(data_dir)
    assert [p.name for p in box2.shots_dir.iterdir()] == [f"{row.key}.jpg"]
    assert [s.key for s in box2.waiting_screenshots()] == [row.key]


def test_prune_forgets_only_acknowledged_old_history(outbox: Outbox, clock: FakeClock) -> None:
    t = Tracker(outbox, clock, "UTC")
    t.start(P1)
    old_key = t.current.key  # type: ignore[union-attr]
    outbox.put_activity(ActivityRow(old_key, clock.now(), 1, 1, 0, 1))
    clock.advance(60)
    t.stop()
    clock.advance(60)
    t.start(P1)
    unsent_key = t.current.key  # type: ignore[union-attr]
    clock.advance(60)
    t.stop()
    batch = outbox.pending_batch(10, 10)
    outbox.ack_entries([(e.key, e.revision) for e in batch.entries if e.key == old_key])
    outbox.ack_activity([(a.entry_key, a.minute, a.version) for a in batch.activity])
    outbox.prune(clock.now() + timedelta(days=1))
    assert [e.key for e in outbox.all_entries()] == [unsent_key]  # unsent survives
    assert outbox.all_activity() == []
