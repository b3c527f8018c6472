"""Erasing a person: every row and stored object of theirs goes; the audit
trail keeps what happened under a pseudonym.

Order (each step idempotent, so a crashed run is finished by the next):
1. screenshots: objects then rows (the screenshot purge), then anything left
   under their storage prefix (orphans of interrupted uploads);
2. stored files: their data exports, the organization's timesheet exports
   (those list people by name; they are regenerable) and, without SMTP, the
   mail files written for them to the data dir (invitations, resets);
3. the audit trail: events they did lose the actor link and the IP, events
   about them name the pseudonym instead of the id, and any id, email or name
   inside an event's detail is replaced by the pseudonym;
4. an integration's mapping of an external account to them (no foreign key:
   found by its shape, `kind` user with their id in `target_id`, or their
   email); then every table row that names them (found from the models:
   foreign keys to users and user_id columns) in batches: deleted when the
   row is theirs, the reference cleared when the row is the organization's
   (a task's assignee);
5. the user row; then `member.erased` is recorded under the pseudonym.
"""

from __future__ import annotations

import asyncio
import uuid
from email.parser import BytesHeaderParser
from email.utils import getaddresses
from typing import Any

from sqlalchemy import String, Table, cast, delete, func, or_, select, tuple_, update

from server import audit
from server.core.times import LATEST
from server.db.base import Base, utcnow
from server.db.models import AuditLog, ExportJob, RightsJob, Screenshot, User
from server.observability.logging import log
from server.rights.retention import purge_range
from server.rights.tables import UserColumn, user_columns
from server.runtime.state import AppState
from server.screenshots import processing
from server.screenshots.common import storage_of
from shared.enums import JobStatus

BATCH = 2000
SHOT_BATCH = 200


def _scrub(value: Any, needles: list[str], person_name: str, name: str) -> Any:
    """`value` with every id or email of the person, and their name as a whole
    value, replaced by the pseudonym."""
    if isinstance(value, str):
        if person_name and value == person_name:
            return name
        for needle in needles:
            value = value.replace(needle, name)
        return value
    if isinstance(value, dict):
        return {k: _scrub(v, needles, person_name, name) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub(v, needles, person_name, name) for v in value]
    return value


async def _screenshots(app_state: AppState, org_id: uuid.UUID, user_id: uuid.UUID) -> int:
    removed = 0
    while True:
        async with app_state.sessions() as session:
            batch = list(
                (
                    await session.execute(
                        select(Screenshot).where(Screenshot.user_id == user_id).limit(SHOT_BATCH)
                    )
                ).scalars()
            )
        removed += await processing.purge(app_state, batch)
        if len(batch) < SHOT_BATCH:
            break
    await storage_of(app_state).delete_prefix(f"screenshots/{org_id}/{user_id}/")
    return removed


async def _files(app_state: AppState, org_id: uuid.UUID, user_id: uuid.UUID) -> None:
    storage = storage_of(app_state)
    async with app_state.sessions() as session:
        exports = list(
            (
                await session.execute(
                    select(RightsJob).where(
                        RightsJob.subject_id == user_id, RightsJob.storage_key.is_not(None)
                    )
                )
            ).scalars()
        )
        sheets = list(
            (
                await session.execute(
                    select(ExportJob).where(
                        ExportJob.organization_id == org_id, ExportJob.storage_key.is_not(None)
                    )
                )
            ).scalars()
        )
        for export in exports:
            assert export.storage_key is not None
            await storage.delete(export.storage_key)
            export.storage_key = None
        for sheet in sheets:
            assert sheet.storage_key is not None
            await storage.delete(sheet.storage_key)
            sheet.storage_key = None
            sheet.error = "the file was deleted when a person's data was erased; export again"
        await session.commit()


async def _audit(
    app_state: AppState, org_id: uuid.UUID, user: User | None, user_id: uuid.UUID, name: str
) -> None:
    needles = [str(user_id), user_id.hex]
    if user is not None:
        needles.append(user.email)
    person_name = user.name if user is not None else ""
    async with app_state.sessions() as session:
        await session.execute(
            update(AuditLog)
            .where(AuditLog.organization_id == org_id, AuditLog.actor_user_id == user_id)
            .values(actor_user_id=None, ip=None)
        )
        await session.execute(
            update(AuditLog)
            .where(AuditLog.organization_id == org_id, AuditLog.target_id == str(user_id))
            .values(target_id=name)
        )
        await session.commit()
    text = cast(AuditLog.detail, String)
    last = uuid.UUID(int=0)
    while True:
        async with app_state.sessions() as session:
            rows = list(
                (
                    await session.execute(
                        select(AuditLog)
                        .where(
                            AuditLog.organization_id == org_id,
                            AuditLog.id > last,
                            or_(
                                *(text.contains(n) for n in needles),
                                *([text.contains(person_name)] if person_name else []),
                            ),
                        )
                        .order_by(AuditLog.id)
                        .limit(BATCH)
                    )
                ).scalars()
            )
            for row in rows:
                row.detail = _scrub(row.detail or {}, needles, person_name, name)
            await session.commit()
        if len(rows) < BATCH:
            return
        last = rows[-1].id


def _mail_files(app_state: AppState, email: str) -> int:
    """Mail the server wrote to its data dir instead of sending (no SMTP):
    invitations and resets addressed to the person."""
    folder = app_state.settings.mail.outbox_dir
    if folder is None or not folder.is_dir():
        return 0
    removed = 0
    for path in folder.glob("*.eml"):
        with open(path, "rb") as fh:
            headers = BytesHeaderParser().parse(fh)
        to = {addr.lower() for _, addr in getaddresses(headers.get_all("To", []))}
        if email.lower() in to:
            path.unlink(missing_ok=True)
            removed += 1
    return removed


async def _mappings(app_state: AppState, user: User | None, user_id: uuid.UUID) -> int:
    """Rows that name a person without a foreign key: an integration's mapping of
    an external account to them (`kind` user, `target_id`), or one carrying their
    email. Found by shape, so any such table is covered."""
    removed = 0
    for table in Base.metadata.sorted_tables:
        if not {"kind", "target_id"} <= set(table.c.keys()):
            continue
        who = table.c.target_id == user_id
        if user is not None and "external_email" in table.c:
            who = or_(who, func.lower(table.c.external_email) == user.email.lower())
        async with app_state.sessions() as session:
            result = await session.execute(delete(table).where(table.c.kind == "user", who))
            await session.commit()
        removed += int(result.rowcount or 0)  # type: ignore[attr-defined]
    return removed


async def _rows(app_state: AppState, ref: UserColumn, user_id: uuid.UUID) -> int:
    table: Table = ref.table
    column = table.c[ref.column.name]
    if ref.mode == "null":
        async with app_state.sessions() as session:
            result = await session.execute(
                update(table).where(column == user_id).values({column.name: None})
            )
            await session.commit()
            return int(result.rowcount or 0)  # type: ignore[attr-defined]
    if column.name == "user_id":
        for time_col in ("minute", "slot"):  # per-minute tables: index range batches
            if time_col in table.c:
                return await purge_range(app_state, table, time_col, user_id, LATEST, BATCH)
    keys = list(table.primary_key.columns)
    removed = 0
    while True:
        async with app_state.sessions() as session:
            batch = list(
                (await session.execute(select(*keys).where(column == user_id).limit(BATCH))).all()
            )
            if batch:
                if len(keys) == 1:
                    cond = keys[0].in_([r[0] for r in batch])
                else:
                    cond = tuple_(*keys).in_([tuple(r) for r in batch])
                await session.execute(delete(table).where(cond))
                await session.commit()
        removed += len(batch)
        if len(batch) < BATCH:
            return removed


async def _count(app_state: AppState, user_id: uuid.UUID) -> int:
    total = 0
    async with app_state.sessions() as session:
        for ref in user_columns():
            column = ref.table.c[ref.column.name]
            total += int(
                (
                    await session.execute(
                        select(func.count()).select_from(ref.table).where(column == user_id)
                    )
                ).scalar_one()
            )
    return total


async def run_erase(app_state: AppState, job_id: uuid.UUID) -> None:
    async with app_state.sessions() as session:
        job = await session.get(RightsJob, job_id)
        if job is None or job.status == JobStatus.DONE.value or "userId" not in job.params:
            return
        user_id, name = uuid.UUID(job.params["userId"]), str(job.params["pseudonym"])
        org_id, actor, role = job.organization_id, job.requested_by, job.params.get("role")
        user = await session.get(User, user_id)
        if user is not None and user.organization_id != org_id:
            raise RuntimeError("erase job and person belong to different organizations")
        job.status = JobStatus.RUNNING.value
        if not job.total:
            job.total = await _count(app_state, user_id) + 1
        await session.commit()
        total = job.total
    done = await _screenshots(app_state, org_id, user_id)
    await _files(app_state, org_id, user_id)
    if user is not None:
        await asyncio.to_thread(_mail_files, app_state, user.email)
    await _audit(app_state, org_id, user, user_id, name)
    done += await _mappings(app_state, user, user_id)
    for ref in user_columns():
        done += await _rows(app_state, ref, user_id)
        async with app_state.sessions() as session:
            await session.execute(
                update(RightsJob).where(RightsJob.id == job_id).values(done=min(done, total))
            )
            await session.commit()
    async with app_state.sessions() as session:
        await session.execute(delete(User).where(User.id == user_id))
        if actor == user_id:
            actor = None
        audit.record(
            session,
            "member.erased",
            organization_id=org_id,
            actor_id=actor,
            target_type="user",
            target_id=name,
            pseudonym=name,
            role=role,
        )
        await session.execute(
            update(RightsJob)
            .where(RightsJob.id == job_id)
            .values(
                status=JobStatus.DONE.value,
                done=total,
                finished_at=utcnow(),
                error=None,
                params={"pseudonym": name},
                requested_by=actor,
            )
        )
        await session.commit()
    log.info("person erased", pseudonym=name, org=str(org_id))
