"""Auth jobs: the password-reset mail, composed off the request (same answer, same time)."""

from __future__ import annotations

from typing import Any

from server.auth.passwords import RESET_JOB, create_reset
from server.jobs.registry import app_state_of, job
from server.mail.outbox import Outbox
from server.mail.sender import deliver


@job(RESET_JOB)
async def send_password_reset(ctx: dict[str, Any], *, email: str, base_url: str, ip: str) -> None:
    app_state = app_state_of(ctx)
    outbox = Outbox(app_state.jobs, base_url)
    mail = await create_reset(app_state.sessions, outbox, email, ip)
    if mail is not None:
        await deliver(app_state.settings.mail, mail)
