"""Report jobs: thin wrappers over the export service (in-process or arq)."""

from __future__ import annotations

import uuid
from typing import Any

from server.db.base import utcnow
from server.jobs.registry import job, periodic
from server.reports.export import JOB_NAME, fail_stale, purge_expired, run_export


@job(JOB_NAME)
async def export_report(ctx: dict[str, Any], *, export_id: str) -> None:
    state = ctx["state"]
    await run_export(state.sessions, state.storage, uuid.UUID(export_id))


@periodic(3600, name="purge_exports")
async def purge_exports(ctx: dict[str, Any]) -> None:
    state = ctx["state"]
    now = utcnow()
    await purge_expired(state.sessions, state.storage, now)
    await fail_stale(state.sessions, now)
