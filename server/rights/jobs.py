"""Data-rights jobs: thin wrappers (in-process or arq), and their periodic care:
the daily retention purge, expired export files, jobs a restart interrupted."""

from __future__ import annotations

import uuid
from typing import Any

from server.jobs.registry import app_state_of, job, periodic
from server.rights import erase, export, maintenance, reblur, retention
from server.rights.service import JOB_OF_KIND

DAY = 24 * 3600


@job(JOB_OF_KIND["data_export"])
async def rights_data_export(ctx: dict[str, Any], *, rights_job_id: str) -> None:
    app_state = app_state_of(ctx)
    await export.run_data_export(app_state.sessions, app_state.storage, uuid.UUID(rights_job_id))


@job(JOB_OF_KIND["erase"])
async def rights_erase(ctx: dict[str, Any], *, rights_job_id: str) -> None:
    await erase.run_erase(app_state_of(ctx), uuid.UUID(rights_job_id))


@job(JOB_OF_KIND["reblur"])
async def rights_reblur(ctx: dict[str, Any], *, rights_job_id: str) -> None:
    await reblur.run_reblur(app_state_of(ctx), uuid.UUID(rights_job_id))


@periodic(DAY, name="retention_purge", first_after=600)
async def retention_purge(ctx: dict[str, Any]) -> dict[str, int]:
    return await retention.purge_all(app_state_of(ctx))


@periodic(600, name="rights_maintenance")
async def rights_maintenance(ctx: dict[str, Any]) -> dict[str, int]:
    return await maintenance.tend(app_state_of(ctx))
