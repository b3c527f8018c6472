"""HTTP route for POST /api/v1/sync/batch."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, post
from litestar.status_codes import HTTP_200_OK

from server.http.deps import app_state_of, verified_claims
from server.observability.metrics import record_sync
from server.security.limits import enforce
from server.sync.schemas import RawBatch
from server.sync.service import ingest_batch
from shared.schemas import SyncBatchResponse


class SyncController(Controller):
    path = "/api/v1/sync"
    tags = ["sync"]

    # The agent's hot path, once a minute per agent: no Litestar dependency at
    # all (resolving several runs them in an anyio task group, a measurable
    # share of a small call), no principal read before the handler; the
    # batch's first statement checks the caller (and takes the lock) instead.
    # The order of refusals is that of a dependency: the body is decoded
    # (400) before the token is checked (401), then the rate (429).
    @post("/batch", status_code=HTTP_200_OK)
    async def batch(self, data: RawBatch, request: Request[Any, Any, Any]) -> SyncBatchResponse:
        app_state = app_state_of(request.app.state)
        caller = verified_claims(request, app_state.settings.security.jwt_secret)
        await enforce(
            app_state,
            f"sync:{caller.user_id}",
            app_state.settings.security.sync_rate,
            "sync requests",
        )
        # Litestar caches the body it decoded `data` from: no second read.
        body = await request.body()
        async with app_state.sessions() as db_session:
            result = await ingest_batch(
                db_session,
                caller.organization_id,
                caller.user_id,
                data,
                body,
                check_member=True,
                sign_in=caller.session_id,
            )
        record_sync(result)
        return result
