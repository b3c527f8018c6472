"""The offline outbox: one SQLite database (WAL) in the agent's data dir.

Everything the agent records is written here first and only forgotten after
the server acknowledged it. Sync bookkeeping is per row and per version:

- an entry is pending while `revision > synced_revision`; every local change
  bumps `revision`, an acknowledgement records the revision that was sent, so
  a change made during an upload is never mistaken for acknowledged;
- an entry or activity row the server rejected for good is *parked* at the
  version it had; it is not sent again unless it changes, and it never blocks
  other rows;
- screenshots wait as files under a byte quota; when the quota is exceeded the
  oldest waiting files are dropped and counted (`dropped_screenshots`).

Each thread gets its own connection (WAL lets the tracker write while the
uploader reads); every write is one short transaction.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from agent.core.clock import floor_minute

_SCHEMA = """
CREATE TABLE IF NOT EXISTS entries (
    key TEXT PRIMARY KEY,
    revision INTEGER NOT NULL,
    project_id TEXT,
    task_id TEXT,
    start_time TEXT NOT NULL,
    end_time TEXT,
    status TEXT NOT NULL,
    timezone TEXT NOT NULL,
    description TEXT,
    last_heartbeat TEXT NOT NULL,
    synced_revision INTEGER NOT NULL DEFAULT 0,
    parked_revision INTEGER,
    parked_reason TEXT,
    parked_detail TEXT
);
CREATE INDEX IF NOT EXISTS entries_start ON entries(start_time);
CREATE INDEX IF NOT EXISTS entries_status ON entries(status);
CREATE TABLE IF NOT EXISTS activity (
    entry_key TEXT NOT NULL,
    minute TEXT NOT NULL,
    keyboard INTEGER NOT NULL,
    mouse_moves INTEGER NOT NULL,
    mouse_clicks INTEGER NOT NULL,
    active_seconds INTEGER NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    synced_version INTEGER NOT NULL DEFAULT 0,
    parked_version INTEGER,
    parked_reason TEXT,
    PRIMARY KEY (entry_key, minute)
);
CREATE TABLE IF NOT EXISTS screenshots (
    key TEXT PRIMARY KEY,
    entry_key TEXT NOT NULL,
    captured_at TEXT NOT NULL,
    file TEXT,
    size INTEGER NOT NULL DEFAULT 0,
    content_type TEXT NOT NULL,
    blur_level INTEGER NOT NULL,
    metadata TEXT NOT NULL,
    thumbnail BLOB,
    state TEXT NOT NULL,
    server_id TEXT,
    reason TEXT
);
CREATE INDEX IF NOT EXISTS screenshots_state ON screenshots(state, captured_at);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""

# Screenshot states.
WAITING = "waiting"  # file on disk, not yet acknowledged
UPLOADED = "uploaded"  # acknowledged; file removed, thumbnail kept for review
PARKED = "parked"  # rejected for good by the server
DROPPED = "dropped"  # removed by the disk quota before it could be uploaded
DELETED = "deleted"  # deleted by the user before upload


def ts(t: datetime) -> str:
    """Fixed-width UTC text, so that SQL string order is time order."""
    return t.astimezone(UTC).isoformat(timespec="microseconds")


def parse_ts(s: str) -> datetime:
    return datetime.fromisoformat(s)


@dataclass(slots=True)
class LocalEntry:
    key: str
    revision: int
    project_id: str | None
    task_id: str | None
    start: datetime
    end: datetime | None
    status: str
    timezone: str
    description: str | None
    last_heartbeat: datetime
    synced_revision: int = 0
    parked_reason: str | None = None
    parked_detail: str | None = None

    def seconds(self, now: datetime) -> float:
        end = self.end if self.end is not None else now
        return max(0.0, (end - self.start).total_seconds())


@dataclass(slots=True)
class ActivityRow:
    entry_key: str
    minute: datetime
    keyboard: int
    mouse_moves: int
    mouse_clicks: int
    active_seconds: int
    version: int = 1


@dataclass(slots=True)
class ScreenshotRow:
    key: str
    entry_key: str
    captured_at: datetime
    file: str | None
    size: int
    content_type: str
    blur_level: int
    metadata: dict[str, Any]
    state: str
    server_id: str | None = None
    reason: str | None = None
    thumbnail: bytes | None = None


@dataclass(slots=True)
class PendingBatch:
    entries: list[LocalEntry]
    activity: list[ActivityRow]

    def __bool__(self) -> bool:
        return bool(self.entries or self.activity)


@dataclass(frozen=True, slots=True)
class QueueDepth:
    entries: int
    activity: int
    screenshots: int
    screenshot_bytes: int
    parked: int
    dropped_screenshots: int

    @property
    def total(self) -> int:
        return self.entries + self.activity + self.screenshots


def _entry(row: sqlite3.Row) -> LocalEntry:
    return LocalEntry(
        key=row["key"],
        revision=row["revision"],
        project_id=row["project_id"],
        task_id=row["task_id"],
        start=parse_ts(row["start_time"]),
        end=parse_ts(row["end_time"]) if row["end_time"] else None,
        status=row["status"],
        timezone=row["timezone"],
        description=row["description"],
        last_heartbeat=parse_ts(row["last_heartbeat"]),
        synced_revision=row["synced_revision"],
        parked_reason=row["parked_reason"],
        parked_detail=row["parked_detail"],
    )


def _activity(row: sqlite3.Row) -> ActivityRow:
    return ActivityRow(
        entry_key=row["entry_key"],
        minute=parse_ts(row["minute"]),
        keyboard=row["keyboard"],
        mouse_moves=row["mouse_moves"],
        mouse_clicks=row["mouse_clicks"],
        active_seconds=row["active_seconds"],
        version=row["version"],
    )


def _shot(row: sqlite3.Row) -> ScreenshotRow:
    return ScreenshotRow(
        key=row["key"],
        entry_key=row["entry_key"],
        captured_at=parse_ts(row["captured_at"]),
        file=row["file"],
        size=row["size"],
        content_type=row["content_type"],
        blur_level=row["blur_level"],
        metadata=json.loads(row["metadata"]),
        state=row["state"],
        server_id=row["server_id"],
        reason=row["reason"],
        thumbnail=row["thumbnail"],
    )


_PENDING_ENTRY = (
    "revision > synced_revision AND (parked_revision IS NULL OR revision > parked_revision)"
)
_PENDING_ACTIVITY = (
    "a.version > a.synced_version AND (a.parked_version IS NULL OR a.version > a.parked_version)"
)


class Outbox:
    def __init__(
        self, data_dir: Path, quota_bytes: int = 200 * 1024 * 1024, *, maintenance: bool = True
    ) -> None:
        self.data_dir = data_dir
        self.path = data_dir / "outbox.sqlite3"
        self.shots_dir = data_dir / "screenshots"
        self.quota_bytes = quota_bytes
        self.shots_dir.mkdir(parents=True, exist_ok=True)
        # Pictures of the user's screen: readable by the user only.
        with contextlib.suppress(OSError):
            self.shots_dir.chmod(0o700)
        self._local = threading.local()
        self._write_lock = threading.Lock()
        self._db().executescript(_SCHEMA)
        if maintenance:  # not from `status`, which reads beside a running agent
            self._sweep_orphans()

    # --- plumbing -------------------------------------------------------------

    def _db(self) -> sqlite3.Connection:
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, isolation_level=None, timeout=30)
            db.row_factory = sqlite3.Row
            db.execute("PRAGMA journal_mode=WAL")
            # NORMAL in WAL mode: a committed transaction survives a process
            # crash (kill -9); only an OS crash may lose the last few.
            db.execute("PRAGMA synchronous=NORMAL")
            self._local.db = db
        return db

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        db = self._db()
        with self._write_lock:
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        """A consistent snapshot across several SELECTs."""
        db = self._db()
        db.execute("BEGIN")
        try:
            yield db
        finally:
            db.execute("COMMIT")

    def close(self) -> None:
        db = getattr(self._local, "db", None)
        if db is not None:
            db.close()
            self._local.db = None

    # --- meta -------------------------------------------------------------------

    def get_meta(self, key: str, default: str | None = None) -> str | None:
        row = self._db().execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row["value"] if row else default

    def set_meta(self, key: str, value: str) -> None:
        with self._tx() as db:
            db.execute(
                "INSERT INTO meta(key, value) VALUES (?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (key, value),
            )

    # --- entries ------------------------------------------------------------------

    def insert_entry(self, e: LocalEntry) -> None:
        with self._tx() as db:
            db.execute(
                "INSERT INTO entries(key, revision, project_id, task_id, start_time, end_time,"
                " status, timezone, description, last_heartbeat) VALUES (?,?,?,?,?,?,?,?,?,?)",
                (
                    e.key,
                    e.revision,
                    e.project_id,
                    e.task_id,
                    ts(e.start),
                    ts(e.end) if e.end else None,
                    e.status,
                    e.timezone,
                    e.description,
                    ts(e.last_heartbeat),
                ),
            )

    def update_entry(self, key: str, **fields: Any) -> None:
        """Change an entry and bump its revision (the server keeps the highest)."""
        cols = {"start": "start_time", "end": "end_time"}
        sets, values = [], []
        for name, value in fields.items():
            col = cols.get(name, name)
            if isinstance(value, datetime):
                value = ts(value)
            sets.append(f"{col} = ?")
            values.append(value)
        with self._tx() as db:
            db.execute(
                f"UPDATE entries SET {', '.join(sets)}, revision = revision + 1 WHERE key = ?",  # noqa: S608 - column names are ours
                (*values, key),
            )
            if "end" in fields and fields["end"] is not None:
                self._clamp_activity(db, key, fields["end"])

    def heartbeat(self, key: str, wall: datetime) -> None:
        """The running entry is alive at `wall`: after a crash it ends here."""
        with self._tx() as db:
            db.execute(
                "UPDATE entries SET last_heartbeat = ?, end_time = ?, revision = revision + 1 "
                "WHERE key = ? AND status = 'RUNNING'",
                (ts(wall), ts(wall), key),
            )

    def get_entry(self, key: str) -> LocalEntry | None:
        row = self._db().execute("SELECT * FROM entries WHERE key = ?", (key,)).fetchone()
        return _entry(row) if row else None

    def running_entries(self) -> list[LocalEntry]:
        rows = self._db().execute("SELECT * FROM entries WHERE status = 'RUNNING'").fetchall()
        return [_entry(r) for r in rows]

    def entries_since(self, since: datetime) -> list[LocalEntry]:
        rows = (
            self._db()
            .execute(
                "SELECT * FROM entries WHERE end_time IS NULL OR end_time > ? ORDER BY start_time",
                (ts(since),),
            )
            .fetchall()
        )
        return [_entry(r) for r in rows]

    def all_entries(self) -> list[LocalEntry]:
        rows = self._db().execute("SELECT * FROM entries ORDER BY start_time").fetchall()
        return [_entry(r) for r in rows]

    # --- activity -------------------------------------------------------------------

    def put_activity(self, row: ActivityRow) -> None:
        """Replace the bucket (entry, minute); a changed bucket is pending again."""
        with self._tx() as db:
            db.execute(
                "INSERT INTO activity(entry_key, minute, keyboard, mouse_moves, mouse_clicks,"
                " active_seconds) VALUES (?,?,?,?,?,?) ON CONFLICT(entry_key, minute) DO UPDATE SET"
                " keyboard = excluded.keyboard, mouse_moves = excluded.mouse_moves,"
                " mouse_clicks = excluded.mouse_clicks, active_seconds = excluded.active_seconds,"
                " version = activity.version + 1"
                " WHERE activity.keyboard != excluded.keyboard"
                " OR activity.mouse_moves != excluded.mouse_moves"
                " OR activity.mouse_clicks != excluded.mouse_clicks"
                " OR activity.active_seconds != excluded.active_seconds",
                (
                    row.entry_key,
                    ts(row.minute),
                    row.keyboard,
                    row.mouse_moves,
                    row.mouse_clicks,
                    row.active_seconds,
                ),
            )

    def activity_of(self, entry_key: str) -> list[ActivityRow]:
        rows = (
            self._db()
            .execute("SELECT * FROM activity WHERE entry_key = ? ORDER BY minute", (entry_key,))
            .fetchall()
        )
        return [_activity(r) for r in rows]

    def all_activity(self) -> list[ActivityRow]:
        rows = self._db().execute("SELECT * FROM activity ORDER BY entry_key, minute").fetchall()
        return [_activity(r) for r in rows]

    @staticmethod
    def _merge_bucket(db: sqlite3.Connection, key: str, a: ActivityRow) -> None:
        db.execute(
            "INSERT INTO activity(entry_key, minute, keyboard, mouse_moves, mouse_clicks,"
            " active_seconds) VALUES (?,?,?,?,?,?) ON CONFLICT(entry_key, minute) DO UPDATE SET"
            " keyboard = activity.keyboard + excluded.keyboard,"
            " mouse_moves = activity.mouse_moves + excluded.mouse_moves,"
            " mouse_clicks = activity.mouse_clicks + excluded.mouse_clicks,"
            " active_seconds = MIN(60, activity.active_seconds + excluded.active_seconds),"
            " version = activity.version + 1",
            (key, ts(a.minute), a.keyboard, a.mouse_moves, a.mouse_clicks, a.active_seconds),
        )

    def _clamp_activity(self, db: sqlite3.Connection, key: str, end: datetime) -> None:
        """Buckets at or after the entry's end (an end exactly on a minute
        boundary) fold into its last minute: the server refuses minutes outside
        the entry, and such a row could otherwise never be acknowledged."""
        rows = db.execute(
            "SELECT * FROM activity WHERE entry_key = ? AND minute >= ?", (key, ts(end))
        ).fetchall()
        if not rows:
            return
        entry = db.execute("SELECT start_time FROM entries WHERE key = ?", (key,)).fetchone()
        last = floor_minute(end - timedelta(microseconds=1))
        db.execute("DELETE FROM activity WHERE entry_key = ? AND minute >= ?", (key, ts(end)))
        if entry is None or last < floor_minute(parse_ts(entry["start_time"])):
            return  # an empty entry has no minute left to hold them
        for r in rows:
            a = _activity(r)
            a.minute = last
            self._merge_bucket(db, key, a)

    # --- sync bookkeeping --------------------------------------------------------------

    def pending_batch(self, max_entries: int, max_activity: int) -> PendingBatch:
        """Entries to send, and activity rows the server can accept now: their
        entry is in this batch or already acknowledged, and their minute lies
        inside the entry as the server will know it."""
        with self._read() as db:
            entries = [
                _entry(r)
                for r in db.execute(
                    f"SELECT * FROM entries WHERE {_PENDING_ENTRY} ORDER BY start_time LIMIT ?",  # noqa: S608
                    (max_entries,),
                )
            ]
            in_batch = {e.key: e for e in entries}
            rows = db.execute(
                "SELECT a.*, e.end_time AS e_end, e.synced_revision AS e_synced,"  # noqa: S608
                " e.revision AS e_rev FROM activity a JOIN entries e ON e.key = a.entry_key"
                f" WHERE {_PENDING_ACTIVITY}"
                " AND (e.end_time IS NULL OR a.minute < e.end_time)"
                " ORDER BY a.minute LIMIT ?",
                (max_activity * 2,),
            ).fetchall()
        activity: list[ActivityRow] = []
        for r in rows:
            key = r["entry_key"]
            known = r["e_synced"] == r["e_rev"] or key in in_batch
            if known and r["e_end"] is not None and len(activity) < max_activity:
                activity.append(_activity(r))
        return PendingBatch(entries, activity)

    def ack_entries(self, sent: list[tuple[str, int]]) -> None:
        with self._tx() as db:
            db.executemany(
                "UPDATE entries SET synced_revision = ? WHERE key = ? AND synced_revision < ?",
                [(rev, key, rev) for key, rev in sent],
            )

    def park_entry(self, key: str, revision: int, reason: str, detail: str) -> None:
        with self._tx() as db:
            db.execute(
                "UPDATE entries SET parked_revision = ?, parked_reason = ?, parked_detail = ?"
                " WHERE key = ?",
                (revision, reason, detail, key),
            )
            # Its pending activity cannot be accepted without it: park it too,
            # so that it is visible rather than silently waiting forever.
            db.execute(
                "UPDATE activity SET parked_version = version, parked_reason = ?"  # noqa: S608
                f" WHERE entry_key = ? AND {_PENDING_ACTIVITY.replace('a.', '')}",
                (f"time entry rejected: {reason}", key),
            )

    def ack_activity(self, sent: list[tuple[str, datetime, int]]) -> None:
        with self._tx() as db:
            db.executemany(
                "UPDATE activity SET synced_version = ? WHERE entry_key = ? AND minute = ?"
                " AND synced_version < ?",
                [(ver, key, ts(m), ver) for key, m, ver in sent],
            )

    def park_activity(self, key: str, minute: datetime, version: int, reason: str) -> None:
        with self._tx() as db:
            db.execute(
                "UPDATE activity SET parked_version = ?, parked_reason = ?"
                " WHERE entry_key = ? AND minute = ?",
                (version, reason, key, ts(minute)),
            )

    def parked_entries(self) -> list[LocalEntry]:
        rows = (
            self._db()
            .execute(
                "SELECT * FROM entries WHERE parked_revision IS NOT NULL"
                " AND revision <= parked_revision ORDER BY start_time"
            )
            .fetchall()
        )
        return [_entry(r) for r in rows]

    # --- screenshots ------------------------------------------------------------------

    def add_screenshot(self, row: ScreenshotRow, data: bytes) -> int:
        """Store the file, then the row; returns how many old files the quota dropped."""
        suffix = {"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp"}[
            row.content_type
        ]
        path = self.shots_dir / f"{row.key}{suffix}"
        tmp = path.with_suffix(".part")
        tmp.write_bytes(data)
        tmp.replace(path)
        row.file, row.size = path.name, len(data)
        with self._tx() as db:
            db.execute(
                "INSERT INTO screenshots(key, entry_key, captured_at, file, size, content_type,"
                " blur_level, metadata, thumbnail, state, reason) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                (
                    row.key,
                    row.entry_key,
                    ts(row.captured_at),
                    row.file,
                    row.size,
                    row.content_type,
                    row.blur_level,
                    json.dumps(row.metadata),
                    row.thumbnail,
                    WAITING,
                    row.reason,
                ),
            )
        return self.enforce_quota()

    def enforce_quota(self) -> int:
        dropped: list[str] = []
        with self._tx() as db:
            total = db.execute(
                "SELECT COALESCE(SUM(size), 0) FROM screenshots WHERE state = ?", (WAITING,)
            ).fetchone()[0]
            if total > self.quota_bytes:
                for r in db.execute(
                    "SELECT key, file, size FROM screenshots WHERE state = ? ORDER BY captured_at",
                    (WAITING,),
                ).fetchall():
                    if total <= self.quota_bytes:
                        break
                    total -= r["size"]
                    dropped.append(r["file"])
                    db.execute(
                        "UPDATE screenshots SET state = ?, file = NULL, reason = ? WHERE key = ?",
                        (DROPPED, "local disk quota exceeded", r["key"]),
                    )
                count = int(self._meta_in(db, "dropped_screenshots", "0")) + len(dropped)
                db.execute(
                    "INSERT INTO meta(key, value) VALUES ('dropped_screenshots', ?)"
                    " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                    (str(count),),
                )
        for name in dropped:
            (self.shots_dir / name).unlink(missing_ok=True)
        return len(dropped)

    @staticmethod
    def _meta_in(db: sqlite3.Connection, key: str, default: str) -> str:
        row = db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row["value"] if row else default

    def waiting_screenshots(self, limit: int = 50) -> list[ScreenshotRow]:
        rows = (
            self._db()
            .execute(
                "SELECT * FROM screenshots WHERE state = ? ORDER BY captured_at LIMIT ?",
                (WAITING, limit),
            )
            .fetchall()
        )
        return [_shot(r) for r in rows]

    def recent_screenshots(self, limit: int = 24) -> list[ScreenshotRow]:
        rows = (
            self._db()
            .execute("SELECT * FROM screenshots ORDER BY captured_at DESC LIMIT ?", (limit,))
            .fetchall()
        )
        return [_shot(r) for r in rows]

    def get_screenshot(self, key: str) -> ScreenshotRow | None:
        row = self._db().execute("SELECT * FROM screenshots WHERE key = ?", (key,)).fetchone()
        return _shot(row) if row else None

    def screenshot_path(self, row: ScreenshotRow) -> Path | None:
        return self.shots_dir / row.file if row.file else None

    def _finish_screenshot(
        self,
        key: str,
        state: str,
        server_id: str | None,
        reason: str | None,
        *,
        only_waiting: bool = True,
    ) -> bool:
        with self._tx() as db:
            row = db.execute("SELECT file, state FROM screenshots WHERE key = ?", (key,)).fetchone()
            if row is None or (only_waiting and row["state"] != WAITING):
                return False
            db.execute(
                "UPDATE screenshots SET state = ?, file = NULL, server_id = ?, reason = ?"
                " WHERE key = ?",
                (state, server_id, reason, key),
            )
        if row["file"]:
            (self.shots_dir / row["file"]).unlink(missing_ok=True)
        return True

    def screenshot_uploaded(self, key: str, server_id: str) -> None:
        self._finish_screenshot(key, UPLOADED, server_id, None)

    def park_screenshot(self, key: str, reason: str) -> None:
        self._finish_screenshot(key, PARKED, None, reason)

    def delete_screenshot(self, key: str) -> bool:
        """The user deleted it before upload; False if it already left."""
        return self._finish_screenshot(key, DELETED, None, "deleted by the user")

    def _sweep_orphans(self) -> None:
        """After a crash: files without a row go, rows without a file are dropped."""
        known = {
            r["file"]
            for r in self._db().execute("SELECT file FROM screenshots WHERE file IS NOT NULL")
        }
        for path in self.shots_dir.iterdir():
            if path.name not in known:
                path.unlink(missing_ok=True)
        for r in (
            self._db()
            .execute("SELECT key, file FROM screenshots WHERE state = ?", (WAITING,))
            .fetchall()
        ):
            if not (self.shots_dir / r["file"]).exists():
                self._finish_screenshot(r["key"], DROPPED, None, "file missing after restart")

    # --- overview -----------------------------------------------------------------------

    def depth(self) -> QueueDepth:
        with self._read() as db:
            entries = db.execute(
                f"SELECT COUNT(*) FROM entries WHERE {_PENDING_ENTRY}"  # noqa: S608
            ).fetchone()[0]
            activity = db.execute(
                f"SELECT COUNT(*) FROM activity a WHERE {_PENDING_ACTIVITY}"  # noqa: S608
            ).fetchone()[0]
            shots, size = db.execute(
                "SELECT COUNT(*), COALESCE(SUM(size), 0) FROM screenshots WHERE state = ?",
                (WAITING,),
            ).fetchone()
            parked = db.execute(
                "SELECT (SELECT COUNT(*) FROM entries WHERE parked_revision IS NOT NULL"
                " AND revision <= parked_revision)"
                " + (SELECT COUNT(*) FROM activity WHERE parked_version IS NOT NULL"
                " AND version <= parked_version)"
                " + (SELECT COUNT(*) FROM screenshots WHERE state = ?)",
                (PARKED,),
            ).fetchone()[0]
            dropped = int(self._meta_in(db, "dropped_screenshots", "0"))
        return QueueDepth(entries, activity, shots, size, parked, dropped)

    def forget_history(self) -> None:
        """Drop everything (another account signs in on an empty queue)."""
        with self._tx() as db:
            files = [r["file"] for r in db.execute("SELECT file FROM screenshots") if r["file"]]
            for table in ("activity", "entries", "screenshots"):
                db.execute(f"DELETE FROM {table}")  # noqa: S608 - fixed table names
        for name in files:
            (self.shots_dir / name).unlink(missing_ok=True)

    def prune(self, older_than: datetime) -> None:
        """Forget acknowledged history (kept a while for today's total and review)."""
        cut = ts(older_than)
        with self._tx() as db:
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
