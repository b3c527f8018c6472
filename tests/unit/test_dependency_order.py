"""Every route resolves its dependencies one after another (no anyio task
group per request), each after those it needs (server/http/dependency_order.py)."""

from __future__ import annotations

from litestar.routes import HTTPRoute

from server.app import create_app
from tests.conftest import make_settings


def _batches(app, path: str, method: str) -> list[list[str]]:
    for route in app.routes:
        if isinstance(route, HTTPRoute) and route.path == path:
            _handler, model = route.route_handler_map[method]
            return [[d.key for d in batch] for batch in model.dependency_batches]
    raise AssertionError(f"no route {path}")


def test_dependencies_resolve_in_turn_and_in_order(tmp_path):
    app = create_app(make_settings(f"sqlite+aiosqlite:///{tmp_path}/h.db", tmp_path))
    sizes = [
        len(batch)
        for route in app.routes
        if isinstance(route, HTTPRoute)
        for _handler, model in route.route_handler_map.values()
        for batch in model.dependency_batches
    ]
    assert sizes and set(sizes) == {1}
    # A handler with independent dependencies (Litestar batched them) and one
    # that needs another: the principal comes after the session it reads with.
    batches = _batches(app, "/api/v1/auth/register", "POST")
    assert len(batches) >= 2, batches
    order = [key for batch in _batches(app, "/api/v1/agent/config", "GET") for key in batch]
    assert order.index("db_session") < order.index("principal")
    # The agent's sync resolves none at all.
    assert _batches(app, "/api/v1/sync/batch", "POST") == []
