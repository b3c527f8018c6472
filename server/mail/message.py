"""Mail messages: one plain-text body and one HTML body with the product's look.

Every message is built from a few paragraphs and at most one button, so the
two bodies always say the same thing; the HTML is inline-styled (mail clients
ignore style sheets) in the web pages' colours.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

BRAND = "#4f46e5"  # the web pages' --brand
INK = "#1c2333"
MUTED = "#667085"


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    text: str
    html: str


def compose(
    to: str,
    subject: str,
    paragraphs: list[str],
    *,
    button: tuple[str, str] | None = None,
    footer: str = "",
) -> Mail:
    """A message of `paragraphs` and an optional (label, url) button."""
    text_parts = list(paragraphs)
    if button:
        text_parts.append(f"{button[0]}:\n{button[1]}")
    if footer:
        text_parts.append(f"-- \n{footer}")
    text = "\n\n".join(text_parts) + "\n"
    body = "".join(
        f'<p style="margin:0 0 16px;color:{INK};font-size:15px;line-height:1.5">'
        f"{html.escape(p)}</p>"
        for p in paragraphs
    )
    if button:
        label, url = html.escape(button[0]), html.escape(button[1], quote=True)
        body += (
            f'<p style="margin:24px 0"><a href="{url}" style="background:{BRAND};color:#fff;'
            f"text-decoration:none;padding:12px 20px;border-radius:6px;font-weight:600;"
            f'display:inline-block">{label}</a></p>'
            f'<p style="margin:0 0 16px;color:{MUTED};font-size:13px">If the button does not '
            f'work, open this address: <a href="{url}" style="color:{BRAND}">{url}</a></p>'
        )
    if footer:
        body += f'<p style="margin:24px 0 0;color:{MUTED};font-size:12px">{html.escape(footer)}</p>'
    page = (
        '<!doctype html><html><body style="margin:0;padding:24px;background:#f4f6fa;'
        'font-family:-apple-system,Segoe UI,Roboto,Helvetica,Arial,sans-serif">'
        '<div style="max-width:560px;margin:0 auto;background:#fff;border-radius:10px;'
        'padding:28px;border:1px solid #e3e7ee">'
        f'<div style="font-weight:700;font-size:18px;color:{BRAND};margin-bottom:20px">'
        "&#9679; Hubnity</div>"
        f"{body}</div></body></html>"
    )
    return Mail(to=to, subject=subject, text=text, html=page)


def to_email(mail: Mail, sender: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = mail.to
    msg["Subject"] = mail.subject
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = make_msgid(domain="hubnity")
    msg.set_content(mail.text)
    msg.add_alternative(mail.html, subtype="html")
    return msg


def invitation_mail(
    to: str, name: str, organization: str, inviter: str, url: str, days: int
) -> Mail:
    return compose(
        to,
        f"{inviter} invited you to {organization} on Hubnity",
        [
            f"Hello {name},",
            f"{inviter} invited you to track time with {organization} on Hubnity.",
            "Choose a password to activate your account; you will use it on the web "
            f"and in the Hubnity agent. The link works once and expires in {days} days.",
        ],
        button=("Choose a password", url),
        footer="If you did not expect this invitation, ignore this message.",
    )


def password_reset_mail(to: str, name: str, url: str, minutes: int) -> Mail:
    return compose(
        to,
        "Reset your Hubnity password",
        [
            f"Hello {name},",
            "Someone (hopefully you) asked to reset the password of your Hubnity account.",
            f"The link works once and expires in {minutes} minutes. Signing in with the new "
            "password ends your other sessions.",
        ],
        button=("Choose a new password", url),
        footer="If you did not ask for this, ignore this message: your password stays as it is.",
    )


def signup_mail(to: str, name: str, organization: str, url: str, hours: int) -> Mail:
    return compose(
        to,
        f"Finish creating {organization} on Hubnity",
        [
            f"Hello {name},",
            f"Someone (hopefully you) asked to create the organization {organization} on "
            "Hubnity with this address as its owner.",
            f"Open the link to finish: it works once and expires in {hours} hours. You will "
            "choose there the password you will sign in with.",
        ],
        button=(f"Finish creating {organization}", url),
        footer="If you did not ask for this, ignore this message: nothing is created.",
    )


def signup_taken_mail(to: str, name: str, sign_in_url: str, reset_url: str) -> Mail:
    return compose(
        to,
        "Someone tried to sign up to Hubnity with your address",
        [
            f"Hello {name},",
            "Someone (perhaps you) tried to create a new Hubnity organization with this "
            "address, which already has an account. Nothing was created and your account "
            "is unchanged.",
            f"To use your account, sign in at {sign_in_url}. If you forgot your password, "
            f"ask for a new one at {reset_url}.",
        ],
        button=("Sign in", sign_in_url),
        footer="If this was not you, ignore this message.",
    )
