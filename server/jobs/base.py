"""The job queue interface that services enqueue through."""

from __future__ import annotations

import abc
from typing import Any


class JobQueue(abc.ABC):
    @abc.abstractmethod
    async def enqueue(self, name: str, *, job_id: str | None = None, **kwargs: Any) -> None:
        """Schedules job `name`. A second enqueue with the same job_id while the
        first is queued or running is a no-op."""

    async def start(self) -> None:  # noqa: B027 (optional hook)
        pass

    async def close(self) -> None:  # noqa: B027 (optional hook)
        pass
