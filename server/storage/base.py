"""The storage interface (draft: the screenshots work owns and may refine it)."""

from __future__ import annotations

import abc
from collections.abc import AsyncIterator


class Storage(abc.ABC):
    @abc.abstractmethod
    async def put_bytes(self, key: str, data: bytes, content_type: str) -> None: ...

    @abc.abstractmethod
    async def put_file(self, key: str, path: str, content_type: str) -> None:
        """Uploads a local file without reading it into memory."""

    @abc.abstractmethod
    async def get_bytes(self, key: str) -> bytes: ...

    @abc.abstractmethod
    def iter_bytes(self, key: str, chunk_size: int = 1 << 16) -> AsyncIterator[bytes]: ...

    @abc.abstractmethod
    async def delete(self, key: str) -> None: ...

    @abc.abstractmethod
    async def size(self, key: str) -> int | None:
        """Size in bytes, or None when the object does not exist."""

    @abc.abstractmethod
    async def check(self) -> None:
        """Raises when the backend is unreachable (used by /ready)."""
