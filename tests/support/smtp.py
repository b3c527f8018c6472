"""A real SMTP server in the test process (aiosmtpd), and the messages it received."""

from __future__ import annotations

import asyncio
import re
import ssl
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from tests.support.process import free_port


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage
    login: str | None

    @property
    def to(self) -> str:
        return str(self.message["To"])

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    def body(self, subtype: str = "plain") -> str:
        part = self.message.get_body(preferencelist=(subtype,))
        assert part is not None, f"no text/{subtype} part in {self.message}"
        return str(part.get_content())

    def link(self, path: str) -> str:
        """The first link to `path` in the plain-text body."""
        m = re.search(r"https?://\S+" + re.escape(path) + r"\S*", self.body())
        assert m, f"no link to {path} in:\n{self.body()}"
        return m.group(0)


@dataclass
class Inbox:
    host: str
    port: int
    messages: list[Received] = field(default_factory=list)
    users: dict[str, str] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def url(self, user: str | None = None, password: str | None = None) -> str:
        auth = f"{user}:{password}@" if user else ""
        return f"smtp://{auth}{self.host}:{self.port}"

    # aiosmtpd handler hook
    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        msg = message_from_bytes(envelope.content, policy=policy.default)
        auth = getattr(session, "auth_data", None)
        login = auth.decode() if isinstance(auth, bytes) else None
        with self._lock:
            self.messages.append(
                Received(envelope.mail_from, list(envelope.rcpt_tos), msg, login)  # type: ignore[arg-type]
            )
        return "250 OK"

    def for_address(self, address: str) -> list[Received]:
        with self._lock:
            return [m for m in self.messages if address.lower() in (r.lower() for r in m.rcpt_tos)]

    async def wait_for(self, address: str, count: int = 1, timeout: float = 20) -> Received:
        """The `count`-th message to `address`, waiting for it to arrive."""
        deadline = time.monotonic() + timeout
        while True:
            got = self.for_address(address)
            if len(got) >= count:
                return got[count - 1]
            assert time.monotonic() < deadline, f"no mail #{count} to {address} in {timeout} s"
            await asyncio.sleep(0.05)


# Every running test SMTP server by "host:port": a test client whose app mails
# to one of them finds its messages here (tests/support/signup.py).
RUNNING: dict[str, Inbox] = {}


def _authenticator(inbox: Inbox) -> Any:
    from aiosmtpd.smtp import AuthResult, LoginPassword

    def check(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> Any:
        if not isinstance(data, LoginPassword):
            return AuthResult(success=False, handled=False)
        user, password = data.login.decode(), data.password.decode()
        ok = inbox.users.get(user) == password
        return AuthResult(success=ok, handled=False, auth_data=data.login if ok else None)

    return check


@contextmanager
def smtp_server(
    users: dict[str, str] | None = None,
    *,
    tls: str | None = None,
    cert: tuple[Path, Path] | None = None,
) -> Iterator[Inbox]:
    """An aiosmtpd server on a free local port (AUTH PLAIN/LOGIN when `users`).
    `tls`: "starttls" (required before MAIL) or "implicit" (TLS from the first
    byte), with `cert` = (certificate, key) files."""
    from aiosmtpd.controller import Controller

    inbox = Inbox("127.0.0.1", free_port(), users=dict(users or {}))
    kwargs: dict[str, Any] = {}
    if users:
        kwargs = {
            "authenticator": _authenticator(inbox),
            # aiosmtpd only knows about STARTTLS; implicit TLS is TLS all the same.
            "auth_require_tls": tls == "starttls",
            "auth_required": True,
        }
    if tls:
        assert cert is not None
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(str(cert[0]), str(cert[1]))
        if tls == "starttls":
            kwargs |= {"tls_context": context, "require_starttls": True}
        else:
            kwargs |= {"ssl_context": context}
    controller = Controller(inbox, hostname=inbox.host, port=inbox.port, **kwargs)
    controller.start()
    RUNNING[f"{inbox.host}:{inbox.port}"] = inbox
    try:
        yield inbox
    finally:
        RUNNING.pop(f"{inbox.host}:{inbox.port}", None)
        controller.stop()
