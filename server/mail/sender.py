"""Delivers mail: over SMTP when SMTP_URL is set, else to the log and the data dir.

aiosmtplib rather than the standard library's smtplib: it is asyncio-native
(no thread per message, timeouts that cancel cleanly), and speaks STARTTLS,
implicit TLS and AUTH with the same options smtplib has.
"""

from __future__ import annotations

import os
import ssl
import time
import uuid
from urllib.parse import unquote, urlsplit

from server.mail.message import Mail, to_email
from server.observability.logging import log
from server.runtime.config import MailSettings


class MailError(RuntimeError):
    """The mail could not be handed to the SMTP server."""


async def deliver(settings: MailSettings, mail: Mail) -> str:
    """Sends `mail`; returns where it went ("smtp" or the file written)."""
    msg = to_email(mail, settings.sender)
    if not settings.smtp_url:
        return _write_file(settings, mail, msg.as_bytes())
    import aiosmtplib

    url = urlsplit(settings.smtp_url)
    scheme = url.scheme.lower()
    implicit_tls = scheme == "smtps"
    port = url.port or (465 if implicit_tls else 587 if scheme == "smtp+starttls" else 25)
    context = ssl.create_default_context()
    try:
        await aiosmtplib.send(
            msg,
            hostname=url.hostname or "localhost",
            port=port,
            username=unquote(url.username) if url.username else None,
            password=unquote(url.password) if url.password else None,
            use_tls=implicit_tls,
            # smtp:// never upgrades (local relays, Mailpit); smtp+starttls:// insists.
            start_tls=True if scheme == "smtp+starttls" else False if not implicit_tls else None,
            tls_context=context,
            timeout=settings.timeout_seconds,
        )
    except (aiosmtplib.SMTPException, OSError) as exc:
        raise MailError(f"could not send mail to {mail.to}: {exc}") from exc
    log.info("mail.sent", to=mail.to, subject=mail.subject)
    return "smtp"


def _write_file(settings: MailSettings, mail: Mail, raw: bytes) -> str:
    """Embedded default: the message goes to <data dir>/mail/*.eml and the log,
    so a demo without SMTP still shows the link (to whoever runs the server)."""
    path = "-"
    if settings.outbox_dir is not None:
        settings.outbox_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        name = f"{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:8]}.eml"
        target = settings.outbox_dir / name
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(raw)
        path = str(target)
    log.warning(
        "mail.not_sent",
        reason="SMTP_URL is not set; the message is written here instead",
        path=path,
        to=mail.to,
        subject=mail.subject,
        text=mail.text,
    )
    return path
