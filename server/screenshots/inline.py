"""The thumbnail made while the upload request still holds the bytes.

A streamed upload of an image that needs no blur would otherwise go to a job
that reads the object back from storage, decodes it, writes the thumbnail and
updates the row in two more transactions. The upload request has the bytes in
memory already (up to INLINE_MAX_BYTES), so it makes the thumbnail itself —
a reduced-scale decode and a JPEG encode, ~5 ms of CPU in a thread — and the
row is committed READY. Per screenshot that saves the job's storage GET, its
queue round trip and its two row updates (bench/endpoint_cpu.py: the stack's
CPU per upload, docs/benchmarks.md).

Anything unusual goes the job's way, as before: a blur level above 0 (the
original must be replaced, ~150 ms of blur), bytes over the limit, an image
that does not decode (the job marks it FAILED with the reason), a storage
error on the thumbnail (the job retries), or `SCREENSHOT_INLINE_THUMBNAILS`
off (API replicas kept free of image work).
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from server.observability.logging import log
from server.screenshots import imaging
from server.screenshots.common import thumb_key
from server.storage.base import Storage

#: Bytes kept in memory for the inline thumbnail; a screenshot is ~100 to 400 KB.
INLINE_MAX_BYTES = 2 * 1024 * 1024
#: Two decodes at once per process (the rest queue): bounds the memory a burst
#: of large PNGs can take; a thread pool, not a semaphore, so it is bound to no loop.
_DECODES = ThreadPoolExecutor(max_workers=2, thread_name_prefix="thumbnail")


@dataclass(frozen=True)
class Thumbnail:
    key: str
    width: int
    height: int


async def make_thumbnail(
    storage: Storage, storage_key: str, data: bytes, content_type: str
) -> Thumbnail | None:
    """Writes the thumbnail of an unblurred image; None leaves the work to the job."""
    try:
        result = await asyncio.get_running_loop().run_in_executor(
            _DECODES, imaging.process, data, content_type, 0
        )
    except imaging.InvalidImage:
        return None  # the job fails it with the reason, as for any upload
    key = thumb_key(storage_key)
    try:
        await storage.put_bytes(key, result.thumb, imaging.THUMB_TYPE)
    except Exception as exc:
        log.warning("inline thumbnail not stored; the job will make it",
                    key=storage_key, error=str(exc))
        return None
    return Thumbnail(key, result.width, result.height)
