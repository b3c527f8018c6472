"""The arq runner: jobs on Redis, run by `hubnity-worker` processes.

The server only enqueues (`ArqQueue`); workers run the very same job
functions from the registry. Job ids make a second enqueue of a queued or
running job a no-op; `keep_result=0` so that a finished id can be enqueued
again (the screenshot sweep relies on that). The queue name derives from
REDIS_PREFIX, so two installs (or test runs) sharing a Redis never mix jobs.
Worker knobs come from the environment: HUBNITY_WORKER_MAX_JOBS (default 4),
HUBNITY_WORKER_JOB_TIMEOUT seconds (300), HUBNITY_WORKER_MAX_TRIES (5).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from server.config import ConfigError, Settings
from server.jobs.base import JobQueue
from server.jobs.registry import JOBS, PERIODIC, Periodic


def queue_name(prefix: str) -> str:
    return f"{prefix}arq:queue"


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name) or str(default)
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a whole number") from None
    if value < 1:
        raise ConfigError(f"{name}={raw!r} must be at least 1")
    return value


@dataclass(frozen=True)
class WorkerOptions:
    max_jobs: int = 4
    job_timeout: int = 300
    max_tries: int = 5

    @classmethod
    def from_env(cls) -> WorkerOptions:
        return cls(
            max_jobs=_env_int("HUBNITY_WORKER_MAX_JOBS", cls.max_jobs),
            job_timeout=_env_int("HUBNITY_WORKER_JOB_TIMEOUT", cls.job_timeout),
            max_tries=_env_int("HUBNITY_WORKER_MAX_TRIES", cls.max_tries),
        )


def _redis_settings(url: str) -> Any:
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

        self._pool = await create_pool(_redis_settings(self._url),
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


def _schedule(every: int) -> dict[str, Any]:
    """arq cron fields for "every N seconds" (N dividing a minute, hour or day)."""
    if every < 60:
        return {"second": set(range(0, 60, every))}
    if every < 3600:
        return {"minute": set(range(0, 60, every // 60)), "second": 0}
    return {"hour": set(range(0, 24, max(every // 3600, 1))), "minute": 0, "second": 0}


def _cron(p: Periodic, prefix: str, options: WorkerOptions) -> Any:
    from arq.cron import cron

    # The cron job id is global in Redis (arq:job:cron:<name>:<time>); the
    # prefix keeps two installs from swallowing each other's runs.
    fn: Any = p.fn  # arq's WorkerCoroutine protocol is narrower than our JobFn alias
    return cron(fn, name=f"{prefix}{p.name}", timeout=options.job_timeout, keep_result=0,
                max_tries=1, **_schedule(p.every_seconds))


async def _on_startup(ctx: dict[str, Any]) -> None:
    from server.app import build_state

    hub = build_state(ctx["settings"])
    if hub.jobs is not None:
        await hub.jobs.start()
    ctx["state"] = hub


async def _on_shutdown(ctx: dict[str, Any]) -> None:
    hub = ctx.get("state")
    if hub is None:
        return
    if hub.jobs is not None:
        await hub.jobs.close()
    if hub.storage is not None:
        await hub.storage.close()
    if hub.redis is not None:
        await hub.redis.aclose()
    await hub.engine.dispose()


def worker_kwargs(settings: Settings, options: WorkerOptions | None = None,
                  **overrides: Any) -> dict[str, Any]:
    """Keyword arguments for `arq.Worker`, built from the job registry."""
    from arq.worker import func

    if not settings.redis.url:
        raise ConfigError("hubnity-worker needs REDIS_URL (or REDIS_HOST)")
    options = options or WorkerOptions.from_env()
    prefix = settings.redis.prefix
    jobs: dict[str, Any] = dict(JOBS)  # arq's WorkerCoroutine protocol is narrower than JobFn
    functions = [
        func(fn, name=name, keep_result=0, timeout=options.job_timeout,
             max_tries=options.max_tries)
        for name, fn in jobs.items()
    ]
    return {
        "functions": functions,
        "cron_jobs": [_cron(p, prefix, options) for p in PERIODIC],
        "queue_name": queue_name(prefix),
        "redis_settings": _redis_settings(settings.redis.url),
        "on_startup": _on_startup,
        "on_shutdown": _on_shutdown,
        "ctx": {"settings": settings},
        "max_jobs": options.max_jobs,
        "job_timeout": options.job_timeout,
        "keep_result": 0,
        "max_tries": options.max_tries,
        "handle_signals": True,
        **overrides,
    }
