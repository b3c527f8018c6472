"""HTTP route for POST /api/v1/sync/batch."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, post
from litestar.status_codes import HTTP_200_OK
from sqlalchemy.ext.asyncio import AsyncSession

from server.auth.principal import Principal
from server.observability.metrics import record_sync
from server.runtime.state import AppState
from server.security.limits import enforce
from server.sync.schemas import RawBatch
from server.sync.service import ingest_batch
from shared.schemas import SyncBatchResponse


class SyncController(Controller):
    path = "/api/v1/sync"
    tags = ["sync"]

    @post("/batch", status_code=HTTP_200_OK)
    async def batch(
        self,
        data: RawBatch,
        db_session: AsyncSession,
        principal: Principal,
        app_state: AppState,
        request: Request[Any, Any, Any],
    ) -> SyncBatchResponse:
        await enforce(
            app_state,
            f"sync:{principal.user_id}",
            app_state.settings.security.sync_rate,
            "sync requests",
        )
        # Litestar caches the body it decoded `data` from: no second read.
        body = await request.body()
        result = await ingest_batch(db_session, principal.org_id, principal.user_id, data, body)
        record_sync(result)
        return result
