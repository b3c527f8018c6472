"""Time entries and their activity minutes, and what is still to be sent.

- An entry is pending while `revision > synced_revision`; every local change
  bumps `revision`, an acknowledgement records the revision that was sent, so
  a change made during an upload is never mistaken for acknowledged.
- An activity minute is pending while `version > synced_version`, likewise.
- A row the server rejected for good is *parked* at the version it had; it
  is not sent again unless it changes, and it never blocks other rows.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta
from typing import Any

from agent.core.clock import floor_minute
from agent.core.outbox.database import Database
from agent.core.outbox.rows import (
    ENTRY_COLUMNS,
    ActivityRow,
    LocalEntry,
    PendingBatch,
    activity_from_row,
    entry_from_row,
    parse_ts,
    ts,
)
from agent.core.outbox.schema import PARKED_ENTRY, PENDING_ACTIVITY, PENDING_ENTRY


class EntryQueue(Database):
    # --- entries ----------------------------------------------------------------

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
        """Change an entry and bump its revision (the server keeps the highest);
        without fields, only the revision: the same entry is sent again."""
        sets, values = [], []
        for name, value in fields.items():
            sets.append(f"{ENTRY_COLUMNS.get(name, name)} = ?, ")
            values.append(ts(value) if isinstance(value, datetime) else value)
        with self._tx() as db:
            db.execute(
                f"UPDATE entries SET {''.join(sets)}revision = revision + 1 WHERE key = ?",  # noqa: S608 - column names are ours
                (*values, key),
            )
            if "end" in fields and fields["end"] is not None:
                self._clamp_activity(db, key, fields["end"])
                # Application seconds after the new end (idle time given up) go with it.
                db.execute(
                    "DELETE FROM apps WHERE entry_key = ? AND minute >= ?",
                    (key, ts(fields["end"])),
                )

    def heartbeat(self, key: str, wall: datetime) -> None:
        """The running entry is alive at `wall`: after a crash it ends here."""
        with self._tx() as db:
            db.execute(
                "UPDATE entries SET last_heartbeat = ?, end_time = ?, revision = revision + 1 "
                "WHERE key = ? AND status = 'RUNNING'",
                (ts(wall), ts(wall), key),
            )

    def _entries(self, where: str, *params: object) -> list[LocalEntry]:
        rows = self._db().execute(f"SELECT * FROM entries {where}", params).fetchall()  # noqa: S608 - our SQL
        return [entry_from_row(r) for r in rows]

    def get_entry(self, key: str) -> LocalEntry | None:
        found = self._entries("WHERE key = ?", key)
        return found[0] if found else None

    def running_entries(self) -> list[LocalEntry]:
        return self._entries("WHERE status = 'RUNNING'")

    def entries_since(self, since: datetime) -> list[LocalEntry]:
        return self._entries(
            "WHERE end_time IS NULL OR end_time > ? ORDER BY start_time", ts(since)
        )

    def all_entries(self) -> list[LocalEntry]:
        return self._entries("ORDER BY start_time")

    def latest_end(self) -> datetime | None:
        """Where the recorded time ends (the latest end of any entry)."""
        row = self._db().execute("SELECT MAX(end_time) FROM entries").fetchone()
        return parse_ts(row[0]) if row and row[0] else None

    def parked_entries(self) -> list[LocalEntry]:
        return self._entries(f"WHERE {PARKED_ENTRY} ORDER BY start_time")

    # --- activity -------------------------------------------------------------

    def put_activity(self, row: ActivityRow) -> None:
        """Replace the bucket (entry, minute); a changed bucket is pending again."""
        with self._tx() as db:
            db.execute(
                "INSERT INTO activity(entry_key, minute, keyboard, mouse_moves, mouse_clicks,"
                " active_seconds, interval_cv, distinct_positions, pointer_span, keyboard_share,"
                " pointer_moves) VALUES (?,?,?,?,?,?,?,?,?,?,?)"
                " ON CONFLICT(entry_key, minute) DO UPDATE SET"
                " keyboard = excluded.keyboard, mouse_moves = excluded.mouse_moves,"
                " mouse_clicks = excluded.mouse_clicks, active_seconds = excluded.active_seconds,"
                " interval_cv = excluded.interval_cv,"
                " distinct_positions = excluded.distinct_positions,"
                " pointer_span = excluded.pointer_span, keyboard_share = excluded.keyboard_share,"
                " pointer_moves = excluded.pointer_moves,"
                " version = activity.version + 1"
                " WHERE activity.keyboard != excluded.keyboard"
                " OR activity.mouse_moves != excluded.mouse_moves"
                " OR activity.mouse_clicks != excluded.mouse_clicks"
                " OR activity.active_seconds != excluded.active_seconds"
                " OR activity.interval_cv IS NOT excluded.interval_cv"
                " OR activity.distinct_positions IS NOT excluded.distinct_positions",
                (
                    row.entry_key,
                    ts(row.minute),
                    row.keyboard,
                    row.mouse_moves,
                    row.mouse_clicks,
                    row.active_seconds,
                    row.interval_cv,
                    row.distinct_positions,
                    row.pointer_span,
                    row.keyboard_share,
                    row.pointer_moves,
                ),
            )

    def activity_of(self, entry_key: str) -> list[ActivityRow]:
        rows = self._db().execute(
            "SELECT * FROM activity WHERE entry_key = ? ORDER BY minute", (entry_key,)
        )
        return [activity_from_row(r) for r in rows.fetchall()]

    def all_activity(self) -> list[ActivityRow]:
        rows = self._db().execute("SELECT * FROM activity ORDER BY entry_key, minute")
        return [activity_from_row(r) for r in rows.fetchall()]

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
            a = activity_from_row(r)
            a.minute = last
            self._merge_bucket(db, key, a)

    # --- sync bookkeeping -----------------------------------------------------

    def pending_batch(self, max_entries: int, max_activity: int) -> PendingBatch:
        """Entries to send, and activity rows the server can accept now: their
        entry is in this batch or already acknowledged, and their minute lies
        inside the entry as the server will know it."""
        with self._read() as db:
            entries = [
                entry_from_row(r)
                for r in db.execute(
                    f"SELECT * FROM entries WHERE {PENDING_ENTRY} ORDER BY start_time LIMIT ?",  # noqa: S608
                    (max_entries,),
                )
            ]
            in_batch = {e.key: e for e in entries}
            rows = db.execute(
                "SELECT a.*, e.end_time AS e_end, e.synced_revision AS e_synced,"  # noqa: S608
                " e.revision AS e_rev FROM activity a JOIN entries e ON e.key = a.entry_key"
                f" WHERE {PENDING_ACTIVITY}"
                " AND (e.end_time IS NULL OR a.minute < e.end_time)"
                " ORDER BY a.minute LIMIT ?",
                (max_activity * 2,),
            ).fetchall()
        activity: list[ActivityRow] = []
        for r in rows:
            key = r["entry_key"]
            known = r["e_synced"] == r["e_rev"] or key in in_batch
            if known and r["e_end"] is not None and len(activity) < max_activity:
                activity.append(activity_from_row(r))
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
                f" WHERE entry_key = ? AND {PENDING_ACTIVITY.replace('a.', '')}",
                (f"time entry rejected: {reason}", key),
            )

    def requeue_entry(self, key: str, **fields: Any) -> None:
        """The user fixed a parked entry (another project, ...): the changed
        entry and its parked activity minutes are sent again."""
        self.update_entry(key, **fields)
        with self._tx() as db:
            db.execute(
                "UPDATE activity SET version = version + 1, parked_reason = NULL"
                " WHERE entry_key = ? AND parked_version IS NOT NULL AND version <= parked_version",
                (key,),
            )

    def dismiss_entry(self, key: str) -> None:
        """The user gave up a parked entry: it stays in the local history but
        is neither sent nor counted as waiting or parked any more."""
        with self._tx() as db:
            db.execute(
                "UPDATE entries SET synced_revision = revision, parked_revision = NULL,"
                " parked_reason = NULL, parked_detail = NULL WHERE key = ?",
                (key,),
            )
            db.execute(
                "UPDATE activity SET synced_version = version, parked_version = NULL,"
                " parked_reason = NULL WHERE entry_key = ?",
                (key,),
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
