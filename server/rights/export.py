"""A person's data export: one zip with their profile, time entries, per-minute
activity (and app usage, input signals: every per-minute table), screenshots
(the stored objects themselves) and their audit trail.

The zip is written to a temporary file section by section (memory stays flat:
rows are streamed, objects copied in chunks), then stored under
`data-exports/{org}/{job}.zip` and deleted EXPORT_FILE_TTL later. Progress:
`total` is the number of sections plus screenshots, `done` counts them.

CSV text cells are neutralised as in timesheet CSVs (`safe_text`): text that
a spreadsheet could read as a formula gets a leading apostrophe, since names
and descriptions in them may come from others (project, task and customer
names set by admins, descriptions synced from integrations). README.txt says so.
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
import uuid
import zipfile
from collections.abc import AsyncIterator, Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Table, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from server.db.base import utcnow
from server.db.models import (
    AuditLog,
    Project,
    RightsJob,
    Screenshot,
    Task,
    Team,
    TeamMember,
    TimeEntry,
    User,
)
from server.observability.logging import log
from server.reports.writers import safe_text
from server.rights.service import EXPORT_FILE_TTL
from server.rights.tables import minute_tables, slot_tables
from server.screenshots.imaging import EXTENSION
from shared.enums import JobStatus, ScreenshotStatus

SECTIONS = 4  # profile, entries, per-minute tables, audit trail
PROGRESS_EVERY = 20
README = """This archive holds the data Hubnity keeps about one person.

person.json       profile, teams
time_entries.csv  every time entry, with project and task names
<table>.csv       per-minute records (activity counts, application usage, input
                  rhythm) and their 15-minute rollups, one file per table
screenshots.csv   every stored screenshot, with its file name in screenshots/
screenshots/      the stored images (blurred as the policy asked when taken)
audit.csv         the audit events this person did, or that were about them

Times are UTC (RFC 3339). Files are UTF-8. A CSV text cell that a spreadsheet
could read as a formula (it starts with = + - @, tab, CR or LF, or with one of
= + - @ after leading blanks) carries a leading apostrophe ('), which
spreadsheets hide; a program reading the files should drop it.
"""


def _cell(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, date | uuid.UUID | Decimal):
        return str(value)
    if isinstance(value, dict | list):
        return json.dumps(value, default=str)
    return value


class _Csv:
    """A CSV member of the zip, written row by row."""

    def __init__(self, zf: zipfile.ZipFile, name: str, header: Iterable[str]) -> None:
        self._raw = zf.open(name, "w", force_zip64=True)
        self._text = io.TextIOWrapper(self._raw, encoding="utf-8", newline="")
        self._csv = csv.writer(self._text)
        self._csv.writerow(list(header))

    def row(self, values: Iterable[Any]) -> None:
        self._csv.writerow([safe_text(v) if isinstance(v, str) else _cell(v) for v in values])

    def close(self) -> None:
        self._text.close()


async def _stream(session: AsyncSession, stmt: Any) -> AsyncIterator[Any]:
    result = await session.stream(stmt.execution_options(yield_per=1000))
    async for row in result:
        yield row


async def _profile(session: AsyncSession, zf: zipfile.ZipFile, user: User) -> None:
    teams = list(
        (
            await session.execute(
                select(Team.name)
                .join(TeamMember, TeamMember.team_id == Team.id)
                .where(TeamMember.user_id == user.id)
                .order_by(Team.name)
            )
        ).scalars()
    )
    person = {
        "id": str(user.id),
        "email": user.email,
        "name": user.name,
        "role": user.role,
        "timezone": user.timezone,
        "active": user.active,
        "signIn": user.auth_source,
        "createdAt": _cell(user.created_at),
        "teams": teams,
        "exportedAt": _cell(utcnow()),
    }
    zf.writestr("person.json", json.dumps(person, indent=2, ensure_ascii=False))
    zf.writestr("README.txt", README)


async def _entries(session: AsyncSession, zf: zipfile.ZipFile, user_id: uuid.UUID) -> None:
    columns = [c for c in TimeEntry.__table__.columns if c.name not in ("organization_id",)]
    out = _Csv(zf, "time_entries.csv", [*(c.name for c in columns), "project", "task"])
    stmt = (
        select(*columns, Project.name, Task.name)
        .outerjoin(Project, Project.id == TimeEntry.project_id)
        .outerjoin(Task, Task.id == TimeEntry.task_id)
        .where(TimeEntry.user_id == user_id)
        .order_by(TimeEntry.start_time, TimeEntry.id)
    )
    async for row in _stream(session, stmt):
        out.row(row)
    out.close()


async def _per_minute(session: AsyncSession, zf: zipfile.ZipFile, user_id: uuid.UUID) -> None:
    tables: list[Table] = [*minute_tables(), *slot_tables()]
    for table in tables:
        columns = [c for c in table.columns if c.name not in ("organization_id", "user_id")]
        out = _Csv(zf, f"{table.name}.csv", [c.name for c in columns])
        order = [c for c in table.primary_key.columns]
        stmt = select(*columns).where(table.c.user_id == user_id).order_by(*order)
        async for row in _stream(session, stmt):
            out.row(row)
        out.close()


async def _audit(
    session: AsyncSession, zf: zipfile.ZipFile, org_id: uuid.UUID, user_id: uuid.UUID
) -> None:
    out = _Csv(
        zf,
        "audit.csv",
        ["at", "action", "by_this_person", "target_type", "target_id", "ip", "detail"],
    )
    stmt = (
        select(AuditLog)
        .where(
            AuditLog.organization_id == org_id,
            or_(AuditLog.actor_user_id == user_id, AuditLog.target_id == str(user_id)),
        )
        .order_by(AuditLog.created_at, AuditLog.id)
    )
    async for (event,) in _stream(session, stmt):
        out.row(
            [
                event.created_at,
                event.action,
                event.actor_user_id == user_id,
                event.target_type,
                event.target_id,
                event.ip,
                event.detail,
            ]
        )
    out.close()


def _shot_name(shot: Screenshot) -> str:
    ext = EXTENSION.get(shot.content_type, "bin")
    return f"screenshots/{shot.captured_at:%Y-%m-%dT%H%M%S}Z-{shot.id}.{ext}"


async def _progress(sessions: Any, job_id: uuid.UUID, done: int, total: int | None = None) -> None:
    async with sessions() as session:
        values: dict[str, Any] = {"done": done}
        if total is not None:
            values["total"] = total
        await session.execute(update(RightsJob).where(RightsJob.id == job_id).values(**values))
        await session.commit()


SHOT_COLUMNS = [
    "file",
    "id",
    "captured_at",
    "uploaded_at",
    "blur_level",
    "width",
    "height",
    "sha256",
    "time_entry_id",
    "metadata",
]


async def _screenshots(
    sessions: Any, storage: Any, zf: zipfile.ZipFile, job: RightsJob, done: int
) -> None:
    async with sessions() as session:
        shots = list(
            (
                await session.execute(
                    select(Screenshot)
                    .where(
                        Screenshot.user_id == job.subject_id,
                        Screenshot.status == ScreenshotStatus.READY.value,
                        Screenshot.deleted_at.is_(None),
                    )
                    .order_by(Screenshot.captured_at, Screenshot.id)
                )
            ).scalars()
        )
    listed: list[list[Any]] = []
    for n, shot in enumerate(shots, 1):
        name = _shot_name(shot)
        try:
            with zf.open(name, "w", force_zip64=True) as member:
                async for chunk in storage.iter_bytes(shot.storage_key):
                    member.write(chunk)
        except Exception as exc:  # deleted meanwhile: listed without a file
            log.warning("data export: screenshot unreadable", id=str(shot.id), error=str(exc))
            name = ""
        listed.append(
            [
                name,
                shot.id,
                shot.captured_at,
                shot.created_at,
                shot.blur_level,
                shot.width,
                shot.height,
                shot.sha256,
                shot.time_entry_id,
                shot.meta,
            ]
        )
        if n % PROGRESS_EVERY == 0:
            await _progress(sessions, job.id, done + n)
    # After the images: a zip has one member open for writing at a time.
    out = _Csv(zf, "screenshots.csv", SHOT_COLUMNS)
    for values in listed:
        out.row(values)
    out.close()


async def _write(sessions: Any, storage: Any, job: RightsJob, user: User, path: str) -> None:
    async with sessions() as session:
        shots = int(
            (
                await session.execute(
                    select(func.count()).where(
                        Screenshot.user_id == user.id, Screenshot.deleted_at.is_(None)
                    )
                )
            ).scalar_one()
        )
    total = SECTIONS + shots
    await _progress(sessions, job.id, 0, total)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as zf:
        async with sessions() as session:
            await _profile(session, zf, user)
            await _progress(sessions, job.id, 1)
            await _entries(session, zf, user.id)
            await _progress(sessions, job.id, 2)
            await _per_minute(session, zf, user.id)
            await _progress(sessions, job.id, 3)
            await _audit(session, zf, job.organization_id, user.id)
            await _progress(sessions, job.id, 4)
        zf.compression = zipfile.ZIP_STORED  # images are compressed already
        await _screenshots(sessions, storage, zf, job, SECTIONS)


async def run_data_export(sessions: Any, storage: Any, job_id: uuid.UUID) -> None:
    """Idempotent: a finished job is left alone; a re-run rewrites the same key."""
    async with sessions() as session:
        job = await session.get(RightsJob, job_id)
        if job is None or job.status == JobStatus.DONE.value:
            return
        job.status = JobStatus.RUNNING.value
        await session.commit()
        user = await session.get(User, job.subject_id) if job.subject_id else None
    fd, path = tempfile.mkstemp(prefix="hubnity-data-export-", suffix=".zip")
    os.close(fd)
    try:
        if storage is None:
            raise RuntimeError("no storage backend is configured")
        if user is None:
            raise RuntimeError("the person no longer exists")
        await _write(sessions, storage, job, user, path)
        key = f"data-exports/{job.organization_id}/{job.id}.zip"
        await storage.put_file(key, path, "application/zip")
        values: dict[str, Any] = {
            "storage_key": key,
            "done": RightsJob.total,
            "status": JobStatus.DONE.value,
            "finished_at": utcnow(),
            "expires_at": utcnow() + EXPORT_FILE_TTL,
            "error": None,
        }
    except Exception as exc:
        log.error("data export failed", job_id=str(job_id), exc_info=exc)
        values = {
            "status": JobStatus.FAILED.value,
            "finished_at": utcnow(),
            "error": f"export failed: {exc}"[:500],
        }
    finally:
        os.unlink(path)
    async with sessions() as session:
        await session.execute(update(RightsJob).where(RightsJob.id == job_id).values(**values))
        await session.commit()
