"""Auth jobs: the password-reset and sign-up mails, composed off the request
(same answer, same time, whether or not the address has an account), and the
hourly purge of sign-in failure counts nobody added to for a day."""

from __future__ import annotations

from typing import Any

from server.auth import lockout
from server.auth.passwords import RESET_JOB, create_reset
from server.auth.signup import SIGNUP_JOB, create_signup_mail
from server.db.base import utcnow
from server.jobs.registry import app_state_of, job, periodic
from server.mail.outbox import Outbox
from server.mail.sender import deliver


@job(RESET_JOB)
async def send_password_reset(ctx: dict[str, Any], *, email: str, base_url: str, ip: str) -> None:
    app_state = app_state_of(ctx)
    outbox = Outbox(app_state.jobs, base_url)
    mail = await create_reset(app_state.sessions, outbox, email, ip)
    if mail is not None:
        await deliver(app_state.settings.mail, mail)


@job(SIGNUP_JOB)
async def send_signup(ctx: dict[str, Any], *, signup_id: str, base_url: str) -> None:
    app_state = app_state_of(ctx)
    mail = await create_signup_mail(app_state.sessions, Outbox(app_state.jobs, base_url), signup_id)
    if mail is not None:
        await deliver(app_state.settings.mail, mail)


@periodic(3600, name="auth.purge_login_failures")
async def purge_login_failures(ctx: dict[str, Any]) -> dict[str, int]:
    return {"removed": await lockout.purge(app_state_of(ctx).sessions, utcnow())}
