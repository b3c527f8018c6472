"""Periodic care of data-rights jobs.

- A data export's zip is deleted at `expiresAt`; the row stays, without a link.
- An erase or re-blur that a restart interrupted is enqueued again (both are
  resumable); an erase must always finish.
- A data export lost the same way is marked FAILED (ask again).
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from server.db.base import utcnow
from server.db.models import RightsJob
from server.observability.logging import log
from server.rights.service import ERASE, EXPORT, REBLUR, start
from server.runtime.state import AppState
from shared.enums import JobStatus

RESUME_AFTER = timedelta(minutes=10)
UNFINISHED = (JobStatus.PENDING.value, JobStatus.RUNNING.value)


async def tend(app_state: AppState) -> dict[str, int]:
    now = utcnow()
    async with app_state.sessions() as session:
        expired = list(
            (
                await session.execute(
                    select(RightsJob)
                    .where(
                        RightsJob.kind == EXPORT,
                        RightsJob.storage_key.is_not(None),
                        RightsJob.expires_at < now,
                    )
                    .limit(500)
                )
            ).scalars()
        )
        for job in expired:
            assert job.storage_key is not None
            if app_state.storage is not None:
                await app_state.storage.delete(job.storage_key)
            job.storage_key = None
            job.error = "the file was deleted when its link expired; export again"
        lost = await session.execute(
            update(RightsJob)
            .where(
                RightsJob.kind == EXPORT,
                RightsJob.status.in_(UNFINISHED),
                RightsJob.created_at < now - timedelta(hours=1),
            )
            .values(
                status=JobStatus.FAILED.value,
                finished_at=now,
                error="the export was interrupted (the server restarted); export again",
            )
        )
        stuck = list(
            (
                await session.execute(
                    select(RightsJob).where(
                        RightsJob.kind.in_([ERASE, REBLUR]),
                        RightsJob.status.in_(UNFINISHED),
                        RightsJob.created_at < now - RESUME_AFTER,
                    )
                )
            ).scalars()
        )
        await session.commit()
    for job in stuck:
        await start(app_state, job)
    if expired or stuck:
        log.info("data-rights jobs tended", expired=len(expired), resumed=len(stuck))
    failed = int(lost.rowcount or 0)  # type: ignore[attr-defined]
    return {"expired": len(expired), "failed": failed, "resumed": len(stuck)}
