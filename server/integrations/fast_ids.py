"""UUIDs for a page of imported rows, made in bulk.

`uuid.uuid4()` reads the OS random source once per id and builds each UUID
through `uuid.UUID.__init__` (about 3 µs each; an import makes two per new
entry). Here one `os.urandom` call serves a whole page, the version and
variant bits are set on the buffer, and the ids are asyncpg's own UUID type
(a `uuid.UUID` subclass: equal to, and hashing like, the standard one; the
database driver writes it without conversion). The same for the entries'
name-based idempotency keys: the namespace's SHA-1 state is computed once
per integration and copied per name, giving exactly `uuid.uuid5`'s value.
"""

from __future__ import annotations

import hashlib
import os
import uuid

from asyncpg.pgproto.pgproto import UUID as _UUID


def new_ids(count: int) -> list[uuid.UUID]:
    """`count` random (version 4) UUIDs."""
    if count <= 0:
        return []
    buf = bytearray(os.urandom(16 * count))
    buf[6::16] = bytes([(b & 0x0F) | 0x40 for b in buf[6::16]])  # version 4
    buf[8::16] = bytes([(b & 0x3F) | 0x80 for b in buf[8::16]])  # RFC 4122 variant
    raw = bytes(buf)
    return [_UUID(raw[i : i + 16]) for i in range(0, len(raw), 16)]


class NameIds:
    """`uuid.uuid5(namespace, name)` for many names of one namespace."""

    __slots__ = ("_sha1",)

    def __init__(self, namespace: uuid.UUID) -> None:
        self._sha1 = hashlib.sha1(namespace.bytes, usedforsecurity=False)

    def __call__(self, name: str) -> uuid.UUID:
        digest = self._sha1.copy()
        digest.update(name.encode())
        raw = bytearray(digest.digest()[:16])
        raw[6] = (raw[6] & 0x0F) | 0x50  # version 5
        raw[8] = (raw[8] & 0x3F) | 0x80
        return _UUID(bytes(raw))
