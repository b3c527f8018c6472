"""Operational endpoints: liveness, readiness, metrics."""

from __future__ import annotations

import asyncio

from litestar import Response, get
from litestar.status_codes import HTTP_200_OK, HTTP_503_SERVICE_UNAVAILABLE
from sqlalchemy import text

from server.observability.metrics import render
from server.runtime.state import AppState
from server.security.global_limit import EXEMPT

_CHECK_TIMEOUT = 3.0


@get("/health", tags=["ops"], opt={EXEMPT: True})
async def health() -> dict[str, str]:
    return {"status": "ok"}


async def _check_db(state: AppState) -> None:
    async with state.engine.connect() as conn:
        await conn.execute(text("SELECT 1"))


async def _check_redis(state: AppState) -> None:
    await state.redis.ping()


async def _check_storage(state: AppState) -> None:
    await state.storage.check()


@get("/ready", tags=["ops"], opt={EXEMPT: True})
async def ready(app_state: AppState) -> Response[dict[str, object]]:
    checks = {"database": _check_db}
    if app_state.redis is not None:
        checks["redis"] = _check_redis
    if app_state.storage is not None and hasattr(app_state.storage, "check"):
        checks["storage"] = _check_storage
    results: dict[str, str] = {}
    for name, check in checks.items():
        try:
            await asyncio.wait_for(check(app_state), _CHECK_TIMEOUT)
            results[name] = "ok"
        except Exception as exc:  # readiness reports any failure, never raises
            results[name] = f"error: {type(exc).__name__}"
    ok = all(v == "ok" for v in results.values())
    return Response(
        {"status": "ok" if ok else "unavailable", "checks": results},
        status_code=HTTP_200_OK if ok else HTTP_503_SERVICE_UNAVAILABLE,
    )


@get("/metrics", tags=["ops"], media_type="text/plain; version=0.0.4", opt={EXEMPT: True})
async def metrics() -> bytes:
    return render()
