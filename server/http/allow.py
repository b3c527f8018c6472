"""`OPTIONS` answers with every method of its path (the `Allow` header).

Litestar builds a path's automatic OPTIONS handler when the path's first
handler is registered, and its `Allow` lists the methods of that moment: a
controller registers its handlers one by one, so `/api/v1/teams/{team_id}`
answered `Allow: DELETE, OPTIONS` though GET and PATCH exist too. Once the app
is built, each automatic OPTIONS handler is pointed at its final route.
"""

from __future__ import annotations

from typing import Any

from litestar import Litestar, Response
from litestar.routes import HTTPRoute
from litestar.status_codes import HTTP_204_NO_CONTENT
from litestar.types import Scope


def _options_for(methods: str) -> Any:
    def options_handler(scope: Scope) -> Response[None]:
        return Response(content=None, status_code=HTTP_204_NO_CONTENT, headers={"Allow": methods})

    return options_handler


def fix_allow_headers(app: Litestar) -> None:
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for handler in route.route_handlers:
            if handler.handler_name == "options_handler" and not handler.include_in_schema:
                handler._fn = _options_for(", ".join(sorted(route.methods)))
