"""The arq client: jobs on Redis, run by `hubnity-worker` processes
(`server/jobs/worker.py`).

The server only enqueues (`ArqQueue`); workers run the very same job
functions from the registry. Job ids make a second enqueue of a queued or
running job a no-op; `keep_result=0` so that a finished id can be enqueued
again (the screenshot sweep relies on that). The queue name derives from
REDIS_PREFIX, so two installs (or test runs) sharing a Redis never mix jobs.
"""

from __future__ import annotations

from typing import Any

from server.jobs.base import JobQueue
from server.jobs.registry import JOBS


def queue_name(prefix: str) -> str:
    return f"{prefix}arq:queue"


def redis_settings(url: str) -> Any:
    from arq.connections import RedisSettings

    return RedisSettings.from_dsn(url)


class ArqQueue(JobQueue):
    """Enqueue-only client used by the server processes."""

    def __init__(self, redis_url: str, prefix: str) -> None:
        self._url = redis_url
        self.queue_name = queue_name(prefix)
        self._pool: Any = None

    async def start(self) -> None:
        from arq import create_pool

        self._pool = await create_pool(redis_settings(self._url),
                                       default_queue_name=self.queue_name)

    async def enqueue(self, name: str, *, job_id: str | None = None, **kwargs: Any) -> None:
        if name not in JOBS:
            raise KeyError(f"unknown job {name!r}")
        if self._pool is None:
            await self.start()
        await self._pool.enqueue_job(name, _job_id=job_id, _queue_name=self.queue_name,
                                     **kwargs)

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.aclose()
            self._pool = None
