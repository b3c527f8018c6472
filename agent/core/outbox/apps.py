"""The foreground application per minute, and what of it is still to be sent.

Rows are replaced per (entry, minute, app, title) like activity minutes: a row
is pending while `version > synced_version`, parked at the version the server
refused for good. They leave with a batch only when their entry is known to
the server (acknowledged or in the same batch) and the minute lies inside it.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime

from agent.core.outbox.database import Database
from agent.core.outbox.rows import AppRow, app_from_row, ts
from agent.core.outbox.schema import PENDING_APP


class AppQueue(Database):
    def put_apps(self, rows: list[AppRow]) -> None:
        """Replace the seconds of each (entry, minute, app, title); changed rows are pending."""
        if not rows:
            return
        with self._tx() as db:
            db.executemany(
                "INSERT INTO apps(entry_key, minute, app, title, seconds) VALUES (?,?,?,?,?)"
                " ON CONFLICT(entry_key, minute, app, title) DO UPDATE SET"
                " seconds = excluded.seconds, version = apps.version + 1"
                " WHERE apps.seconds != excluded.seconds",
                [(r.entry_key, ts(r.minute), r.app, r.title, r.seconds) for r in rows],
            )

    def apps_of(self, entry_key: str) -> list[AppRow]:
        rows = self._db().execute(
            "SELECT * FROM apps WHERE entry_key = ? ORDER BY minute, app, title", (entry_key,)
        )
        return [app_from_row(r) for r in rows.fetchall()]

    def _pending_apps(self, db: sqlite3.Connection, in_batch: set[str], limit: int) -> list[AppRow]:
        rows = db.execute(
            "SELECT p.*, e.end_time AS e_end, e.synced_revision AS e_synced,"  # noqa: S608
            " e.revision AS e_rev FROM apps p JOIN entries e ON e.key = p.entry_key"
            f" WHERE {PENDING_APP} AND e.end_time IS NOT NULL AND p.minute < e.end_time"
            " ORDER BY p.minute LIMIT ?",
            (limit * 2,),
        ).fetchall()
        out: list[AppRow] = []
        for r in rows:
            known = r["e_synced"] == r["e_rev"] or r["entry_key"] in in_batch
            if known and len(out) < limit:
                out.append(app_from_row(r))
        return out

    def ack_apps(self, sent: list[AppRow]) -> None:
        with self._tx() as db:
            db.executemany(
                "UPDATE apps SET synced_version = ? WHERE entry_key = ? AND minute = ?"
                " AND app = ? AND title = ? AND synced_version < ?",
                [(r.version, r.entry_key, ts(r.minute), r.app, r.title, r.version) for r in sent],
            )

    def park_app(self, row: AppRow, reason: str) -> None:
        with self._tx() as db:
            db.execute(
                "UPDATE apps SET parked_version = ?, parked_reason = ? WHERE entry_key = ?"
                " AND minute = ? AND app = ? AND title = ?",
                (row.version, reason, row.entry_key, ts(row.minute), row.app, row.title),
            )

    def prune_apps(self, db: sqlite3.Connection, cut: datetime) -> None:
        """Acknowledged (or parked) rows of ended, acknowledged entries older than `cut`."""
        db.execute(
            "DELETE FROM apps WHERE (version <= synced_version OR version <= parked_version)"
            " AND entry_key IN (SELECT key FROM entries WHERE end_time < ?"
            " AND status != 'RUNNING' AND revision <= synced_revision)",
            (ts(cut),),
        )
