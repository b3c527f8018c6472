"""Report jobs: thin wrappers over the export service (in-process or arq)."""

from __future__ import annotations

import uuid
from typing import Any

from server.db.base import utcnow
from server.jobs.registry import app_state_of, job, periodic
from server.reports.export import JOB_NAME, fail_stale, purge_expired, run_export


@job(JOB_NAME)
async def export_report(ctx: dict[str, Any], *, export_id: str) -> None:
    app_state = app_state_of(ctx)
    await run_export(app_state.sessions, app_state.storage, uuid.UUID(export_id))


@periodic(3600, name="purge_exports")
async def purge_exports(ctx: dict[str, Any]) -> None:
    app_state = app_state_of(ctx)
    now = utcnow()
    await purge_expired(app_state.sessions, app_state.storage, now)
    await fail_stale(app_state.sessions, now)
