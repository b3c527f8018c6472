"""The storage interface: a small abstract base with two backends (local, S3).

Keys are plain `/`-separated strings (`screenshots/{org}/{user}/...`). Every
write is atomic from a reader's point of view: an object is either absent or
complete, never half-written (local: temp file + rename; S3: PUT or a
completed multipart upload).
"""

from __future__ import annotations

import abc
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime


class StorageError(Exception):
    """The backend failed (unreachable, refused, ...): a transient condition."""


class ObjectWriter(abc.ABC):
    """Streams one object in chunks; nothing is visible until `commit()`.

    Use as `async with storage.open_writer(key, ct) as w: await w.write(...);
    await w.commit()`: leaving the block without commit aborts and removes
    everything written so far (the caller's error, a disconnect, a limit).
    """

    key: str
    size: int = 0

    @abc.abstractmethod
    async def write(self, chunk: bytes) -> None: ...

    @abc.abstractmethod
    async def commit(self) -> None:
        """Makes the object visible under its key."""

    @abc.abstractmethod
    async def abort(self) -> None:
        """Discards what was written; safe to call more than once."""

    async def __aenter__(self) -> ObjectWriter:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.abort()


@dataclass(frozen=True)
class PresignedUpload:
    """Where a client PUTs bytes directly (S3 presigned URL)."""

    url: str
    headers: dict[str, str]
    expires_at: datetime


class Storage(abc.ABC):
    #: Whether `presign_put`/`presign_get` give URLs of the backend itself;
    #: if False the server signs and serves its own URLs (local directory).
    native_presign: bool = False

    @abc.abstractmethod
    async def put_bytes(self, key: str, data: bytes, content_type: str) -> None: ...

    @abc.abstractmethod
    async def put_file(self, key: str, path: str, content_type: str) -> None:
        """Uploads a local file without reading it into memory."""

    @abc.abstractmethod
    def open_writer(self, key: str, content_type: str) -> ObjectWriter:
        """A streaming writer; memory stays bounded whatever the object size."""

    @abc.abstractmethod
    async def get_bytes(self, key: str) -> bytes: ...

    @abc.abstractmethod
    def iter_bytes(self, key: str, chunk_size: int = 1 << 16) -> AsyncIterator[bytes]: ...

    @abc.abstractmethod
    async def read_head(self, key: str, length: int) -> bytes:
        """The first `length` bytes (magic-byte checks without a full download)."""

    @abc.abstractmethod
    async def delete(self, key: str) -> None:
        """Removes the object; a missing object is not an error."""

    @abc.abstractmethod
    async def list_keys(self, prefix: str) -> list[str]:
        """Every key under `prefix` (a folder-like `a/b/`), sorted."""

    async def delete_prefix(self, prefix: str) -> int:
        """Removes every object under `prefix`; returns how many there were."""
        keys = await self.list_keys(prefix)
        for key in keys:
            await self.delete(key)
        return len(keys)

    @abc.abstractmethod
    async def size(self, key: str) -> int | None:
        """Size in bytes, or None when the object does not exist."""

    @abc.abstractmethod
    async def check(self) -> None:
        """Raises when the backend is unreachable (used by /ready)."""

    async def presign_put(
        self, key: str, content_type: str, size: int, expires_in: int
    ) -> PresignedUpload | None:
        """A direct-upload URL, or None when the backend has none (local)."""
        return None

    async def presign_get(self, key: str, expires_in: int, content_type: str) -> str | None:
        """A direct-download URL, or None when the backend has none (local)."""
        return None

    async def close(self) -> None:  # noqa: B027 (optional hook)
        pass
