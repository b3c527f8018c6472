"""Re-blur: the organization's raised blur level applied to screenshots already
stored. Each READY screenshot below the level is read, blurred (on top of any
blur it had), and written over its own key with a new thumbnail; the row then
records the new level. An S3 PUT and a local rename replace the object whole,
so the sharp bytes are no longer retrievable (with S3 bucket versioning off,
as docs/privacy.md asks). Resumable: a re-run picks up what is still below.
"""

from __future__ import annotations

import asyncio
import uuid

from sqlalchemy import select, update

from server.db.base import utcnow
from server.db.models import RightsJob, Screenshot
from server.observability.logging import log
from server.runtime.state import AppState
from server.screenshots import imaging, processing
from server.screenshots.common import storage_of, thumb_key
from shared.enums import JobStatus, ScreenshotStatus

BATCH = 50


async def _one(app_state: AppState, shot: Screenshot, level: int) -> bool:
    storage = storage_of(app_state)
    try:
        data = await storage.get_bytes(shot.storage_key)
        result = await asyncio.to_thread(imaging.process, data, shot.content_type, level)
    except Exception as exc:  # unreadable: it cannot be shown sharp either; drop it
        log.warning("re-blur: screenshot unreadable, deleted", id=str(shot.id), error=str(exc))
        await processing.purge(app_state, [shot])
        return False
    assert result.full is not None  # level > 0
    # A thumbnail made when they were WebP is replaced by a JPEG at the new key.
    thumb, old_thumb = thumb_key(shot.storage_key), shot.thumbnail_key
    await storage.put_bytes(shot.storage_key, result.full, shot.content_type)
    await storage.put_bytes(thumb, result.thumb, imaging.THUMB_TYPE)
    async with app_state.sessions() as session:
        result_row = await session.execute(
            update(Screenshot)
            .where(Screenshot.id == shot.id, Screenshot.deleted_at.is_(None))
            .values(blur_level=level, size_bytes=len(result.full), thumbnail_key=thumb)
        )
        await session.commit()
    if not result_row.rowcount:  # type: ignore[attr-defined]
        # Deleted while we worked: the delete removed the objects before we wrote ours.
        for key in (shot.storage_key, thumb):
            await storage.delete(key)
        return False
    if old_thumb and old_thumb != thumb:
        await storage.delete(old_thumb)
    return True


async def run_reblur(app_state: AppState, job_id: uuid.UUID) -> None:
    async with app_state.sessions() as session:
        job = await session.get(RightsJob, job_id)
        if job is None or job.status == JobStatus.DONE.value:
            return
        job.status = JobStatus.RUNNING.value
        await session.commit()
        org_id, level, done = job.organization_id, int(job.params["blurLevel"]), job.done
    last = uuid.UUID(int=0)
    try:
        while True:
            async with app_state.sessions() as session:
                shots = list(
                    (
                        await session.execute(
                            select(Screenshot)
                            .where(
                                Screenshot.organization_id == org_id,
                                Screenshot.status == ScreenshotStatus.READY.value,
                                Screenshot.deleted_at.is_(None),
                                Screenshot.blur_level < level,
                                Screenshot.id > last,
                            )
                            .order_by(Screenshot.id)
                            .limit(BATCH)
                        )
                    ).scalars()
                )
            for shot in shots:
                await _one(app_state, shot, level)
                done += 1
            async with app_state.sessions() as session:
                await session.execute(
                    update(RightsJob).where(RightsJob.id == job_id).values(done=done)
                )
                await session.commit()
            if len(shots) < BATCH:
                break
            last = shots[-1].id
        values = {
            "status": JobStatus.DONE.value,
            "finished_at": utcnow(),
            "error": None,
            "total": done,
        }
    except Exception as exc:
        log.error("re-blur failed", job_id=str(job_id), exc_info=exc)
        values = {
            "status": JobStatus.FAILED.value,
            "finished_at": utcnow(),
            "error": f"re-blur failed: {exc}"[:500],
        }
    async with app_state.sessions() as session:
        await session.execute(update(RightsJob).where(RightsJob.id == job_id).values(**values))
        await session.commit()
