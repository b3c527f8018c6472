"""Applies a configured rate to a key, raising the 429 error when exceeded."""

from __future__ import annotations

from server.core.errors import TooManyRequests
from server.runtime.config import Rate
from server.runtime.state import AppState

# The unauthenticated ways in, each limited per client IP with LOGIN_RATE_LIMIT.
SIGN_IN_ATTEMPTS = {
    "login": "login attempts",
    "register": "registration attempts",
    "signup": "sign-up confirmations",
    "invite": "invitation attempts",
    "reset": "password reset attempts",
}


async def enforce(state: AppState, key: str, rate: Rate, what: str) -> None:
    decision = await state.limiter.hit(key, rate)
    if not decision.allowed:
        raise TooManyRequests(decision.retry_after, f"too many {what}")


async def limit_sign_in(state: AppState, kind: str, ip: str) -> None:
    """One attempt of `kind` (a key of SIGN_IN_ATTEMPTS) from `ip`; the API and
    the web pages share the bucket, so neither is a way around the other."""
    await enforce(state, f"{kind}:{ip}", state.settings.security.login_rate, SIGN_IN_ATTEMPTS[kind])
