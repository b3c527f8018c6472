"""Sign-in checks without Qt: is the address well formed, does a Hubnity
server answer there, and what to tell the user when something fails."""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

from agent.core.account import AccountMismatch
from agent.core.api import ApiError, AuthRequired, NetworkError, Rejected, ServerBusy

LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}


@dataclass(frozen=True)
class UrlCheck:
    url: str
    error: str | None = None
    warning: str | None = None


def check_url(text: str) -> UrlCheck:
    raw = text.strip().rstrip("/")
    if not raw:
        return UrlCheck(
            "", error="Enter your company's Hubnity address, e.g. https://hubnity.example.com"
        )
    if "://" not in raw:
        raw = "https://" + raw
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https"):
        return UrlCheck(raw, error="The address must start with https:// (or http://)")
    if not parts.hostname or " " in raw:
        return UrlCheck(raw, error="This does not look like a web address")
    if parts.scheme == "http" and parts.hostname not in LOCAL_HOSTS:
        return UrlCheck(
            raw,
            warning="This address is not encrypted (http). Ask your administrator for the "
            "https:// address if there is one.",
        )
    return UrlCheck(raw)


class ServerProblem(Exception):
    """The address does not lead to a working Hubnity server; the message says why."""


def _is_cert_error(exc: BaseException | None) -> bool:
    while exc is not None:
        if isinstance(exc, ssl.SSLCertVerificationError):
            return True
        text = str(exc)
        if "CERTIFICATE_VERIFY_FAILED" in text or "self-signed" in text or "self signed" in text:
            return True
        exc = exc.__cause__ or exc.__context__
    return False


CERT_TEXT = (
    "The server's security certificate is not trusted (self-signed or from an unknown "
    "authority). Ask your administrator to install a trusted certificate, or to add "
    "the company certificate to this computer."
)
DOWN_TEXT = (
    "Cannot reach the server. Check the address and your connection; the server may be down."
)
NOT_HUBNITY_TEXT = "This address answers, but it is not a Hubnity server. Check the address."


def probe(url: str, transport: httpx.BaseTransport | None = None, timeout: float = 8.0) -> None:
    """Raise ServerProblem unless a Hubnity server answers at `url`: its
    health check says ok and its API answers an unauthenticated call with
    the JSON error every Hubnity endpoint gives."""
    try:
        with httpx.Client(base_url=url, timeout=timeout, transport=transport) as http:
            health = http.get("/health")
            api = http.get("/api/v1/agent/config")
    except httpx.TransportError as exc:
        raise ServerProblem(CERT_TEXT if _is_cert_error(exc) else DOWN_TEXT) from exc
    if health.status_code >= 500 or api.status_code >= 500:
        raise ServerProblem(
            f"The server is having trouble (HTTP {max(health.status_code, api.status_code)}); "
            "try again in a few minutes."
        )
    try:
        ok = health.json().get("status") == "ok" and "statusCode" in api.json()
    except (ValueError, AttributeError):
        ok = False
    if not ok or api.status_code != 401:
        raise ServerProblem(NOT_HUBNITY_TEXT)


def _wait_text(seconds: float | None) -> str:
    if not seconds:
        return " in a minute"
    if seconds < 90:
        return f" in {int(seconds)} s"
    return f" in {round(seconds / 60)} min"


def explain(exc: BaseException) -> str:
    """A sign-in failure in words the user can act on."""
    if isinstance(exc, ServerProblem | AccountMismatch):
        return str(exc)
    if isinstance(exc, NetworkError):
        return CERT_TEXT if _is_cert_error(exc) else DOWN_TEXT
    if isinstance(exc, Rejected | AuthRequired):
        text = str(exc).lower()
        if exc.status in (403, 423) or "locked" in text or "deactivated" in text:
            return "Your account is locked or deactivated. Ask your administrator to unlock it." + (
                f" ({exc})" if exc.status in (403, 423) else ""
            )
        if exc.status in (400, 401):
            return "Wrong email or password."
        if exc.status == 404:
            return NOT_HUBNITY_TEXT
    if isinstance(exc, ServerBusy):
        if exc.status == 429:
            wait = _wait_text(exc.retry_after)
            if "account" in str(exc).lower():  # the server's per-account lockout
                return (
                    "Your account is locked for a while after too many failed sign-ins. "
                    f"Try again{wait}, or ask your administrator to reset your password."
                )
            return f"Too many sign-in attempts from this computer. Try again{wait}."
        return f"The server is having trouble ({exc.status}); try again in a few minutes."
    if isinstance(exc, ApiError):
        return str(exc)
    return f"Unexpected error: {exc}"
