"""Local-directory storage for the embedded mode.

Objects are files under `root/<key>`. Writers stream into `root/.incoming/`
(same filesystem) and `os.replace` the finished, fsynced file into place, so
a reader never sees a partial object and a crash leaves only temp files,
which `sweep_incoming` removes. File I/O runs in threads so the event loop
never waits on the disk.
"""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import BinaryIO

from server.storage.base import ObjectWriter, Storage, StorageError

_INCOMING = ".incoming"


class LocalStorage(Storage):
    native_presign = False

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self.incoming = self.root / _INCOMING
        self.incoming.mkdir(parents=True, exist_ok=True)

    def path_of(self, key: str) -> Path:
        # Keys come from our own code, but a path must never leave the root.
        if not key or key.startswith("/") or "\\" in key or ".." in key.split("/"):
            raise ValueError(f"invalid storage key {key!r}")
        path = self.root / key
        if path.parts[: len(self.root.parts)] != self.root.parts or key.startswith(_INCOMING):
            raise ValueError(f"invalid storage key {key!r}")
        return path

    def _temp(self) -> Path:
        return self.incoming / f"{uuid.uuid4().hex}.part"

    async def put_bytes(self, key: str, data: bytes, content_type: str) -> None:
        target, temp = self.path_of(key), self._temp()

        def work() -> None:
            with open(temp, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            _publish(temp, target)

        await asyncio.to_thread(work)

    async def put_file(self, key: str, path: str, content_type: str) -> None:
        target, temp = self.path_of(key), self._temp()

        def work() -> None:
            with open(path, "rb") as src, open(temp, "wb") as dst:
                while chunk := src.read(1 << 20):
                    dst.write(chunk)
                dst.flush()
                os.fsync(dst.fileno())
            _publish(temp, target)

        await asyncio.to_thread(work)

    def open_writer(self, key: str, content_type: str) -> ObjectWriter:
        return _LocalWriter(key, self.path_of(key), self._temp())

    async def get_bytes(self, key: str) -> bytes:
        path = self.path_of(key)
        try:
            return await asyncio.to_thread(path.read_bytes)
        except FileNotFoundError:
            raise StorageError(f"object {key!r} does not exist") from None

    async def iter_bytes(self, key: str, chunk_size: int = 1 << 16) -> AsyncIterator[bytes]:
        path = self.path_of(key)
        try:
            fh = await asyncio.to_thread(open, path, "rb")
        except FileNotFoundError:
            raise StorageError(f"object {key!r} does not exist") from None
        try:
            while chunk := await asyncio.to_thread(fh.read, chunk_size):
                yield chunk
        finally:
            fh.close()

    async def read_head(self, key: str, length: int) -> bytes:
        def work() -> bytes:
            with open(self.path_of(key), "rb") as fh:
                return fh.read(length)

        try:
            return await asyncio.to_thread(work)
        except FileNotFoundError:
            raise StorageError(f"object {key!r} does not exist") from None

    async def delete(self, key: str) -> None:
        path = self.path_of(key)
        await asyncio.to_thread(path.unlink, True)

    async def list_keys(self, prefix: str) -> list[str]:
        if not prefix.endswith("/"):
            raise ValueError("a prefix ends with /")
        base = self.path_of(prefix.rstrip("/"))

        def work() -> list[str]:
            if not base.is_dir():
                return []
            return sorted(str(p.relative_to(self.root)) for p in base.rglob("*") if p.is_file())

        return await asyncio.to_thread(work)

    async def delete_prefix(self, prefix: str) -> int:
        removed = await super().delete_prefix(prefix)
        base = self.path_of(prefix.rstrip("/"))

        def prune() -> None:  # the empty folders, deepest first
            if base.is_dir():
                for folder in sorted(base.rglob("*"), key=lambda p: len(p.parts), reverse=True):
                    if folder.is_dir():
                        folder.rmdir()
                base.rmdir()

        await asyncio.to_thread(prune)
        return removed

    async def size(self, key: str) -> int | None:
        path = self.path_of(key)
        try:
            return (await asyncio.to_thread(path.stat)).st_size
        except FileNotFoundError:
            return None

    async def check(self) -> None:
        def work() -> None:
            probe = self._temp()
            probe.write_bytes(b"ok")
            probe.unlink()

        await asyncio.to_thread(work)

    async def sweep_incoming(self, older_than_seconds: int = 3600) -> int:
        """Removes temp files left by a crash mid-write; returns how many."""

        def work() -> int:
            cutoff = time.time() - older_than_seconds
            removed = 0
            for entry in os.scandir(self.incoming):
                if entry.name.endswith(".part") and entry.stat().st_mtime < cutoff:
                    Path(entry.path).unlink(missing_ok=True)
                    removed += 1
            return removed

        return await asyncio.to_thread(work)


def _publish(temp: Path, target: Path) -> None:
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(temp, target)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


class _LocalWriter(ObjectWriter):
    def __init__(self, key: str, target: Path, temp: Path) -> None:
        self.key = key
        self.size = 0
        self._target = target
        self._temp = temp
        self._fh: BinaryIO | None = None
        self._done = False

    async def write(self, chunk: bytes) -> None:
        if self._done:
            raise StorageError("writer is closed")
        if self._fh is None:
            self._fh = await asyncio.to_thread(open, self._temp, "wb")
        await asyncio.to_thread(self._fh.write, chunk)
        self.size += len(chunk)

    async def commit(self) -> None:
        if self._done:
            raise StorageError("writer is closed")
        self._done = True

        def work() -> None:
            fh = self._fh or open(self._temp, "wb")  # noqa: SIM115 (closed just below)
            try:
                fh.flush()
                os.fsync(fh.fileno())
            finally:
                fh.close()
            _publish(self._temp, self._target)

        await asyncio.to_thread(work)
        self._fh = None

    async def abort(self) -> None:
        fh, self._fh = self._fh, None
        if not self._done or fh is not None:
            self._done = True

            def work() -> None:
                if fh is not None:
                    fh.close()
                self._temp.unlink(missing_ok=True)

            # Shielded: an abort triggered by cancellation must still clean up.
            await asyncio.shield(asyncio.to_thread(work))
