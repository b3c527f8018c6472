"""Without SMTP_URL (the embedded default) mail lands in <data dir>/mail, so a
demo can still finish a password reset or an invitation (both databases)."""

from __future__ import annotations

import asyncio
import time
from email import message_from_bytes, policy
from pathlib import Path

from tests.integration.accounts.test_passwords import NEW_PASSWORD, token_of
from tests.support.api import register, unique_email


async def _mail_to(mail_dir: Path, address: str, path: str, timeout: float = 20) -> str:
    """The plain-text body of the first .eml to `address` with a link to `path`."""
    deadline = time.monotonic() + timeout
    while True:
        for file in sorted(mail_dir.glob("*.eml")) if mail_dir.exists() else []:
            msg = message_from_bytes(file.read_bytes(), policy=policy.default)
            body = str(msg.get_body(("plain",)).get_content())
            if msg["To"] == address and f"{path}?token=" in body:
                assert file.stat().st_mode & 0o777 == 0o600
                return body
        assert time.monotonic() < deadline, f"no mail to {address} in {mail_dir}"
        await asyncio.sleep(0.05)


def _link(body: str, path: str) -> str:
    return next(w for w in body.split() if path + "?token=" in w)


async def test_reset_and_invitation_complete_from_the_data_dir(client, backend, session_tmp):
    mail_dir = (
        session_tmp / f"data-{'pg' if backend.startswith('postgresql') else 'sqlite'}" / "mail"
    )
    owner = await register(client)
    r = await client.post("/api/v1/auth/password-reset", json={"email": owner.email})
    assert r.status_code == 202
    token = token_of(_link(await _mail_to(mail_dir, owner.email, "/reset"), "/reset"))
    r = await client.post(
        "/api/v1/auth/password-reset/confirm", json={"token": token, "newPassword": NEW_PASSWORD}
    )
    assert r.status_code == 204
    r = await client.post(
        "/api/v1/auth/login", json={"email": owner.email, "password": NEW_PASSWORD}
    )
    assert r.status_code == 200
    owner.access = r.json()["accessToken"]
    email = unique_email("joiner")
    r = await owner.post("/api/v1/members", json={"email": email, "name": "Joiner"})
    shown = r.json()["invitationToken"]  # what the settings page shows the admin
    assert token_of(_link(await _mail_to(mail_dir, email, "/invite"), "/invite")) == shown
