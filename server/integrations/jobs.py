"""Integration jobs: a run (queued by the API or the scheduler) and the
scheduler itself, every minute (arq cron in production, in-process otherwise)."""

from __future__ import annotations

import uuid
from typing import Any

from server.integrations.credentials import keyring_for
from server.integrations.run_requests import JOB, recover_runs, start_due_runs
from server.integrations.runs import execute_run
from server.integrations.service import IntegrationsContext
from server.jobs.registry import app_state_of, job, periodic


def context_of(app_state: Any) -> IntegrationsContext:
    return IntegrationsContext(
        keyring=keyring_for(app_state.settings),
        jobs=app_state.jobs,
        data_dir=app_state.settings.data_dir,
        transport=app_state.extras.get("integrations.transport"),
    )


@job("integrations.run")
async def run_integration(ctx: dict[str, Any], *, run_id: str) -> None:
    app_state = app_state_of(ctx)
    integrations = context_of(app_state)
    waiting = await execute_run(
        app_state.sessions,
        integrations.keyring,
        uuid.UUID(run_id),
        integrations.data_dir,
        integrations.transport,
    )
    if waiting is not None:  # a webhook delivery that came while this one ran
        await integrations.jobs.enqueue(
            JOB, job_id=f"integration-run:{waiting}", run_id=str(waiting)
        )


@periodic(60, name="integrations.schedule")
async def schedule_integrations(ctx: dict[str, Any]) -> None:
    app_state = app_state_of(ctx)
    ctx_ = context_of(app_state)
    async with app_state.sessions() as session:
        await recover_runs(session, ctx_)
        await start_due_runs(session, ctx_)
