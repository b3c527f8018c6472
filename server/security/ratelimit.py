"""Fixed-window rate limiting: in-process for one replica, Redis for many.

Fixed windows are coarse at the edges but cost one atomic operation per
request and are easy to reason about; that is the right trade for login and
sync limits.
"""

from __future__ import annotations

import abc
import asyncio
import math
import time
from dataclasses import dataclass
from typing import Any

from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from server.observability.logging import log
from server.runtime.config import Rate


@dataclass(frozen=True)
class Decision:
    allowed: bool
    retry_after: int  # seconds until the window resets (0 when allowed)


class RateLimiter(abc.ABC):
    @abc.abstractmethod
    async def hit(self, key: str, rate: Rate) -> Decision: ...

    async def close(self) -> None:  # noqa: B027 (optional hook)
        pass


class MemoryRateLimiter(RateLimiter):
    def __init__(self) -> None:
        self._windows: dict[str, tuple[int, int]] = {}
        self._lock = asyncio.Lock()

    async def hit(self, key: str, rate: Rate) -> Decision:
        now = time.time()
        window = int(now // rate.period)
        async with self._lock:
            if len(self._windows) > 100_000:  # bound memory under key churn
                self._windows = {k: v for k, v in self._windows.items() if v[0] == window}
            start, count = self._windows.get(key, (window, 0))
            if start != window:
                start, count = window, 0
            count += 1
            self._windows[key] = (start, count)
        if count > rate.limit:
            return Decision(False, max(1, math.ceil((window + 1) * rate.period - now)))
        return Decision(True, 0)


_LUA = """
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return {n, redis.call('TTL', KEYS[1])}
"""


class RedisRateLimiter(RateLimiter):
    """Fails open: while Redis cannot be reached, requests pass unlimited (and a
    warning is logged at most every WARN_EVERY seconds). Recording time matters
    more than throttling it for a minute; sign-in stays guarded by the
    per-address lockout, which lives in the database."""

    WARN_EVERY = 30.0

    def __init__(self, redis: Any, prefix: str) -> None:
        self._redis = redis
        self._prefix = prefix
        self._script = redis.register_script(_LUA)
        self._warned_at = 0.0

    async def hit(self, key: str, rate: Rate) -> Decision:
        window = int(time.time() // rate.period)
        full_key = f"{self._prefix}rl:{key}:{rate.period}:{window}"
        try:
            count, ttl = await self._script(keys=[full_key], args=[rate.period + 1])
        except (RedisConnectionError, RedisTimeoutError) as exc:
            now = time.monotonic()
            if now - self._warned_at > self.WARN_EVERY:
                self._warned_at = now
                log.warning("rate limits not enforced: Redis unavailable", error=str(exc))
            return Decision(True, 0)
        if int(count) > rate.limit:
            return Decision(False, max(1, int(ttl)))
        return Decision(True, 0)
