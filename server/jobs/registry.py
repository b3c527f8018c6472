"""Job functions by name. Domain packages register theirs with `@job(...)`.

A job is `async def fn(ctx: dict, **kwargs)`: thin, idempotent (a job may run
more than once), delegating to service functions. `ctx["app_state"]` is the
application state (`app_state_of(ctx)`). Job modules are listed in
`server/jobs/catalog.py`. Periodic jobs register with `@periodic(seconds)`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from server.runtime.state import AppState

# The key of the application state in a job's `ctx`.
STATE_KEY = "app_state"

JobFn = Callable[..., Awaitable[Any]]

JOBS: dict[str, JobFn] = {}


@dataclass(frozen=True)
class Periodic:
    name: str
    fn: JobFn
    every_seconds: int
    #: In-process runner only: the first run this long after start (default: one
    #: period), so a daily job still runs on a server restarted more often.
    first_after: int | None = None


PERIODIC: list[Periodic] = []


def job(name: str) -> Callable[[JobFn], JobFn]:
    def register(fn: JobFn) -> JobFn:
        JOBS[name] = fn
        return fn

    return register


def periodic(
    every_seconds: int, name: str | None = None, first_after: int | None = None
) -> Callable[[JobFn], JobFn]:
    def register(fn: JobFn) -> JobFn:
        PERIODIC.append(Periodic(name or fn.__name__, fn, every_seconds, first_after))
        return fn

    return register


def app_state_of(ctx: dict[str, Any]) -> AppState:
    """The application state a job runs with (put in `ctx` by the runner)."""
    app_state: AppState = ctx[STATE_KEY]
    return app_state
