"""Dependencies are resolved one after another, never in a task group.

Litestar resolves the dependencies of a handler that do not depend on each
other concurrently, in an anyio task group (a cancel scope and one task per
dependency). Ours are a session factory call, the app state and the
principal's one read, which needs the session: nothing to overlap, and the
task group was a measurable share of every small request's CPU
(docs/benchmarks.md, "Per-request CPU of the agent's calls (third pass,
2026-12-03)"). Once the app is built, each route's dependency batches are
split into batches of one, in the same topological order, which Litestar
resolves with a plain `await`.
"""

from __future__ import annotations

from litestar import Litestar
from litestar.routes import HTTPRoute


def resolve_dependencies_in_turn(app: Litestar) -> None:
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for _handler, model in route.route_handler_map.values():
            model.dependency_batches = [
                {dependency}
                for batch in model.dependency_batches
                for dependency in sorted(batch, key=lambda d: d.key)
            ]
