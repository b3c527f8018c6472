"""Job functions by name. Domain packages register theirs with `@job(...)`.

A job is `async def fn(ctx: dict, **kwargs)`: thin, idempotent (a job may run
more than once), delegating to service functions. `ctx["state"]` is the
AppState. Periodic jobs register with `@periodic(seconds)`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

JobFn = Callable[..., Awaitable[Any]]

JOBS: dict[str, JobFn] = {}


@dataclass(frozen=True)
class Periodic:
    name: str
    fn: JobFn
    every_seconds: int


PERIODIC: list[Periodic] = []


def job(name: str) -> Callable[[JobFn], JobFn]:
    def register(fn: JobFn) -> JobFn:
        JOBS[name] = fn
        return fn

    return register


def periodic(every_seconds: int, name: str | None = None) -> Callable[[JobFn], JobFn]:
    def register(fn: JobFn) -> JobFn:
        PERIODIC.append(Periodic(name or fn.__name__, fn, every_seconds))
        return fn

    return register


def load_all() -> None:
    """Imports the modules that register jobs (kept in one list on purpose)."""
    import importlib

    for module in JOB_MODULES:
        importlib.import_module(module)


# Domain job modules; each registers its functions on import.
JOB_MODULES: list[str] = ["server.reports.jobs", "server.screenshots.jobs"]
