"""Process-wide resources, created at start-up and closed at shutdown.

Nothing here is state another replica needs: the database, Redis and object
storage hold that.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from server.config import Settings
from server.security.ratelimit import RateLimiter


@dataclass
class AppState:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    limiter: RateLimiter
    redis: Any = None  # redis.asyncio.Redis when configured
    storage: Any = None  # server.storage.base.Storage
    jobs: Any = None  # server.jobs.base.JobQueue
    extras: dict[str, Any] = field(default_factory=dict)
