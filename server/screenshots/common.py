"""Pieces every screenshot module shares: key layout, states, timings, enqueue."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from server.db.base import utcnow
from server.db.models import Screenshot
from server.observability.logging import log
from server.runtime.state import AppState
from server.screenshots.imaging import EXTENSION, THUMB_TYPE
from server.screenshots.schemas import ScreenshotOut
from server.storage.base import Storage

#: Internal state of a presigned upload not confirmed yet; never on the wire.
UPLOADING = "UPLOADING"
#: How long after commit the sweep considers an enqueue lost.
ENQUEUE_GRACE = timedelta(minutes=3)
#: Attempts (each counted when a job starts) before a screenshot is FAILED.
MAX_ATTEMPTS = 5
#: Lifetime of presigned upload URLs and of signed read URLs.
UPLOAD_URL_TTL = 15 * 60
READ_URL_TTL = 5 * 60
PROCESS_JOB = "process_screenshot"


def object_key(org_id: uuid.UUID, user_id: uuid.UUID, shot_id: uuid.UUID, day: datetime,
               content_type: str) -> str:
    """screenshots/{org}/{user}/{yyyy}/{mm}/{dd}/{id}.{ext}; the day is the day of receipt
    (known before the form fields are), in UTC."""
    return (f"screenshots/{org_id}/{user_id}/{day:%Y/%m/%d}/{shot_id}."
            f"{EXTENSION[content_type]}")


def thumb_key(storage_key: str) -> str:
    return storage_key.rsplit(".", 1)[0] + ".thumb.jpg"


def thumb_type(key: str) -> str:
    """Thumbnails stored before they were JPEG are WebP; the key tells."""
    return "image/webp" if key.endswith(".webp") else THUMB_TYPE


def retry_delay(attempts: int) -> timedelta:
    """Backoff for the sweep: 1, 2, 4, 8 ... minutes, capped at an hour."""
    return timedelta(minutes=min(60, 2 ** max(attempts - 1, 0)))


def storage_of(app_state: AppState) -> Storage:
    storage = app_state.storage
    if storage is None:
        raise RuntimeError("no storage configured on the application state")
    return storage


async def enqueue_processing(app_state: AppState, shot_id: uuid.UUID) -> None:
    """Best effort: a lost enqueue is recovered by the sweep (next_attempt_at)."""
    if app_state.jobs is None:
        return
    try:
        await app_state.jobs.enqueue(PROCESS_JOB, job_id=str(shot_id),
                               screenshot_id=str(shot_id))
    except Exception as exc:  # the row is committed: never fail the upload for this
        log.warning("screenshot enqueue failed; the sweep will retry", id=str(shot_id),
                    error=str(exc))


def first_attempt_at() -> datetime:
    return utcnow() + ENQUEUE_GRACE


def to_out(shot: Screenshot) -> ScreenshotOut:
    return ScreenshotOut(
        id=str(shot.id), user_id=str(shot.user_id),
        time_entry_id=str(shot.time_entry_id) if shot.time_entry_id else None,
        captured_at=shot.captured_at, created_at=shot.created_at, status=shot.status,
        blur_level=shot.blur_level, content_type=shot.content_type, size_bytes=shot.size_bytes,
        sha256=shot.sha256, width=shot.width, height=shot.height, metadata=shot.meta or {},
        failure_reason=shot.failure_reason,
    )
