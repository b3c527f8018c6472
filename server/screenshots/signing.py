"""Signed, expiring URLs the server serves itself (local-storage mode).

S3 signs its own URLs; the local directory has no such thing, so the server
issues `?exp=<unix>&sig=<hmac>` URLs bound to one method, one screenshot and
one variant. The key is derived from JWT_SECRET with a purpose label, so a
URL signature can never be replayed as anything else.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time

from server.core.errors import Forbidden


def _key(secret: str) -> bytes:
    return hmac.new(secret.encode(), b"hubnity/screenshot-url/v1", hashlib.sha256).digest()


def sign(secret: str, method: str, screenshot_id: str, scope: str, expires: int) -> str:
    message = f"{method.upper()}\n{screenshot_id}\n{scope}\n{expires}".encode()
    digest = hmac.new(_key(secret), message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def verify(
    secret: str, method: str, screenshot_id: str, scope: str, expires: str | None,
    signature: str | None, now: float | None = None,
) -> None:
    """Raises Forbidden (403) for a missing, forged or expired signature."""
    if not expires or not signature:
        raise Forbidden("this URL needs its exp and sig parameters")
    try:
        exp = int(expires)
    except ValueError:
        raise Forbidden("the URL signature is invalid") from None
    expected = sign(secret, method, screenshot_id, scope, exp)
    if not hmac.compare_digest(expected, signature):
        raise Forbidden("the URL signature is invalid")
    if exp < (now if now is not None else time.time()):
        raise Forbidden("the URL has expired; ask for a new one")


def query_until(secret: str, method: str, screenshot_id: str, scope: str, exp: int) -> str:
    """The `exp=..&sig=..` query string of a URL valid until `exp` (unix seconds)."""
    return f"exp={exp}&sig={sign(secret, method, screenshot_id, scope, exp)}"


def query(secret: str, method: str, screenshot_id: str, scope: str, ttl: int) -> tuple[str, int]:
    """The query string of a URL valid for `ttl` seconds, and its expiry."""
    exp = int(time.time()) + ttl
    return query_until(secret, method, screenshot_id, scope, exp), exp
