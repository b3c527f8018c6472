"""The mail job: delivery happens off the request (retries do not slow a page)."""

from __future__ import annotations

from typing import Any

from server.jobs.registry import app_state_of, job
from server.mail.message import Mail
from server.mail.sender import deliver

JOB_NAME = "mail.send"


@job(JOB_NAME)
async def send_mail(ctx: dict[str, Any], *, to: str, subject: str, text: str, html: str) -> None:
    await deliver(app_state_of(ctx).settings.mail, Mail(to, subject, text, html))
