"""Asking for runs: run now (or dry run), CSV uploads, the run history, and the
scheduler that starts runs of integrations with an interval."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import IO, Any

import msgspec
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server import audit
from server.auth.principal import Principal
from server.core.errors import BadRequest, Conflict, NotFound, PayloadTooLarge, Unprocessable
from server.core.times import parse_date, parse_instant
from server.db.base import utcnow
from server.db.models import Integration, IntegrationRun
from server.db.scoped import get_in_org
from server.integrations.providers import CONNECTORS, is_file_format
from server.integrations.runs import ACTIVE
from server.integrations.schemas import Progress, RunAccepted, RunError, RunIn, RunList, RunOut
from server.integrations.service import IntegrationsContext, get_integration

JOB = "integrations.run"
CSV_FORMATS = {"toggl": "csv_toggl", "clockify": "csv_clockify", "generic": "csv_generic"}
UPLOAD_DIR = "imports"


def run_out(r: IntegrationRun) -> RunOut:
    return RunOut(
        id=str(r.id),
        integration_id=str(r.integration_id),
        status=r.status,
        direction=r.direction,
        dry_run=r.dry_run,
        trigger=r.trigger,
        counts={
            k: int((r.counts or {}).get(k, 0))
            for k in (
                "fetched",
                "created",
                "updated",
                "unchanged",
                "deleted",
                "skipped",
                "conflicts",
                "failed",
                "pushed",
                "removed",
            )
        },
        errors=[RunError(external_id=e["externalId"], detail=e["detail"]) for e in r.errors or []],
        progress=Progress(pages_done=r.pages_done, pages_total=r.pages_total),
        created_at=r.created_at.isoformat(),
        from_=r.range_from.isoformat() if r.range_from else None,
        to=r.range_to.isoformat() if r.range_to else None,
        detail=r.detail,
        started_at=r.started_at.isoformat() if r.started_at else None,
        finished_at=r.finished_at.isoformat() if r.finished_at else None,
    )


def _bound(value: str | None, field: str) -> datetime | None:
    if value is None or value == "":
        return None
    if len(value) == 10:
        day = parse_date(value, field)
        return datetime(day.year, day.month, day.day, tzinfo=UTC) if day else None
    return parse_instant(value, field)


async def _active_run(session: AsyncSession, integration_id: uuid.UUID) -> bool:
    row = (
        await session.execute(
            select(IntegrationRun.id).where(
                IntegrationRun.integration_id == integration_id,
                IntegrationRun.status.in_(ACTIVE),
            )
        )
    ).first()
    return row is not None


async def enqueue(ctx: IntegrationsContext, run: IntegrationRun) -> None:
    await ctx.jobs.enqueue(JOB, job_id=f"integration-run:{run.id}", run_id=str(run.id))


async def request_run(
    session: AsyncSession,
    principal: Principal,
    integration_id: uuid.UUID,
    data: RunIn,
    ctx: IntegrationsContext,
    ip: str | None = None,
) -> RunAccepted:
    integration = await get_integration(session, principal, integration_id)
    if is_file_format(integration.provider):
        raise BadRequest("a CSV integration runs by uploading a file (POST /api/v1/imports/csv)")
    two_way = CONNECTORS[integration.provider].two_way
    direction = data.direction or ("both" if two_way else "import")
    if direction != "import" and not two_way:
        raise Unprocessable(f"{integration.provider} is import-only: direction must be import")
    start, end = _bound(data.from_, "from"), _bound(data.to, "to")
    if start and end and end <= start:
        raise BadRequest("to must be after from")
    if await _active_run(session, integration.id):
        raise Conflict("a run of this integration is already queued or running")
    run = IntegrationRun(
        organization_id=principal.org_id,
        integration_id=integration.id,
        direction=direction,
        dry_run=data.dry_run,
        trigger="manual",
        range_from=start,
        range_to=end,
        requested_by=principal.user_id,
    )
    session.add(run)
    await session.flush()
    audit.record_by(
        session,
        principal,
        "integration.run_requested",
        target_type="integration",
        target_id=integration.id,
        ip=ip,
        run_id=str(run.id),
        dry_run=data.dry_run,
    )
    await session.commit()
    await enqueue(ctx, run)
    return RunAccepted(id=str(run.id), status=run.status)


async def list_runs(
    session: AsyncSession, principal: Principal, integration_id: uuid.UUID, limit: int = 50
) -> RunList:
    integration = await get_integration(session, principal, integration_id)
    rows = (
        await session.execute(
            select(IntegrationRun)
            .where(IntegrationRun.integration_id == integration.id)
            .order_by(IntegrationRun.created_at.desc(), IntegrationRun.id)
            .limit(max(1, min(limit, 200)))
        )
    ).scalars()
    return RunList(items=[run_out(r) for r in rows])


async def get_run(session: AsyncSession, principal: Principal, run_id: uuid.UUID) -> RunOut:
    principal.require_admin()
    return run_out(await get_in_org(session, IntegrationRun, run_id, principal.org_id, "run"))


def _json_field(raw: str | None, field: str) -> dict[str, Any]:
    if raw is None or not raw.strip():
        return {}
    try:
        value = msgspec.json.decode(raw)
    except msgspec.DecodeError:
        raise BadRequest(f"{field} must be a JSON object") from None
    if not isinstance(value, dict):
        raise BadRequest(f"{field} must be a JSON object")
    return value


async def upload_csv(
    session: AsyncSession,
    principal: Principal,
    ctx: IntegrationsContext,
    *,
    file: IO[bytes],
    fmt: str,
    mapping: str | None,
    options: str | None,
    dry_run: bool,
    integration_id: str | None,
    max_bytes: int,
    ip: str | None = None,
) -> RunAccepted:
    """Stores the upload (streamed, size-checked) and queues its run."""
    principal.require_admin()
    provider = CSV_FORMATS.get(fmt)
    if provider is None:
        raise BadRequest(f"format must be one of {', '.join(CSV_FORMATS)}")
    mapping_value, options_value = _json_field(mapping, "mapping"), _json_field(options, "options")
    if provider == "csv_generic" and not mapping_value:
        raise BadRequest("the generic format needs a mapping (JSON: column names per field)")
    integration: Integration | None
    if integration_id:
        try:
            integration = await get_integration(session, principal, uuid.UUID(integration_id))
        except ValueError:
            raise NotFound("integration") from None
        if integration.provider != provider:
            raise BadRequest(f"integration {integration_id} is not a {fmt} CSV integration")
    else:
        name = f"CSV import ({fmt})"
        integration = (
            await session.execute(
                select(Integration).where(
                    Integration.organization_id == principal.org_id, Integration.name == name
                )
            )
        ).scalar_one_or_none()
        if integration is None:
            integration = Integration(
                organization_id=principal.org_id,
                provider=provider,
                name=name,
                created_by=principal.user_id,
            )
            session.add(integration)
            await session.flush()
    if await _active_run(session, integration.id):
        raise Conflict("a run of this integration is already queued or running")
    run = IntegrationRun(
        id=uuid.uuid4(),
        organization_id=principal.org_id,
        integration_id=integration.id,
        dry_run=dry_run,
        trigger="upload",
        options={"mapping": mapping_value, "options": options_value},
        requested_by=principal.user_id,
    )
    target_dir = ctx.data_dir / UPLOAD_DIR
    target_dir.mkdir(parents=True, exist_ok=True)
    relative = f"{UPLOAD_DIR}/{run.id}.csv"
    target = ctx.data_dir / relative
    copied = 0
    with target.open("wb") as out:
        while chunk := file.read(1024 * 1024):
            copied += len(chunk)
            if copied > max_bytes:
                out.close()
                target.unlink(missing_ok=True)
                raise PayloadTooLarge(f"the file is larger than {max_bytes // (1024 * 1024)} MiB")
            out.write(chunk)
    if copied == 0:
        target.unlink(missing_ok=True)
        raise BadRequest("the file is empty")
    run.upload_path = relative
    session.add(run)
    audit.record_by(
        session,
        principal,
        "integration.run_requested",
        target_type="integration",
        target_id=integration.id,
        ip=ip,
        run_id=str(run.id),
        dry_run=dry_run,
        format=fmt,
        bytes=copied,
    )
    await session.commit()
    await enqueue(ctx, run)
    return RunAccepted(id=str(run.id), status=run.status)


LOST_QUEUED = timedelta(minutes=2)
STOPPED_GRACE = timedelta(minutes=10)


async def recover_runs(session: AsyncSession, ctx: IntegrationsContext) -> tuple[int, int]:
    """Runs a stopped process left behind: `running` past its time budget (plus a
    grace) → failed, so the integration can run again; `queued` for a while (an
    in-process queue lost on restart) → queued again (the job id makes a second
    enqueue of a live one a no-op). Returns (failed, re-queued)."""
    now = utcnow()
    rows = (
        await session.execute(
            select(IntegrationRun, Integration.settings)
            .join(Integration, Integration.id == IntegrationRun.integration_id)
            .where(IntegrationRun.status.in_(ACTIVE))
        )
    ).all()
    failed, again = 0, []
    for run, settings in rows:
        budget = timedelta(seconds=int((settings or {}).get("budgetSeconds") or 1800))
        if (
            run.status == "running"
            and run.started_at
            and run.started_at < now - budget - STOPPED_GRACE
        ):
            run.status, run.finished_at = "failed", now
            run.detail = "interrupted: the process running it stopped; run it again"
            failed += 1
        elif run.status == "queued" and run.created_at < now - LOST_QUEUED:
            again.append(run)
    await session.commit()
    for run in again:
        await enqueue(ctx, run)
    return failed, len(again)


async def start_due_runs(session: AsyncSession, ctx: IntegrationsContext) -> int:
    """Queues a run for every integration whose interval has come round."""
    now = utcnow()
    due = (
        await session.execute(
            select(Integration).where(
                Integration.interval_minutes.is_not(None),
                (Integration.next_run_at.is_(None)) | (Integration.next_run_at <= now),
            )
        )
    ).scalars()
    queued: list[IntegrationRun] = []
    for integration in due:
        if is_file_format(integration.provider) or integration.interval_minutes is None:
            continue
        integration.next_run_at = now + timedelta(minutes=integration.interval_minutes)
        if await _active_run(session, integration.id):
            continue
        run = IntegrationRun(
            id=uuid.uuid4(),
            organization_id=integration.organization_id,
            integration_id=integration.id,
            trigger="schedule",
            direction="both" if CONNECTORS[integration.provider].two_way else "import",
        )
        session.add(run)
        queued.append(run)
    await session.commit()
    for run in queued:
        await enqueue(ctx, run)
    return len(queued)
