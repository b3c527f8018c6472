"""HTTP route for POST /api/v1/sync/batch."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, post
from litestar.status_codes import HTTP_200_OK

from server.http.body_limits import body
from server.http.deps import app_state_of, verified_claims
from server.observability.metrics import record_sync
from server.runtime.body_limits import BodyKind
from server.security.limits import enforce
from server.security.tokens import AccessClaims
from server.sync.schemas import RawBatch
from server.sync.service import ingest_batch
from shared.schemas import SyncBatchResponse

CALLER = "sync_caller"


async def _caller_first(request: Request[Any, Any, Any]) -> None:
    """Before the body is read: the bearer token (401), then the caller's rate (429)."""
    app_state = app_state_of(request.app.state)
    caller = verified_claims(request, app_state.settings.security.jwt_secret)
    await enforce(
        app_state, f"sync:{caller.user_id}", app_state.settings.security.sync_rate, "sync requests"
    )
    scope: Any = request.scope  # for the handler: no second verification
    scope[CALLER] = caller


class SyncController(Controller):
    path = "/api/v1/sync"
    tags = ["sync"]

    # The agent's hot path, once a minute per agent: no Litestar dependency at
    # all (resolving several runs them in an anyio task group, a measurable
    # share of a small call), no principal read before the handler; the
    # batch's first statement checks the caller (and takes the lock) instead.
    # A batch may be large (BODY_LIMIT_SYNC), so the token (401) and the rate
    # (429) are checked before the body is read and decoded (400, 413): a
    # stranger's body is never read.
    @post("/batch", status_code=HTTP_200_OK, opt=body(BodyKind.SYNC), before_request=_caller_first)
    async def batch(self, data: RawBatch, request: Request[Any, Any, Any]) -> SyncBatchResponse:
        app_state = app_state_of(request.app.state)
        scope: Any = request.scope
        caller: AccessClaims = scope[CALLER]
        # Litestar caches the body it decoded `data` from: no second read.
        raw = await request.body()
        async with app_state.sessions() as db_session:
            result = await ingest_batch(
                db_session,
                caller.organization_id,
                caller.user_id,
                data,
                raw,
                check_member=True,
                sign_in=caller.session_id,
            )
        record_sync(result)
        return result
