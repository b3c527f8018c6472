"""The application state: process-wide resources, built at start-up and closed
at shutdown — the one place both the web server and `hubnity-worker` use.

Nothing here is state another replica needs: the database, Redis and object
storage hold that.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from server.db.session import create_engine, session_factory
from server.jobs.base import JobQueue
from server.jobs.inprocess import InProcessQueue
from server.jobs.registry import STATE_KEY
from server.runtime.config import Settings
from server.security.ratelimit import MemoryRateLimiter, RateLimiter, RedisRateLimiter
from server.storage import build_storage


@dataclass
class AppState:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    limiter: RateLimiter
    redis: Any = None  # redis.asyncio.Redis when configured
    storage: Any = None  # server.storage.base.Storage
    jobs: Any = None  # server.jobs.base.JobQueue
    extras: dict[str, Any] = field(default_factory=dict)


def build_state(settings: Settings) -> AppState:
    """Everything a process needs, from settings (not yet started)."""
    engine = create_engine(settings.database)
    redis = None
    limiter: RateLimiter
    if settings.redis.url:
        import redis.asyncio as aioredis

        redis = aioredis.from_url(settings.redis.url)
        limiter = RedisRateLimiter(redis, settings.redis.prefix)
    else:
        limiter = MemoryRateLimiter()
    app_state = AppState(
        settings=settings,
        engine=engine,
        sessions=session_factory(engine),
        limiter=limiter,
        redis=redis,
        storage=build_storage(settings.storage),
    )
    # Redis configured → arq workers (hubnity-worker) run jobs, the server only
    # enqueues; else an in-process worker runs the same job functions.
    jobs: JobQueue
    if settings.redis.url:
        from server.jobs.arq_queue import ArqQueue

        jobs = ArqQueue(settings.redis.url, settings.redis.prefix)
    else:
        jobs = InProcessQueue({STATE_KEY: app_state})
    app_state.jobs = jobs
    return app_state


async def start_state(app_state: AppState) -> None:
    """Starts the job queue (the in-process worker, or the arq client)."""
    if app_state.jobs is not None:
        await app_state.jobs.start()


async def close_state(app_state: AppState) -> None:
    """Stops what uses the others first: jobs (they use storage, Redis and the
    database), then storage and Redis, the engine last."""
    if app_state.jobs is not None:
        await app_state.jobs.close()
    if app_state.storage is not None:
        await app_state.storage.close()
    if app_state.redis is not None:
        await app_state.redis.aclose()
    await app_state.engine.dispose()
