"""Short-lived JWT access tokens (PyJWT) and opaque refresh tokens."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache

import jwt

ALGORITHM = "HS256"
ISSUER = "hubnity"


@dataclass(frozen=True)
class AccessClaims:
    user_id: uuid.UUID
    organization_id: uuid.UUID
    role: str
    # The sign-in (refresh-token family) this token belongs to: ending that
    # sign-in (logout, reuse detection) ends its access tokens at once too.
    session_id: uuid.UUID | None = None


class InvalidTokenError(Exception):
    pass


def issue_access_token(claims: AccessClaims, secret: str, ttl_seconds: int) -> str:
    now = datetime.now(UTC)
    payload = {
        "sub": str(claims.user_id),
        "org": str(claims.organization_id),
        "role": claims.role,
        "iat": now,
        "exp": now + timedelta(seconds=ttl_seconds),
        "iss": ISSUER,
        "jti": uuid.uuid4().hex,
    }
    if claims.session_id is not None:
        payload["sid"] = str(claims.session_id)
    return jwt.encode(payload, secret, algorithm=ALGORITHM)


# Verified tokens by (token, secret): an agent sends the same token for up to
# its 15 minutes, so HMAC check and JSON parse run once per token, not per
# request. Expiry is still checked on every use; the entry is the token's own
# content, so the cache can never answer differently from a fresh decode.
_VERIFIED: OrderedDict[tuple[str, str], tuple[AccessClaims, float]] = OrderedDict()
_VERIFIED_MAX = 4096


def decode_access_token(token: str, secret: str) -> AccessClaims:
    hit = _VERIFIED.get((token, secret))
    if hit is not None:
        claims, expires = hit
        if time.time() < expires:
            _VERIFIED.move_to_end((token, secret))
            return claims
        del _VERIFIED[(token, secret)]
        raise InvalidTokenError("access token expired")
    claims, expires = _decode(token, secret)
    _VERIFIED[(token, secret)] = (claims, expires)
    if len(_VERIFIED) > _VERIFIED_MAX:
        _VERIFIED.popitem(last=False)
    return claims


def _decode(token: str, secret: str) -> tuple[AccessClaims, float]:
    try:
        payload = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            issuer=ISSUER,
            options={"require": ["exp", "sub", "org", "iss"]},
        )
        claims = AccessClaims(
            user_id=uuid.UUID(payload["sub"]),
            organization_id=uuid.UUID(payload["org"]),
            role=str(payload.get("role", "")),
            session_id=uuid.UUID(payload["sid"]) if "sid" in payload else None,
        )
        return claims, float(payload["exp"])
    except jwt.ExpiredSignatureError:
        raise InvalidTokenError("access token expired") from None
    except (jwt.PyJWTError, ValueError, KeyError):
        raise InvalidTokenError("invalid access token") from None


def new_opaque_token() -> str:
    return secrets.token_urlsafe(32)


def hash_opaque_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@lru_cache(maxsize=8)
def derive_key(secret: str, purpose: str) -> bytes:
    """A key for one purpose, derived from the server secret (HMAC-SHA256 as a
    PRF, as in HKDF-Expand): a MAC made for one purpose is useless for any other."""
    return hmac.new(secret.encode(), f"hubnity:{purpose}:v1".encode(), hashlib.sha256).digest()
