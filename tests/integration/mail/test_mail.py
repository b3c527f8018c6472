"""Mail delivery to a real SMTP server (aiosmtpd), and the embedded default's files."""

from __future__ import annotations

from email import message_from_bytes, policy
from pathlib import Path

import pytest

from server.mail.message import invitation_mail, password_reset_mail
from server.mail.sender import MailError, deliver
from server.runtime.config import MailSettings
from tests.support.certs import self_signed
from tests.support.smtp import smtp_server

# The test server takes AUTH over plain text on purpose (no certificate to set up).
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")


async def test_smtp_delivers_plain_text_and_html_with_auth() -> None:
    with smtp_server(users={"mailer": "s3cret pass"}) as inbox:
        settings = MailSettings(
            smtp_url=inbox.url("mailer", "s3cret%20pass"), sender="Hubnity <noreply@acme.test>"
        )
        mail = password_reset_mail(
            "ann@acme.test", "Ann <Lee>", "https://h.test/reset?token=abc", 60
        )
        assert await deliver(settings, mail) == "smtp"
        got = await inbox.wait_for("ann@acme.test")
    assert got.login == "mailer"  # AUTH with the URL's (percent-decoded) credentials
    assert got.mail_from == "noreply@acme.test"
    assert got.subject == "Reset your Hubnity password"
    assert "https://h.test/reset?token=abc" in got.body("plain")
    html = got.body("html")
    assert 'href="https://h.test/reset?token=abc"' in html
    assert "Ann &lt;Lee&gt;" in html and "Hubnity" in html  # escaped, branded


async def test_smtp_refuses_wrong_credentials_with_a_clear_error() -> None:
    with smtp_server(users={"mailer": "right"}) as inbox:
        settings = MailSettings(smtp_url=inbox.url("mailer", "wrong"))
        with pytest.raises(MailError, match=r"could not send mail to bob@acme\.test"):
            await deliver(settings, invitation_mail("bob@acme.test", "Bob", "Acme", "Ann", "u", 7))
        assert inbox.messages == []


async def test_unreachable_smtp_server_is_a_mail_error() -> None:
    from tests.support.process import free_port

    settings = MailSettings(smtp_url=f"smtp://127.0.0.1:{free_port()}", timeout_seconds=3)
    with pytest.raises(MailError):
        await deliver(settings, invitation_mail("c@acme.test", "C", "Acme", "Ann", "u", 7))


async def test_without_smtp_the_mail_is_written_to_the_data_dir(tmp_path: Path) -> None:
    settings = MailSettings(smtp_url=None, outbox_dir=tmp_path / "mail")
    mail = invitation_mail("dan@acme.test", "Dan", "Acme", "Ann", "http://x/invite?token=t1", 7)
    where = await deliver(settings, mail)
    files = list((tmp_path / "mail").glob("*.eml"))
    assert [str(f) for f in files] == [where]
    msg = message_from_bytes(files[0].read_bytes(), policy=policy.default)
    assert msg["To"] == "dan@acme.test"
    assert "http://x/invite?token=t1" in msg.get_body(("plain",)).get_content()
    assert oct(files[0].stat().st_mode & 0o777) == "0o600"


@pytest.mark.parametrize(("tls", "scheme"), [("starttls", "smtp+starttls"), ("implicit", "smtps")])
async def test_starttls_and_implicit_tls_with_auth(tmp_path, monkeypatch, tls, scheme) -> None:
    """The certificate is checked: trusted through SSL_CERT_FILE (how a private CA
    is given to the server), refused without it."""
    cert = self_signed(tmp_path)
    with smtp_server(users={"mailer": "pw"}, tls=tls, cert=cert) as inbox:
        settings = MailSettings(
            smtp_url=f"{scheme}://mailer:pw@localhost:{inbox.port}", timeout_seconds=5
        )
        mail = invitation_mail("tls@acme.test", "T", "Acme", "Ann", "https://h.test/i", 7)
        monkeypatch.delenv("SSL_CERT_FILE", raising=False)
        with pytest.raises(MailError):
            await deliver(settings, mail)  # an unknown certificate is not trusted
        monkeypatch.setenv("SSL_CERT_FILE", str(cert[0]))
        assert await deliver(settings, mail) == "smtp"
        got = await inbox.wait_for("tls@acme.test")
    assert got.login == "mailer" and "https://h.test/i" in got.body()


async def test_starttls_required_but_not_offered_is_an_error() -> None:
    with smtp_server() as inbox:  # a plain server that offers no STARTTLS
        settings = MailSettings(smtp_url=f"smtp+starttls://127.0.0.1:{inbox.port}")
        with pytest.raises(MailError):
            await deliver(settings, invitation_mail("x@acme.test", "X", "A", "B", "u", 7))
        assert inbox.messages == []
