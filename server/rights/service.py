"""Requests and status of data-rights jobs: who may ask for what, and the
signed download link of a data export. The work itself runs as jobs
(`export`, `erase`, `reblur`)."""

from __future__ import annotations

import secrets
import time
import uuid
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from server import audit
from server.auth.principal import Principal
from server.core.errors import BadRequest, Conflict, Forbidden, NotFound
from server.core.ids import path_uuid
from server.db.base import utcnow
from server.db.models import Organization, RefreshToken, RightsJob, Screenshot, User
from server.db.scoped import get_in_org
from server.rights.schemas import RightsJobOut
from server.runtime.state import AppState
from server.screenshots import signing
from server.screenshots.common import UPLOADING
from server.teams.service import can_see_user
from shared.enums import JobStatus, Role, ScreenshotStatus

EXPORT, ERASE, REBLUR = "data_export", "erase", "reblur"
JOB_OF_KIND = {EXPORT: "rights_data_export", ERASE: "rights_erase", REBLUR: "rights_reblur"}
#: A data export's zip is deleted this long after it is ready (it is personal data).
EXPORT_FILE_TTL = timedelta(hours=48)
#: A download link is valid this long; the status answer gives a fresh one.
LINK_TTL = 15 * 60
LINK_SCOPE = "data-export"


async def start(app_state: AppState, job: RightsJob) -> None:
    """Hands the job to the queue; a second start of a queued job is a no-op."""
    await app_state.jobs.enqueue(
        JOB_OF_KIND[job.kind], job_id=f"rights-{job.id}", rights_job_id=str(job.id)
    )


def pseudonym() -> str:
    """A random name for an erased person in the audit trail. Random, not
    derived from anything about them: no key, table or backup maps it back."""
    return f"erased-{secrets.token_hex(8)}"


def _iso(at: datetime | None) -> str | None:
    return at.isoformat().replace("+00:00", "Z") if at else None


async def _subject(session: AsyncSession, principal: Principal, user_id: uuid.UUID) -> User:
    if not await can_see_user(session, principal, user_id):
        raise NotFound("member")
    return await get_in_org(session, User, user_id, principal.org_id, "member")


async def _new_job(session: AsyncSession, job: RightsJob) -> RightsJob:
    session.add(job)
    await session.flush()
    return job


async def request_data_export(
    session: AsyncSession, principal: Principal, user_id: uuid.UUID, ip: str
) -> RightsJob:
    """The person themselves, or an ADMIN/OWNER for anyone of the organization."""
    user = await _subject(session, principal, user_id)
    if user.id != principal.user_id and not principal.is_admin:
        raise Forbidden("only the person themselves or an ADMIN/OWNER may export their data")
    job = await _new_job(
        session,
        RightsJob(
            organization_id=principal.org_id,
            kind=EXPORT,
            requested_by=principal.user_id,
            subject_id=user.id,
            params={},
        ),
    )
    audit.record_by(
        session,
        principal,
        "member.data_exported",
        target_type="user",
        target_id=user.id,
        ip=ip,
        job=str(job.id),
    )
    await session.commit()
    return job


async def _active_owners(session: AsyncSession, org_id: uuid.UUID) -> int:
    return int(
        (
            await session.execute(
                select(func.count()).where(
                    User.organization_id == org_id,
                    User.role == Role.OWNER.value,
                    User.active.is_(True),
                )
            )
        ).scalar_one()
    )


async def request_erase(
    session: AsyncSession, principal: Principal, user_id: uuid.UUID, confirm_email: str, ip: str
) -> RightsJob:
    """OWNER/ADMIN; the typed email must match. The person is signed out and
    deactivated at once; the job then removes every row and object of theirs."""
    principal.require_admin()
    user = await get_in_org(session, User, user_id, principal.org_id, "member")
    if (confirm_email or "").strip().lower() != user.email.lower():
        raise BadRequest("confirmEmail does not match this person's email; nothing was erased")
    if user.role == Role.OWNER.value:
        if principal.role != Role.OWNER.value:
            raise Forbidden("only an OWNER can erase an OWNER")
        if user.active and await _active_owners(session, principal.org_id) <= 1:
            raise Conflict(
                "this person is the organization's last OWNER; make someone else OWNER "
                "before erasing them"
            )
    running = (
        await session.execute(
            select(RightsJob).where(
                RightsJob.organization_id == principal.org_id,
                RightsJob.kind == ERASE,
                RightsJob.status.in_([JobStatus.PENDING.value, JobStatus.RUNNING.value]),
            )
        )
    ).scalars()
    for other in running:
        if other.params.get("userId") == str(user.id):
            return other  # asked twice: the same job
    name = pseudonym()
    user.active = False
    await session.execute(
        update(RefreshToken)
        .where(RefreshToken.user_id == user.id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    job = await _new_job(
        session,
        RightsJob(
            organization_id=principal.org_id,
            kind=ERASE,
            requested_by=principal.user_id,
            params={"userId": str(user.id), "pseudonym": name, "role": user.role},
        ),
    )
    # Never the id, name or email: only the pseudonym stays in the trail.
    audit.record_by(
        session,
        principal,
        "member.erase_requested",
        target_type="user",
        target_id=name,
        ip=ip,
        job=str(job.id),
    )
    await session.commit()
    return job


async def request_reblur(session: AsyncSession, principal: Principal, ip: str) -> RightsJob:
    """Applies the organization's current blur level to stored screenshots below it."""
    principal.require_admin()
    org = await session.get(Organization, principal.org_id)
    assert org is not None
    if org.blur_level <= 0:
        raise BadRequest("the blur level is 0; raise it in the policy first")
    below = int(
        (
            await session.execute(
                select(func.count()).where(
                    Screenshot.organization_id == org.id,
                    Screenshot.status == ScreenshotStatus.READY.value,
                    Screenshot.deleted_at.is_(None),
                    Screenshot.blur_level < org.blur_level,
                )
            )
        ).scalar_one()
    )
    # Not processed yet: they get the new level when they are (no job needed).
    await session.execute(
        update(Screenshot)
        .where(
            Screenshot.organization_id == org.id,
            Screenshot.status.in_([ScreenshotStatus.PENDING.value, UPLOADING]),
            Screenshot.blur_level < org.blur_level,
        )
        .values(blur_level=org.blur_level)
    )
    job = await _new_job(
        session,
        RightsJob(
            organization_id=org.id,
            kind=REBLUR,
            requested_by=principal.user_id,
            params={"blurLevel": org.blur_level},
            total=below,
        ),
    )
    audit.record_by(
        session,
        principal,
        "screenshots.reblur_requested",
        target_type="organization",
        target_id=org.id,
        ip=ip,
        blurLevel=org.blur_level,
        screenshots=below,
        job=str(job.id),
    )
    await session.commit()
    return job


async def get_job(session: AsyncSession, principal: Principal, job_id: str) -> RightsJob:
    """Its requester, the person a data export is about, or an ADMIN/OWNER."""
    job = (
        await session.execute(
            select(RightsJob).where(
                RightsJob.id == path_uuid(job_id, "job"),
                RightsJob.organization_id == principal.org_id,
            )
        )
    ).scalar_one_or_none()
    if job is None or not (
        principal.is_admin or principal.user_id in (job.requested_by, job.subject_id)
    ):
        raise NotFound("job")
    return job


async def own_exports(session: AsyncSession, principal: Principal) -> list[RightsJob]:
    """The signed-in person's data exports, newest first (the last ten)."""
    return list(
        (
            await session.execute(
                select(RightsJob)
                .where(
                    RightsJob.organization_id == principal.org_id,
                    RightsJob.kind == EXPORT,
                    RightsJob.subject_id == principal.user_id,
                )
                .order_by(RightsJob.created_at.desc())
                .limit(10)
            )
        ).scalars()
    )


def download_query(secret: str, job: RightsJob) -> str | None:
    """`exp=..&sig=..` for a ready export, capped at the file's own expiry."""
    if job.kind != EXPORT or job.status != JobStatus.DONE.value or not job.storage_key:
        return None
    exp = int(time.time()) + LINK_TTL
    if job.expires_at is not None:
        exp = min(exp, int(job.expires_at.timestamp()))
    return signing.query_until(secret, "GET", str(job.id), LINK_SCOPE, exp)


async def signed_export(
    session: AsyncSession, secret: str, job_id: str, exp: str | None, sig: str | None
) -> RightsJob:
    """The export a signed link names; the signature is checked before any lookup."""
    signing.verify(secret, "GET", job_id, LINK_SCOPE, exp, sig)
    job = await session.get(RightsJob, path_uuid(job_id, "job"))
    if job is None or job.kind != EXPORT or not job.storage_key:
        raise NotFound("export file")
    return job


def job_out(job: RightsJob, download_url: str | None) -> RightsJobOut:
    return RightsJobOut(
        id=str(job.id),
        kind=job.kind,
        status=job.status,
        done=job.done,
        total=job.total,
        download_url=download_url,
        expires_at=_iso(job.expires_at),
        error=job.error,
        created_at=_iso(job.created_at) or "",
        finished_at=_iso(job.finished_at),
    )
