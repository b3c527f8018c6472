"""Job bodies: process one screenshot, sweep stuck ones, purge by retention.

`process` is idempotent and safe to run twice: it only acts on PENDING rows,
counts an attempt before doing any work (so an image that kills its worker
cannot crash-loop forever), writes the thumbnail and the blurred image over
the original (an S3 PUT and a local rename are atomic), then marks the row
READY with a conditional UPDATE. A broken image is FAILED with a reason at
once; a transient failure (storage, database) leaves the row PENDING with a
later `next_attempt_at`, which the sweep honours, until MAX_ATTEMPTS.
"""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from datetime import datetime, timedelta

from sqlalchemy import and_, delete, or_, select, update

from server.db.base import utcnow
from server.db.models import Organization, Screenshot
from server.observability.logging import log
from server.runtime.state import AppState
from server.screenshots import imaging
from server.screenshots.common import (
    ENQUEUE_GRACE,
    MAX_ATTEMPTS,
    UPLOADING,
    enqueue_processing,
    retry_delay,
    storage_of,
    thumb_key,
)
from shared.enums import ScreenshotStatus

PENDING = ScreenshotStatus.PENDING.value
SWEEP_BATCH = 200
PURGE_BATCH = 500


async def _claim_attempt(app_state: AppState, shot_id: uuid.UUID) -> Screenshot | None:
    """Counts an attempt on a PENDING row; None when there is nothing to do."""
    async with app_state.sessions() as session:
        shot = (await session.execute(
            update(Screenshot)
            .where(Screenshot.id == shot_id, Screenshot.status == PENDING,
                   Screenshot.deleted_at.is_(None))
            .values(attempts=Screenshot.attempts + 1,
                    # if this run dies, the sweep retries after the backoff
                    next_attempt_at=utcnow() + ENQUEUE_GRACE)
            .returning(Screenshot)
            .execution_options(synchronize_session=False)
        )).scalar_one_or_none()
        await session.commit()
        return shot


async def _fail(app_state: AppState, shot: Screenshot, reason: str) -> None:
    async with app_state.sessions() as session:
        await session.execute(
            update(Screenshot).where(Screenshot.id == shot.id, Screenshot.status == PENDING)
            .values(status=ScreenshotStatus.FAILED.value, failure_reason=reason[:1000],
                    next_attempt_at=None)
        )
        await session.commit()
    log.warning("screenshot failed", id=str(shot.id), reason=reason)
    if shot.blur_level > 0:
        # Policy says blur, and we could not: do not keep the sharp pixels.
        try:
            await storage_of(app_state).delete(shot.storage_key)
        except Exception as exc:
            log.error("could not delete the unblurred original of a failed screenshot",
                      id=str(shot.id), error=str(exc))


async def process(app_state: AppState, shot_id: uuid.UUID) -> str | None:
    """Runs one attempt; returns the resulting status (None: nothing to do)."""
    shot = await _claim_attempt(app_state, shot_id)
    if shot is None:
        return None
    if shot.attempts > MAX_ATTEMPTS:
        await _fail(app_state, shot, f"gave up after {MAX_ATTEMPTS} attempts")
        return ScreenshotStatus.FAILED.value
    storage = storage_of(app_state)
    try:
        data = await storage.get_bytes(shot.storage_key)
    except Exception as exc:
        return await _transient(app_state, shot, f"cannot read the object: {exc}")
    try:
        result = await asyncio.to_thread(imaging.process, data, shot.content_type,
                                         shot.blur_level)
    except imaging.InvalidImage as exc:
        await _fail(app_state, shot, str(exc))
        return ScreenshotStatus.FAILED.value
    sha256 = shot.sha256 or hashlib.sha256(data).hexdigest()
    del data
    thumb = thumb_key(shot.storage_key)
    writes = [storage.put_bytes(thumb, result.thumb, imaging.THUMB_TYPE)]
    if result.full is not None:
        writes.append(storage.put_bytes(shot.storage_key, result.full, shot.content_type))
    try:
        await asyncio.gather(*writes)
    except Exception as exc:
        return await _transient(app_state, shot, f"cannot write the processed image: {exc}")
    size = len(result.full) if result.full is not None else shot.size_bytes
    async with app_state.sessions() as session:
        done = await session.execute(
            update(Screenshot).where(Screenshot.id == shot.id, Screenshot.status == PENDING,
                                     Screenshot.deleted_at.is_(None))
            .values(status=ScreenshotStatus.READY.value, width=result.width,
                    height=result.height, thumbnail_key=thumb, size_bytes=size, sha256=sha256,
                    failure_reason=None, next_attempt_at=None)
        )
        await session.commit()
    if not done.rowcount:  # type: ignore[attr-defined]
        # Deleted while we worked: the delete removed the objects before we
        # wrote ours, so remove what we just wrote.
        for key in (thumb, shot.storage_key):
            await storage.delete(key)
        return None
    return ScreenshotStatus.READY.value


async def _transient(app_state: AppState, shot: Screenshot, reason: str) -> str:
    if shot.attempts >= MAX_ATTEMPTS:
        await _fail(app_state, shot, f"gave up after {shot.attempts} attempts: {reason}")
        return ScreenshotStatus.FAILED.value
    async with app_state.sessions() as session:
        await session.execute(
            update(Screenshot).where(Screenshot.id == shot.id, Screenshot.status == PENDING)
            .values(failure_reason=reason[:1000],
                    next_attempt_at=utcnow() + retry_delay(shot.attempts))
        )
        await session.commit()
    log.warning("screenshot processing will be retried", id=str(shot.id), reason=reason,
                attempts=shot.attempts)
    return PENDING


# --- deletion, shared by the API, the sweep and retention ---------------------------


async def purge(app_state: AppState, shots: list[Screenshot]) -> int:
    """Removes objects, then rows. Rows are marked first, so a crash in between
    is finished by the sweep instead of leaving objects without rows."""
    if not shots:
        return 0
    ids = [s.id for s in shots]
    async with app_state.sessions() as session:
        await session.execute(update(Screenshot).where(Screenshot.id.in_(ids))
                              .values(deleted_at=utcnow()))
        await session.commit()
    storage = storage_of(app_state)
    for shot in shots:
        await storage.delete(shot.storage_key)
        await storage.delete(shot.thumbnail_key or thumb_key(shot.storage_key))
    async with app_state.sessions() as session:
        await session.execute(delete(Screenshot).where(Screenshot.id.in_(ids)))
        await session.commit()
    return len(ids)


# --- periodic -----------------------------------------------------------------------


async def sweep(app_state: AppState) -> dict[str, int]:
    """Re-enqueues due PENDING rows, drops abandoned presigned uploads, finishes
    interrupted deletes."""
    now = utcnow()
    async with app_state.sessions() as session:
        due = list((await session.execute(
            select(Screenshot.id).where(
                Screenshot.status == PENDING, Screenshot.deleted_at.is_(None),
                or_(Screenshot.next_attempt_at <= now,
                    and_(Screenshot.next_attempt_at.is_(None),
                         Screenshot.created_at <= now - ENQUEUE_GRACE)),
            ).order_by(Screenshot.next_attempt_at).limit(SWEEP_BATCH)
        )).scalars())
        stale = list((await session.execute(
            select(Screenshot).where(or_(
                and_(Screenshot.status == UPLOADING, Screenshot.next_attempt_at <= now),
                Screenshot.deleted_at <= now - timedelta(minutes=1),
            )).limit(SWEEP_BATCH)
        )).scalars())
    for shot_id in due:
        await enqueue_processing(app_state, shot_id)
    removed = await purge(app_state, stale)
    storage = storage_of(app_state)
    sweep_incoming = getattr(storage, "sweep_incoming", None)
    if sweep_incoming is not None:
        await sweep_incoming()
    if due or removed:
        log.info("screenshot sweep", requeued=len(due), removed=removed)
    return {"requeued": len(due), "removed": removed}


async def retention_of(app_state: AppState, org_id: uuid.UUID, cutoff: datetime) -> int:
    """Deletes one organization's screenshots captured before `cutoff`, in batches."""
    total = 0
    while True:
        async with app_state.sessions() as session:
            batch = list((await session.execute(
                select(Screenshot).where(Screenshot.organization_id == org_id,
                                         Screenshot.captured_at < cutoff)
                .order_by(Screenshot.captured_at).limit(PURGE_BATCH)
            )).scalars())
        total += await purge(app_state, batch)
        if len(batch) < PURGE_BATCH:
            return total


async def retention(app_state: AppState) -> int:
    """Deletes screenshots captured before each organization's retention window."""
    now = utcnow()
    total = 0
    async with app_state.sessions() as session:
        orgs = list((await session.execute(
            select(Organization.id, Organization.retention_days))).all())
    for org_id, days in orgs:
        total += await retention_of(app_state, org_id, now - timedelta(days=days))
    if total:
        log.info("screenshot retention purge", removed=total)
    return total
