"""Screenshot jobs: thin wrappers over `processing`, run by arq or in-process."""

from __future__ import annotations

from typing import Any

from server.core.ids import parse_uuid
from server.jobs.registry import app_state_of, job, periodic
from server.screenshots import processing
from server.screenshots.common import PROCESS_JOB
from server.screenshots.metrics import PROCESSED


@job(PROCESS_JOB)
async def process_screenshot(ctx: dict[str, Any], *, screenshot_id: str) -> str | None:
    status = await processing.process(app_state_of(ctx), parse_uuid(screenshot_id, "screenshot_id"))
    PROCESSED.labels(status or "noop").inc()
    return status


@periodic(60, name="sweep_screenshots")
async def sweep_screenshots(ctx: dict[str, Any]) -> dict[str, int]:
    return await processing.sweep(app_state_of(ctx))

