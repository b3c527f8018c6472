"""An owner's tokens through the real sign-up, for tests and benches.

`POST /api/v1/auth/register` answers 202 and mails the link that finishes the
sign-up; these helpers read that link from where the server's mail went and
confirm it (`POST /api/v1/auth/register/confirm`, 201 and a token pair):

- `sign_up` (blocking) and `sign_up_async`: a server whose mail goes to
  `<data dir>/mail` (SMTP_URL unset: the embedded default) and that runs its
  own jobs (no REDIS_URL; with Redis the mail waits for a `hubnity-worker`);
- `sign_up_in_app`: an in-process Litestar test client; its app's settings say
  where its mail goes (the data dir, or a test SMTP server of tests/support/smtp.py),
  and with REDIS_URL a burst arq worker runs the queued mail job;
- `create_organization`: no mail at all, `hubnity-server create-organization`
  run with the server's environment, then a sign-in.
"""

from __future__ import annotations

import asyncio
import re
import subprocess
import time
from collections.abc import Awaitable, Callable
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

REGISTER = "/api/v1/auth/register"
CONFIRM = "/api/v1/auth/register/confirm"
LINK_PATH = "/signup/confirm"
_LINK = re.compile(r"https?://\S+" + re.escape(LINK_PATH) + r"\?\S+")


def link_token(message: EmailMessage) -> str | None:
    """The token of the sign-up link in `message`'s plain-text body, if any."""
    part = message.get_body(preferencelist=("plain",))
    found = _LINK.search(str(part.get_content())) if part is not None else None
    return parse_qs(urlsplit(found.group(0)).query)["token"][0] if found else None


# Each file read once (a test session's app writes thousands of messages), and
# again if its size changed: it may have been read while still being written.
_READ: dict[Path, tuple[int, EmailMessage]] = {}


def mails_to(mail_dir: Path, email: str) -> list[EmailMessage]:
    """The messages the server wrote to `mail_dir` for `email`, oldest first."""
    found: list[EmailMessage] = []
    for path in sorted(mail_dir.glob("*.eml")) if mail_dir.is_dir() else []:
        size = path.stat().st_size
        seen = _READ.get(path)
        if seen is None or seen[0] != size:
            parsed = message_from_bytes(path.read_bytes(), policy=policy.default)
            seen = _READ[path] = (size, parsed)
        msg = seen[1]
        if str(msg["To"]).lower() == email.lower():
            found.append(msg)
    return found


def _token_in(messages: list[EmailMessage]) -> str | None:
    for msg in reversed(messages):
        token = link_token(msg)
        if token:
            return token
    return None


def _mail_source(client: Any) -> Callable[[str], list[EmailMessage]]:
    """Where the app behind a Litestar test client sends its mail."""
    from server.http.deps import app_state_of
    from tests.support.smtp import RUNNING

    mail = app_state_of(client.app.state).settings.mail
    if mail.smtp_url:
        inbox = RUNNING[urlsplit(mail.smtp_url).netloc.rpartition("@")[2]]
        return lambda email: [m.message for m in inbox.for_address(email)]
    assert mail.outbox_dir is not None, "this app writes its mail nowhere"
    outbox_dir = mail.outbox_dir
    return lambda email: mails_to(outbox_dir, email)


def _body(email: str, name: str, organization: str, tz: str) -> dict[str, str]:
    return {
        "email": email,
        "name": name,
        "organizationName": organization,
        "timezone": tz,
    }


async def _finish(
    client: Any,
    body: dict[str, str],
    password: str,
    read: Callable[[str], list[EmailMessage]],
    timeout: float,
    run_jobs: Callable[[], Awaitable[None]] | None = None,
) -> dict[str, Any]:
    r = await client.post(REGISTER, json=body)
    assert r.status_code == 202, r.text
    if run_jobs is not None:
        await run_jobs()
    deadline = time.monotonic() + timeout
    while (token := _token_in(read(body["email"]))) is None:
        assert time.monotonic() < deadline, f"no sign-up link mailed to {body['email']}"
        await asyncio.sleep(0.02)
    r = await client.post(CONFIRM, json={"token": token, "password": password})
    assert r.status_code == 201, r.text
    return r.json()


async def sign_up_in_app(
    client: Any,
    email: str,
    password: str,
    *,
    name: str = "Owner",
    organization: str = "Acme",
    timezone: str = "UTC",
    timeout: float = 30,
) -> dict[str, Any]:
    """The token pair of a new owner, signed up through an in-process test client."""
    from server.http.deps import app_state_of

    settings = app_state_of(client.app.state).settings
    body = _body(email, name, organization, timezone)
    run_jobs = _arq_burst(settings) if settings.redis.url else None
    return await _finish(client, body, password, _mail_source(client), timeout, run_jobs)


def _arq_burst(settings: Any) -> Callable[[], Awaitable[None]]:
    """An app with REDIS_URL queues its jobs in Redis: a burst arq worker (the
    production runner) runs the queued sign-up mail, as `hubnity-worker` would."""

    async def run() -> None:
        from arq.worker import Worker

        from server.jobs.worker import worker_kwargs

        worker = Worker(**worker_kwargs(settings, burst=True, handle_signals=False, cron_jobs=[]))
        try:
            await worker.main()
        finally:
            await worker.close()

    return run


async def sign_up_async(
    client: httpx.AsyncClient,
    data_dir: Path,
    email: str,
    password: str,
    *,
    name: str = "Owner",
    organization: str = "Acme",
    timezone: str = "UTC",
    timeout: float = 60,
) -> dict[str, Any]:
    """The same through `client` (its base_url the server's), the mail in `data_dir`/mail."""
    body = _body(email, name, organization, timezone)
    return await _finish(
        client, body, password, lambda e: mails_to(data_dir / "mail", e), timeout
    )


def sign_up(
    base_url: str,
    data_dir: Path,
    email: str,
    password: str,
    *,
    name: str = "Owner",
    organization: str = "Acme",
    timezone: str = "UTC",
    timeout: float = 60,
    before_links: bool = False,
) -> dict[str, Any]:
    """Blocking `sign_up_async` (no event loop: callable from async tests too).
    `before_links`: the server may be a tree from before sign-up links, whose
    register answered 201 and the token pair at once (benches' --before)."""
    body = _body(email, name, organization, timezone)
    with httpx.Client(base_url=base_url, timeout=timeout) as client:
        # A tree from before sign-up links took the password in the request.
        r = client.post(REGISTER, json={**body, "password": password} if before_links else body)
        if before_links and r.status_code == 201:
            return r.json()
        assert r.status_code == 202, r.text
        deadline = time.monotonic() + timeout
        while (token := _token_in(mails_to(data_dir / "mail", email))) is None:
            assert time.monotonic() < deadline, f"no sign-up link mailed to {email}"
            time.sleep(0.02)
        r = client.post(CONFIRM, json={"token": token, "password": password})
        assert r.status_code == 201, r.text
        return r.json()


def create_organization(
    command: list[str],
    env: dict[str, str],
    base_url: str,
    email: str,
    password: str,
    *,
    name: str = "Owner",
    organization: str = "Acme",
    timezone: str = "UTC",
) -> dict[str, Any]:
    """The token pair of an owner made by `<command> create-organization` (the
    server's own command line, e.g. tests.support.process.server_command()) with
    the server's whole environment `env`, then signed in at `base_url`."""
    done = subprocess.run(
        [
            *command,
            "create-organization",
            "--organization",
            organization,
            "--email",
            email,
            "--name",
            name,
            "--timezone",
            timezone,
        ],
        env={**env, "HUBNITY_OWNER_PASSWORD": password},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    r = httpx.post(
        f"{base_url}/api/v1/auth/login", json={"email": email, "password": password}, timeout=120
    )
    assert r.status_code == 200, r.text
    return r.json()
