"""HTTP route for POST /api/v1/sync/batch."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, post
from litestar.di import Provide
from litestar.status_codes import HTTP_200_OK
from sqlalchemy.ext.asyncio import AsyncSession

from server.http.deps import provide_caller
from server.observability.metrics import record_sync
from server.runtime.state import AppState
from server.security.limits import enforce
from server.security.tokens import AccessClaims
from server.sync.schemas import RawBatch
from server.sync.service import ingest_batch
from shared.schemas import SyncBatchResponse


class SyncController(Controller):
    path = "/api/v1/sync"
    tags = ["sync"]

    # The agent's hot path: no principal read before the handler; the batch's
    # first statement checks the caller (and takes the lock) instead.
    @post(
        "/batch",
        status_code=HTTP_200_OK,
        dependencies={"caller": Provide(provide_caller, sync_to_thread=False)},
    )
    async def batch(
        self,
        data: RawBatch,
        db_session: AsyncSession,
        caller: AccessClaims,
        app_state: AppState,
        request: Request[Any, Any, Any],
    ) -> SyncBatchResponse:
        await enforce(
            app_state,
            f"sync:{caller.user_id}",
            app_state.settings.security.sync_rate,
            "sync requests",
        )
        # Litestar caches the body it decoded `data` from: no second read.
        body = await request.body()
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
