"""Applies a configured rate to a key, raising the 429 error when exceeded."""

from __future__ import annotations

from server.config import Rate
from server.errors import TooManyRequests
from server.state import AppState


async def enforce(state: AppState, key: str, rate: Rate, what: str) -> None:
    decision = await state.limiter.hit(key, rate)
    if not decision.allowed:
        raise TooManyRequests(decision.retry_after, f"too many {what}")
