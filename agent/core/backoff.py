"""Retry delays: exponential with full jitter, bounded, honouring Retry-After."""

from __future__ import annotations

import random


class Backoff:
    def __init__(
        self, base: float = 2.0, cap: float = 300.0, rng: random.Random | None = None
    ) -> None:
        self.base = base
        self.cap = cap
        self.failures = 0
        self._rng = rng or random.Random()

    def reset(self) -> None:
        self.failures = 0

    def next_delay(self, retry_after: float | None = None) -> float:
        """Delay before the next attempt after one more failure.

        Jitter spreads thousands of agents that failed together (server
        restart) over the whole window instead of retrying in lockstep; the
        server's Retry-After is a floor, never shortened by jitter."""
        self.failures += 1
        ceiling = min(self.cap, self.base * (2 ** min(self.failures - 1, 20)))
        delay = self._rng.uniform(ceiling / 2, ceiling)
        if retry_after is not None:
            delay = max(delay, min(retry_after, 3600.0))
        return delay


def parse_retry_after(value: str | None) -> float | None:
    """Seconds form only (what our server sends); an HTTP date falls back to backoff."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None
