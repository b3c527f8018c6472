"""arq worker settings for `hubnity-worker`: every registered job and periodic
job, with the application state built on start-up and closed on shutdown.

Worker knobs come from the environment: HUBNITY_WORKER_MAX_JOBS (default 4),
HUBNITY_WORKER_JOB_TIMEOUT seconds (300), HUBNITY_WORKER_MAX_TRIES (5).
"""

from __future__ import annotations

import gc
import os
from dataclasses import dataclass
from typing import Any

from server.jobs import catalog
from server.jobs.arq_queue import queue_name, redis_settings
from server.jobs.registry import JOBS, PERIODIC, STATE_KEY, Periodic
from server.runtime.config import ConfigError, Settings
from server.runtime.state import build_state, close_state, start_state


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
    return cron(
        fn,
        name=f"{prefix}{p.name}",
        timeout=options.job_timeout,
        keep_result=0,
        max_tries=1,
        **_schedule(p.every_seconds),
    )


async def _on_startup(ctx: dict[str, Any]) -> None:
    app_state = build_state(ctx["settings"])
    await start_state(app_state)
    ctx[STATE_KEY] = app_state
    # As the app does: what start-up allocated lives as long as the worker, so
    # it leaves the cycle collector's generations (a full collection during an
    # import walked all of it: a fifth of the importer's CPU).
    gc.freeze()


async def _on_shutdown(ctx: dict[str, Any]) -> None:
    app_state = ctx.get(STATE_KEY)
    if app_state is not None:
        await close_state(app_state)


def worker_kwargs(
    settings: Settings, options: WorkerOptions | None = None, **overrides: Any
) -> dict[str, Any]:
    """Keyword arguments for `arq.Worker`, built from the job registry."""
    from arq.worker import func

    catalog.load_all()
    if not settings.redis.url:
        raise ConfigError("hubnity-worker needs REDIS_URL (or REDIS_HOST)")
    options = options or WorkerOptions.from_env()
    prefix = settings.redis.prefix
    jobs: dict[str, Any] = dict(JOBS)  # arq's WorkerCoroutine protocol is narrower than JobFn
    functions = [
        func(fn, name=name, keep_result=0, timeout=options.job_timeout, max_tries=options.max_tries)
        for name, fn in jobs.items()
    ]
    return {
        "functions": functions,
        "cron_jobs": [_cron(p, prefix, options) for p in PERIODIC],
        "queue_name": queue_name(prefix),
        "redis_settings": redis_settings(settings.redis.url),
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
