"""Moves the outbox to the server: batches first, then screenshots.

Rules (each one a complaint about other trackers):
- nothing is marked sent before the server answered for it;
- a request the server refuses for good (4xx) is split in halves until the
  one poisoned item is isolated and parked; conflicts are parked per item;
  parked items are shown to the user and never block the rest;
- transient failures (network, 5xx, 429) back off exponentially with jitter,
  never sooner than Retry-After;
- the first sync and each period are randomly spread, so thousands of agents
  started by one policy do not hit the server in the same second;
- a dead refresh token stops uploads until the user signs in again.
"""

from __future__ import annotations

import logging
import random
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import msgspec

from agent.core.api import ApiClient, ApiError, AuthRequired, NetworkError, Rejected, ServerBusy
from agent.core.backoff import Backoff
from agent.core.clock import Clock
from agent.core.outbox import ActivityRow, AppRow, LocalEntry, Outbox, PendingBatch
from shared.enums import ConflictReason, EntryStatus
from shared.limits import MAX_BATCH_ACTIVITY, MAX_BATCH_ENTRIES
from shared.schemas import (
    ActivityIn,
    AppIn,
    Conflict,
    EntryIn,
    SyncBatch,
    SyncBatchResponse,
    TrackingPolicy,
)

log = logging.getLogger(__name__)


@dataclass
class SyncStatus:
    last_sync_at: datetime | None = None  # last time the queue was fully drained
    last_error: str | None = None
    auth_required: bool = False
    online: bool = True
    parked_now: list[str] = field(default_factory=list)  # human-readable, latest cycle


def _uuid(text: str | None) -> uuid.UUID | None:
    return uuid.UUID(text) if text else None


def entry_to_wire(e: LocalEntry) -> EntryIn:
    # Keys are the agent's own uuid4s; project and task ids come from the server.
    return EntryIn(
        idempotency_key=uuid.UUID(e.key),
        revision=e.revision,
        project_id=_uuid(e.project_id),
        task_id=_uuid(e.task_id),
        start_time=e.start,
        end_time=e.end,
        status=EntryStatus(e.status),
        timezone=e.timezone,
        description=e.description,
    )


def activity_to_wire(a: ActivityRow) -> ActivityIn:
    # The wire has two mouse counters' worth of room in one: clicks count as mouse events.
    return ActivityIn(
        time_entry_key=uuid.UUID(a.entry_key),
        minute=a.minute,
        keyboard_clicks=a.keyboard,
        mouse_movements=a.mouse_moves + a.mouse_clicks,
        active_seconds=a.active_seconds,
        interval_cv=a.interval_cv,
        distinct_positions=a.distinct_positions,
        pointer_span=a.pointer_span,
        keyboard_share=a.keyboard_share,
        pointer_moves=a.pointer_moves,
    )


def app_to_wire(a: AppRow) -> AppIn:
    return AppIn(
        time_entry_key=uuid.UUID(a.entry_key),
        minute=a.minute,
        app=a.app,
        seconds=a.seconds,
        title=a.title or None,
    )


def _minute_key(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


class Uploader:
    def __init__(
        self,
        outbox: Outbox,
        api: ApiClient,
        device_id: str,
        clock: Clock,
        policy: Callable[[], TrackingPolicy],
        *,
        batch_entries: int = 200,
        batch_activity: int = 5000,
        interval: float = 60.0,
        spread: float = 30.0,
        rng: random.Random | None = None,
        before_sync: Callable[[], None] | None = None,
    ) -> None:
        self.outbox = outbox
        self.api = api
        self.device_id = device_id
        self.clock = clock
        self.policy = policy
        self.batch_entries = min(batch_entries, MAX_BATCH_ENTRIES)
        self.batch_activity = min(batch_activity, MAX_BATCH_ACTIVITY)
        self.interval = interval
        self.spread = spread
        self.status = SyncStatus()
        self.before_sync = before_sync
        self._rng = rng or random.Random()
        self.backoff = Backoff(rng=self._rng)
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._not_before = 0.0  # time.monotonic() before which no request is made

    # --- one cycle --------------------------------------------------------------------------

    def sync_once(self) -> None:
        """Drain the queue once. Raises NetworkError/ServerBusy/AuthRequired."""
        if self.before_sync is not None:
            self.before_sync()
        self.status.parked_now = []
        self._sync_batches()
        self._sync_screenshots()
        self.status.last_sync_at = self.clock.now()
        self.outbox.set_meta("last_sync_at", self.status.last_sync_at.isoformat())
        self.status.last_error = None
        self.status.online = True
        self.status.auth_required = False

    def _sync_batches(self) -> None:
        seen: set[tuple[tuple[str, int], ...]] = set()
        for _ in range(10_000):  # bounded; a stuck queue must not spin forever
            batch = self.outbox.pending_batch(self.batch_entries, self.batch_activity)
            if not batch:
                return
            signature = (
                tuple((e.key, e.revision) for e in batch.entries)
                + tuple((a.entry_key + a.minute.isoformat(), a.version) for a in batch.activity)
                + tuple(
                    (p.entry_key + p.minute.isoformat() + p.app + p.title, p.version)
                    for p in batch.apps
                )
            )
            if signature in seen:
                log.warning("outbox made no progress; leaving the rest for the next cycle")
                return
            seen.add(signature)
            self._send(batch)

    def _send(self, batch: PendingBatch) -> None:
        wire = SyncBatch(
            device_id=self.device_id,
            entries=[entry_to_wire(e) for e in batch.entries],
            activity=[activity_to_wire(a) for a in batch.activity],
            apps=[app_to_wire(a) for a in batch.apps],
        )
        try:
            resp = self.api.sync_batch(wire)
        except Rejected as exc:
            if exc.status in (401, 403):
                raise
            self._bisect(batch, exc)
            return
        self._apply(batch, resp)

    def _bisect(self, batch: PendingBatch, exc: Rejected) -> None:
        """The whole request was refused: find the item that causes it."""
        items: list[LocalEntry | ActivityRow | AppRow] = [
            *batch.entries,
            *batch.activity,
            *batch.apps,
        ]
        if len(items) == 1:
            reason = f"refused by the server ({exc.status}): {exc}"
            item = items[0]
            if isinstance(item, LocalEntry):
                self.outbox.park_entry(item.key, item.revision, "rejected", reason)
            elif isinstance(item, AppRow):
                self.outbox.park_app(item, reason)
            else:
                self.outbox.park_activity(item.entry_key, item.minute, item.version, reason)
            self.status.parked_now.append(reason)
            return
        half = len(items) // 2
        for part in (items[:half], items[half:]):
            self._send(
                PendingBatch(
                    [i for i in part if isinstance(i, LocalEntry)],
                    [i for i in part if isinstance(i, ActivityRow)],
                    [i for i in part if isinstance(i, AppRow)],
                )
            )

    def _apply(self, batch: PendingBatch, resp: SyncBatchResponse) -> None:
        refused = {c.idempotency_key: c for c in resp.conflicts if c.idempotency_key}
        acked: list[tuple[str, int]] = []
        for e in batch.entries:
            c = refused.get(e.key)
            if c is None:
                acked.append((e.key, e.revision))
            elif c.reason == ConflictReason.DELETED:
                # Deleted on the server by a person: dropped, neither parked nor sent again.
                self.outbox.dismiss_entry(e.key)
                self.status.parked_now.append(f"time entry {e.key[:8]} was deleted on the server")
            else:
                self.outbox.park_entry(e.key, e.revision, str(c.reason), c.detail)
                self.status.parked_now.append(f"time entry {e.key[:8]}: {c.reason} {c.detail}")
        self.outbox.ack_entries(acked)
        refused_minutes = {
            (c.idempotency_key, _minute_key(c.minute)): c for c in resp.activity.conflicts
        }
        acked_activity: list[tuple[str, datetime, int]] = []
        for a in batch.activity:
            c = refused_minutes.get((a.entry_key, a.minute))
            if c is None or c.reason == ConflictReason.DELETED:
                acked_activity.append((a.entry_key, a.minute, a.version))
            else:
                self.outbox.park_activity(
                    a.entry_key, a.minute, a.version, f"{c.reason}: {c.detail}"
                )
                self.status.parked_now.append(f"activity {a.minute:%H:%M}: {c.reason}")
        self.outbox.ack_activity(acked_activity)
        self._apply_apps(batch.apps, resp)

    def _apply_apps(self, rows: list[AppRow], resp: SyncBatchResponse) -> None:
        """Refused rows are parked (a conflict's detail names its app); the rest are
        acknowledged. An older server answers no `apps` result: it ignored them."""
        by_minute: dict[tuple[str | None, datetime | None], list[Conflict]] = {}
        for c in resp.apps.conflicts:
            by_minute.setdefault((c.idempotency_key, _minute_key(c.minute)), []).append(c)
        acked: list[AppRow] = []
        for row in rows:
            name = f"{row.app[:64]!r}"
            found = [c for c in by_minute.get((row.entry_key, row.minute), []) if name in c.detail]
            if not found or found[0].reason == ConflictReason.DELETED:
                acked.append(row)
            else:
                self.outbox.park_app(row, f"{found[0].reason}: {found[0].detail}")
                self.status.parked_now.append(
                    f"app {row.app} {row.minute:%H:%M}: {found[0].reason}"
                )
        self.outbox.ack_apps(acked)

    def _sync_screenshots(self) -> None:
        policy = self.policy()
        hold = (
            timedelta(minutes=policy.screenshot_delete_window_minutes)
            if policy.allow_screenshot_delete
            else timedelta(0)
        )
        now = self.clock.now()
        for shot in self.outbox.waiting_screenshots(limit=200):
            if shot.captured_at + hold > now:
                continue  # the user may still delete it (policy): keep it on the device
            entry = self.outbox.get_entry(shot.entry_key)
            if entry is None:
                self.outbox.park_screenshot(shot.key, "its time entry is gone")
                continue
            if entry.synced_revision == 0:
                if entry.parked_reason:
                    self.outbox.park_screenshot(
                        shot.key, f"time entry rejected: {entry.parked_reason}"
                    )
                continue  # the server does not know the entry yet; next cycle
            path = self.outbox.screenshot_path(shot)
            try:
                data = path.read_bytes() if path else b""
            except OSError:
                self.outbox.park_screenshot(shot.key, "file missing")
                continue
            try:
                result = self.api.upload_screenshot(
                    data=data,
                    filename=path.name if path else "shot",
                    content_type=shot.content_type,
                    idempotency_key=shot.key,
                    time_entry_key=shot.entry_key,
                    captured_at=shot.captured_at,
                    blur_level=shot.blur_level,
                    metadata=shot.metadata,
                )
            except Rejected as exc:
                if exc.status in (401, 403):
                    raise
                self.outbox.park_screenshot(shot.key, f"refused ({exc.status}): {exc}")
                self.status.parked_now.append(f"screenshot {shot.captured_at:%H:%M}: {exc}")
                continue
            self.outbox.screenshot_uploaded(shot.key, result.id)

    # --- the thread -------------------------------------------------------------------------

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="hubnity-uploader", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def sync_now(self) -> None:
        self.status.auth_required = False
        self._wake.set()

    def first_delay(self) -> float:
        """A random wait before the first upload: agents started together (a
        policy push, an office arriving at 9:00) reach the server spread out."""
        return self._rng.uniform(0, self.spread)

    def _run(self) -> None:
        delay = self.first_delay()
        while not self._stop.is_set():
            self._wake.wait(delay)
            self._wake.clear()
            # Even "Sync now" waits out the server's Retry-After.
            while not self._stop.is_set() and time.monotonic() < self._not_before:
                self._stop.wait(self._not_before - time.monotonic())
            if self._stop.is_set():
                return
            delay = self.cycle()

    def cycle(self) -> float:
        """One attempt; returns the delay before the next one."""
        try:
            self.sync_once()
        except AuthRequired as exc:
            self.status.auth_required = True
            self.status.last_error = str(exc)
            return 3600.0  # until the user signs in (sync_now wakes us)
        except ServerBusy as exc:
            self.status.last_error = str(exc)
            if exc.retry_after:
                self._not_before = time.monotonic() + min(exc.retry_after, 3600.0)
            return self.backoff.next_delay(exc.retry_after)
        except NetworkError as exc:
            self.status.online = False
            self.status.last_error = str(exc)
            return self.backoff.next_delay()
        except sqlite3.Error as exc:
            # The local queue cannot record what the server acknowledged (a
            # full disk): the batch is sent again later and the server's
            # idempotency keys make that harmless.
            log.error("sync: cannot write the local queue (disk full?): %s", exc)
            self.status.last_error = f"cannot write the local queue: {exc}"
            return self.backoff.next_delay()
        except (ApiError, OSError, ValueError, msgspec.MsgspecError) as exc:
            log.exception("sync failed")
            self.status.last_error = f"sync failed: {exc}"
            return self.backoff.next_delay()
        self.backoff.reset()
        return self.interval * self._rng.uniform(0.8, 1.2)
