"""`Outbox`: opens (and migrates) the queue; what spans all of its tables."""

from __future__ import annotations

import contextlib
from datetime import datetime
from pathlib import Path

from agent.core.outbox.apps import AppQueue
from agent.core.outbox.entries import EntryQueue
from agent.core.outbox.rows import PARKED, WAITING, PendingBatch, QueueDepth, ts
from agent.core.outbox.schema import (
    PARKED_ACTIVITY,
    PARKED_ENTRY,
    PENDING_ACTIVITY,
    PENDING_ENTRY,
    migrate,
)
from agent.core.outbox.screenshots import ScreenshotQueue


class Outbox(EntryQueue, ScreenshotQueue, AppQueue):
    def __init__(
        self, data_dir: Path, quota_bytes: int = 200 * 1024 * 1024, *, maintenance: bool = True
    ) -> None:
        """Raises QueueTooNew (and changes nothing) if a newer agent wrote the file."""
        super().__init__(data_dir / "outbox.sqlite3")
        self.data_dir = data_dir
        self.shots_dir = data_dir / "screenshots"
        self.quota_bytes = quota_bytes
        self.shots_dir.mkdir(parents=True, exist_ok=True)
        # Pictures of the user's screen: readable by the user only.
        with contextlib.suppress(OSError):
            self.shots_dir.chmod(0o700)
        try:
            with self._tx() as db:
                self.upgraded_from = migrate(db, self.path)
        except BaseException:
            self.close()
            raise
        if maintenance:  # not from `status`, which reads beside a running agent
            self._sweep_orphans()

    def pending_batch(
        self, max_entries: int, max_activity: int, max_apps: int = 5000
    ) -> PendingBatch:
        """Entries and activity (see EntryQueue), and the apps rows the server can take now."""
        batch = super().pending_batch(max_entries, max_activity)
        if max_apps:
            with self._read() as db:
                batch.apps = self._pending_apps(db, {e.key for e in batch.entries}, max_apps)
        return batch

    def depth(self) -> QueueDepth:
        with self._read() as db:
            entries = db.execute(
                f"SELECT COUNT(*) FROM entries WHERE {PENDING_ENTRY}"  # noqa: S608
            ).fetchone()[0]
            activity = db.execute(
                f"SELECT COUNT(*) FROM activity a WHERE {PENDING_ACTIVITY}"  # noqa: S608
            ).fetchone()[0]
            shots, size = db.execute(
                "SELECT COUNT(*), COALESCE(SUM(size), 0) FROM screenshots WHERE state = ?",
                (WAITING,),
            ).fetchone()
            parked = db.execute(
                f"SELECT (SELECT COUNT(*) FROM entries WHERE {PARKED_ENTRY})"  # noqa: S608
                f" + (SELECT COUNT(*) FROM activity WHERE {PARKED_ACTIVITY})"
                " + (SELECT COUNT(*) FROM screenshots WHERE state = ?)",
                (PARKED,),
            ).fetchone()[0]
            dropped = int(self.get_meta("dropped_screenshots", "0") or 0)
        return QueueDepth(entries, activity, shots, size, parked, dropped)

    def forget_history(self) -> None:
        """Drop everything (another account signs in on an empty queue)."""
        with self._tx() as db:
            files = [r["file"] for r in db.execute("SELECT file FROM screenshots") if r["file"]]
            for table in ("activity", "apps", "entries", "screenshots"):
                db.execute(f"DELETE FROM {table}")  # noqa: S608 - fixed table names
        for name in files:
            (self.shots_dir / name).unlink(missing_ok=True)

    def prune(self, older_than: datetime) -> None:
        """Forget acknowledged history (kept a while for today's total and review)."""
        cut = ts(older_than)
        with self._tx() as db:
            self.prune_apps(db, older_than)
            db.execute(
                "DELETE FROM activity WHERE version <= synced_version AND entry_key IN"
                " (SELECT key FROM entries WHERE end_time < ? AND status != 'RUNNING'"
                " AND revision <= synced_revision)",
                (cut,),
            )
            db.execute(
                "DELETE FROM entries WHERE end_time < ? AND status != 'RUNNING'"
                " AND revision <= synced_revision AND NOT EXISTS"
                " (SELECT 1 FROM activity a WHERE a.entry_key = entries.key)",
                (cut,),
            )
            db.execute(
                "DELETE FROM screenshots WHERE state != ? AND captured_at < ?", (WAITING, cut)
            )
