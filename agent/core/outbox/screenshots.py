"""Screenshots waiting for upload: files in `screenshots/`, rows in the queue.

Files wait under a byte quota; when it is exceeded the oldest waiting files
are dropped and counted (meta `dropped_screenshots`). A finished screenshot
(uploaded, parked, dropped, deleted) loses its file and keeps its row, with
the thumbnail, for the review window.
"""

from __future__ import annotations

import json
from pathlib import Path

from agent.core.outbox.database import Database
from agent.core.outbox.rows import (
    DELETED,
    DROPPED,
    PARKED,
    UPLOADED,
    WAITING,
    ScreenshotRow,
    shot_from_row,
    ts,
)

_SUFFIX = {"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp"}


class ScreenshotQueue(Database):
    shots_dir: Path
    quota_bytes: int

    def add_screenshot(self, row: ScreenshotRow, data: bytes) -> int:
        """Store the file, then the row; returns how many old files the quota dropped."""
        path = self.shots_dir / f"{row.key}{_SUFFIX[row.content_type]}"
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
                count = int(self.get_meta("dropped_screenshots", "0") or 0) + len(dropped)
                self._put_meta(db, "dropped_screenshots", str(count))
        for name in dropped:
            (self.shots_dir / name).unlink(missing_ok=True)
        return len(dropped)

    def _shots(self, where: str, *params: object) -> list[ScreenshotRow]:
        rows = self._db().execute(f"SELECT * FROM screenshots {where}", params).fetchall()  # noqa: S608 - our SQL
        return [shot_from_row(r) for r in rows]

    def waiting_screenshots(self, limit: int = 50) -> list[ScreenshotRow]:
        return self._shots("WHERE state = ? ORDER BY captured_at LIMIT ?", WAITING, limit)

    def recent_screenshots(self, limit: int = 24) -> list[ScreenshotRow]:
        return self._shots("ORDER BY captured_at DESC LIMIT ?", limit)

    def get_screenshot(self, key: str) -> ScreenshotRow | None:
        found = self._shots("WHERE key = ?", key)
        return found[0] if found else None

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
