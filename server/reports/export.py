"""Timesheet exports: request (202 + job), run (stream rows to a file, then to
storage), status and download. The job is a thin wrapper over `run_export`."""

from __future__ import annotations

import os
import tempfile
import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from server import audit
from server.auth.principal import Principal, load_principal
from server.core.errors import BadRequest, NotFound, ServiceUnavailable
from server.core.ids import path_uuid
from server.core.outages import outage_of
from server.core.times import parse_date
from server.db.base import utcnow
from server.db.models import ExportJob, Organization
from server.observability.logging import log
from server.reports import billing
from server.reports import days as d
from server.reports.pdf import PdfTimesheet
from server.reports.schemas import ExportStatus
from server.reports.scope import team_of
from server.reports.writers import CONTENT_TYPES, CsvSheet, SheetWriter, XlsxSheet
from server.runtime.state import AppState
from server.security.limits import enforce
from shared.enums import JobStatus

JOB_NAME = "export_report"
#: Finished files are deleted after this long (they hold personal data).
EXPORT_TTL = timedelta(days=7)
FORMATS = ("csv", "xlsx", "pdf")


async def request_export(
    session: AsyncSession,
    principal: Principal,
    *,
    fmt: str | None,
    start: str | None,
    end: str | None,
    team_id: str | None,
    group_by: str | None = None,
) -> ExportJob:
    fmt = fmt or "csv"
    if fmt not in FORMATS:
        raise BadRequest("format must be csv, xlsx or pdf")
    group = billing.parse_group(group_by)
    first, last = d.date_range(start, end, d.zone(principal.user.timezone), utcnow())
    if team_id:
        await team_of(session, principal, team_id)  # 404 now rather than a failed job later
    job = ExportJob(
        organization_id=principal.org_id,
        requested_by=principal.user_id,
        format=fmt,
        params={
            "from": first.isoformat(),
            "to": last.isoformat(),
            "teamId": team_id,
            "groupBy": group,
        },
        status=JobStatus.PENDING.value,
    )
    session.add(job)
    await session.flush()
    audit.record_by(
        session,
        principal,
        "report.export_requested",
        target_type="export",
        target_id=job.id,
        format=fmt,
        **{"from": first.isoformat(), "to": last.isoformat(), "teamId": team_id, "groupBy": group},
    )
    await session.commit()
    return job


async def start_export(
    app_state: AppState,
    session: AsyncSession,
    principal: Principal,
    *,
    fmt: str | None,
    start: str | None,
    end: str | None,
    team_id: str | None,
    group_by: str | None = None,
) -> ExportJob:
    """The API's and the web page's export: limited per person (EXPORT_RATE_LIMIT),
    recorded, then handed to the job queue."""
    await enforce(
        app_state,
        f"export:{principal.user_id}",
        app_state.settings.security.export_rate,
        "exports; wait for the running ones",
    )
    job = await request_export(
        session, principal, fmt=fmt, start=start, end=end, team_id=team_id, group_by=group_by
    )
    try:
        await app_state.jobs.enqueue(JOB_NAME, job_id=str(job.id), export_id=str(job.id))
    except Exception as exc:
        if outage_of(exc) is None:
            raise
        # Never a PENDING job that nothing will run: it fails visibly, and the
        # person asks again once the queue is back.
        job.status, job.finished_at = JobStatus.FAILED.value, utcnow()
        job.error = "the job queue was unavailable; ask for the export again"
        await session.commit()
        raise ServiceUnavailable(
            "the job queue is temporarily unavailable; ask for the export again shortly"
        ) from None
    return job


async def get_export(session: AsyncSession, principal: Principal, job_id: str) -> ExportJob:
    """Only the person who asked sees an export (it may hold others' data)."""
    job = (
        await session.execute(
            select(ExportJob).where(
                ExportJob.id == path_uuid(job_id, "export"),
                ExportJob.organization_id == principal.org_id,
                ExportJob.requested_by == principal.user_id,
            )
        )
    ).scalar_one_or_none()
    if job is None:
        raise NotFound("export")
    return job


def status_of(job: ExportJob, download_url: str) -> ExportStatus:
    done = job.status == JobStatus.DONE.value and job.storage_key is not None
    return ExportStatus(
        id=str(job.id),
        status=JobStatus(job.status),
        format=job.format,
        row_count=job.row_count,
        download_url=download_url if done else None,
        error=job.error,
        created_at=d.iso(job.created_at) or "",
        finished_at=d.iso(job.finished_at),
    )


def file_name(job: ExportJob) -> str:
    return f"hubnity-timesheet-{job.params.get('from')}-to-{job.params.get('to')}.{job.format}"


async def _scope_text(session: AsyncSession, principal: Principal, team_id: str | None) -> str:
    if team_id:
        return f"team {(await team_of(session, principal, team_id)).name}"
    return "everyone in the organization" if principal.is_admin else "everyone you report on"


async def _write(
    session: AsyncSession, principal: Principal, job: ExportJob, path: str, now: datetime
) -> int:
    first = parse_date(job.params.get("from"), "from")
    last = parse_date(job.params.get("to"), "to")
    assert first is not None and last is not None
    rows = billing.billed_rows(session, principal, job.params, first, last, now)
    if job.format == "pdf":
        org = await session.get(Organization, principal.org_id)
        doc = PdfTimesheet(
            path,
            organization=org.name if org else "",
            first=first,
            last=last,
            scope=await _scope_text(session, principal, job.params.get("teamId")),
            group=job.params.get("groupBy"),
            generated=now,
        )
        async for row in rows:
            doc.row(row)
        return doc.close()
    grouped = bool(job.params.get("groupBy"))
    header = ["Group", *billing.HEADER] if grouped else billing.HEADER
    count = 0
    writer: SheetWriter
    if job.format == "csv":
        # utf-8-sig: Excel detects UTF-8 only with a BOM.
        with open(path, "w", newline="", encoding="utf-8-sig") as fh:  # noqa: ASYNC230
            writer = CsvSheet(fh, header)
            async for row in rows:
                writer.row([row.group, *row.values] if grouped else row.values)
                count += 1
        return count
    widths = [22, *billing.WIDTHS] if grouped else billing.WIDTHS
    with XlsxSheet(path, header, widths) as writer:  # discarded if anything fails
        async for row in rows:
            writer.row([row.group, *row.values] if grouped else row.values)
            count += 1
        writer.close()
    return count


async def run_export(sessions: Any, storage: Any, job_id: uuid.UUID) -> None:
    """Idempotent: a finished job is left alone; a re-run rewrites the same key."""
    async with sessions() as session:
        job = await session.get(ExportJob, job_id)
        if job is None or job.status == JobStatus.DONE.value:
            return
        job.status = JobStatus.RUNNING.value
        await session.commit()
        fd, path = tempfile.mkstemp(prefix="hubnity-export-", suffix=f".{job.format}")
        os.close(fd)
        try:
            if storage is None:
                raise RuntimeError("no storage backend is configured")
            principal = await load_principal(session, job.requested_by, job.organization_id)
            if principal is None:
                raise RuntimeError("the person who asked for this export is no longer active")
            count = await _write(session, principal, job, path, utcnow())
            key = f"exports/{job.organization_id}/{job.id}.{job.format}"
            await storage.put_file(key, path, CONTENT_TYPES[job.format])
            job.storage_key, job.row_count = key, count
            job.status, job.finished_at, job.error = JobStatus.DONE.value, utcnow(), None
        except Exception as exc:
            await session.rollback()
            log.error("export failed", export_id=str(job_id), exc_info=exc)
            job = await session.get(ExportJob, job_id)
            if job is None:
                return
            job.status, job.finished_at = JobStatus.FAILED.value, utcnow()
            job.error = f"export failed: {exc}"[:500]
        finally:
            os.unlink(path)
        await session.commit()


async def purge_expired(sessions: Any, storage: Any, now: datetime) -> int:
    """Deletes export files older than EXPORT_TTL; the job row stays, without a link."""
    async with sessions() as session:
        jobs = (
            (
                await session.execute(
                    select(ExportJob)
                    .where(
                        ExportJob.status == JobStatus.DONE.value,
                        ExportJob.storage_key.is_not(None),
                        ExportJob.finished_at < now - EXPORT_TTL,
                    )
                    .limit(500)
                )
            )
            .scalars()
            .all()
        )
        for job in jobs:
            if storage is not None and job.storage_key:
                await storage.delete(job.storage_key)
            job.storage_key = None
            job.error = f"the file was deleted after {EXPORT_TTL.days} days; export again"
        await session.commit()
        return len(jobs)


#: A job still PENDING or RUNNING after this long was lost (a restart of the
#: in-process runner, a killed worker): it is marked FAILED so nobody waits forever.
STALE_AFTER = timedelta(hours=1)


async def fail_stale(sessions: Any, now: datetime) -> int:
    async with sessions() as session:
        result = await session.execute(
            update(ExportJob)
            .where(
                ExportJob.status.in_([JobStatus.PENDING.value, JobStatus.RUNNING.value]),
                ExportJob.created_at < now - STALE_AFTER,
            )
            .values(
                status=JobStatus.FAILED.value,
                finished_at=now,
                error="the export was interrupted (the server restarted); export again",
            )
        )
        await session.commit()
        return int(result.rowcount or 0)
