"""In-process job runner for the embedded mode: asyncio workers, same job functions.

Bounded concurrency; a job id already queued or running is not queued twice;
periodic jobs run on their own timers. Jobs lost on a crash are recovered by
the periodic sweeps of their domain (e.g. PENDING screenshots re-enqueued).
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from server.jobs.base import JobQueue
from server.jobs.registry import JOBS, PERIODIC
from server.observability.logging import log
from server.observability.metrics import JOBS as JOB_METRIC


class InProcessQueue(JobQueue):
    def __init__(
        self, ctx: dict[str, Any], concurrency: int = 2, run_periodic: bool = True
    ) -> None:
        self._ctx = ctx
        self._concurrency = concurrency
        self._queue: asyncio.Queue[tuple[str, str | None, dict[str, Any]]] = asyncio.Queue()
        self._pending: set[str] = set()
        self._tasks: list[asyncio.Task[None]] = []
        self._run_periodic = run_periodic

    async def enqueue(self, name: str, *, job_id: str | None = None, **kwargs: Any) -> None:
        if name not in JOBS:
            raise KeyError(f"unknown job {name!r}")
        if job_id is not None:
            if job_id in self._pending:
                return
            self._pending.add(job_id)
        await self._queue.put((name, job_id, kwargs))

    async def start(self) -> None:
        self._tasks = [asyncio.create_task(self._worker()) for _ in range(self._concurrency)]
        if self._run_periodic:
            self._tasks += [
                asyncio.create_task(self._every(p.fn, p.name, p.every_seconds, p.first_after))
                for p in PERIODIC
            ]

    async def run(self, name: str, **kwargs: Any) -> Any:
        """Runs one job now, in the caller's task (used by sweeps and tests)."""
        return await JOBS[name](self._ctx, **kwargs)

    async def join(self) -> None:
        """Waits until every queued job has finished (tests, graceful stop)."""
        await self._queue.join()

    async def _worker(self) -> None:
        while True:
            name, job_id, kwargs = await self._queue.get()
            try:
                await JOBS[name](self._ctx, **kwargs)
                JOB_METRIC.labels(name, "ok").inc()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # a failing job must not kill the worker
                JOB_METRIC.labels(name, "error").inc()
                log.error("job failed", job=name, job_id=job_id, exc_info=exc)
            finally:
                if job_id is not None:
                    self._pending.discard(job_id)
                self._queue.task_done()

    async def _every(self, fn: Any, name: str, seconds: int, first: int | None = None) -> None:
        wait = seconds if first is None else first
        while True:
            await asyncio.sleep(wait)
            wait = seconds
            try:
                await fn(self._ctx)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.error("periodic job failed", job=name, exc_info=exc)

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []
