"""The storage contract, run against both backends (local directory, S3 on moto's server)."""

from __future__ import annotations

import hashlib
import os
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from server.runtime.config import StorageSettings
from server.storage import Storage, StorageError, build_storage
from server.storage.local import LocalStorage
from server.storage.s3 import PART_SIZE, S3Storage


@pytest.fixture(params=["local", "s3"])
async def storage(request, tmp_path: Path) -> AsyncIterator[Storage]:
    if request.param == "local":
        store: Storage = build_storage(StorageSettings(local_dir=tmp_path / "objects"))
        assert isinstance(store, LocalStorage)
    else:
        moto = request.getfixturevalue("moto")
        bucket = request.getfixturevalue("bucket")
        env = moto.env(bucket)
        store = build_storage(StorageSettings(
            local_dir=tmp_path, s3_endpoint=env["S3_ENDPOINT"], s3_bucket=bucket,
            s3_access_key=env["S3_ACCESS_KEY"], s3_secret_key=env["S3_SECRET_KEY"],
            s3_region=env["S3_REGION"]))
        assert isinstance(store, S3Storage)
    yield store
    await store.close()


async def _read(store: Storage, key: str) -> bytes:
    return b"".join([chunk async for chunk in store.iter_bytes(key, 1000)])


async def test_bytes_roundtrip_and_delete(storage: Storage):
    await storage.check()
    await storage.put_bytes("a/b/c.bin", b"hello", "application/octet-stream")
    assert await storage.get_bytes("a/b/c.bin") == b"hello"
    assert await _read(storage, "a/b/c.bin") == b"hello"
    assert await storage.read_head("a/b/c.bin", 3) == b"hel"
    assert await storage.size("a/b/c.bin") == 5
    await storage.put_bytes("a/b/c.bin", b"replaced", "application/octet-stream")
    assert await storage.get_bytes("a/b/c.bin") == b"replaced"
    await storage.delete("a/b/c.bin")
    await storage.delete("a/b/c.bin")  # missing is fine
    assert await storage.size("a/b/c.bin") is None
    with pytest.raises(StorageError):
        await storage.get_bytes("a/b/c.bin")


async def test_put_file(storage: Storage, tmp_path: Path):
    path = tmp_path / "export.csv"
    path.write_bytes(b"a,b\n" * 10000)
    await storage.put_file("exports/x.csv", str(path), "text/csv")
    assert await _read(storage, "exports/x.csv") == path.read_bytes()


async def test_streaming_writer_multipart_commit(storage: Storage):
    data = os.urandom(PART_SIZE * 2 + 12345)  # three parts on S3
    async with storage.open_writer("big/object.bin", "application/octet-stream") as writer:
        for i in range(0, len(data), 65536):
            await writer.write(data[i:i + 65536])
        assert await storage.size("big/object.bin") is None  # invisible until commit
        await writer.commit()
    assert writer.size == len(data)
    assert await storage.size("big/object.bin") == len(data)
    stored = await storage.get_bytes("big/object.bin")
    assert hashlib.sha256(stored).digest() == hashlib.sha256(data).digest()
    if isinstance(storage, S3Storage):
        uploads = storage.client.list_multipart_uploads(Bucket=storage.bucket)
        assert uploads.get("Uploads", []) == []


@pytest.mark.parametrize("size", [300_000, 1024 * 1024, 3 * 1024 * 1024 + 7])
async def test_streaming_writer_small_objects_are_one_put(storage: Storage, size: int):
    """Up to 1 MiB an S3 object is put from memory, above it from the spool file;
    either way the bytes arrive whole and no multipart upload is left."""
    data = os.urandom(size)
    async with storage.open_writer("small/object.bin", "application/octet-stream") as writer:
        for i in range(0, len(data), 65536):
            await writer.write(data[i : i + 65536])
        await writer.commit()
    assert await storage.get_bytes("small/object.bin") == data
    if isinstance(storage, S3Storage):
        uploads = storage.client.list_multipart_uploads(Bucket=storage.bucket)
        assert uploads.get("Uploads", []) == []


async def test_streaming_writer_abort_leaves_nothing(storage: Storage):
    async with storage.open_writer("gone/object.bin", "application/octet-stream") as writer:
        for _ in range(PART_SIZE // 65536 + 10):  # past one S3 part
            await writer.write(os.urandom(65536))
    # left without commit: aborted
    assert await storage.size("gone/object.bin") is None
    if isinstance(storage, S3Storage):
        uploads = storage.client.list_multipart_uploads(Bucket=storage.bucket)
        assert uploads.get("Uploads", []) == []
    else:
        assert isinstance(storage, LocalStorage)
        assert list(storage.incoming.iterdir()) == []


async def test_presigned_urls(storage: Storage):
    put = await storage.presign_put("pre/x.png", "image/png", 4, 60)
    get = await storage.presign_get("pre/x.png", 60, "image/png")
    if isinstance(storage, LocalStorage):
        assert put is None and get is None  # the server signs its own URLs
        return
    assert put is not None and get is not None
    async with httpx.AsyncClient() as http:
        r = await http.put(put.url, content=b"\x89PNG", headers=put.headers)
        assert r.status_code == 200, r.text
        r = await http.get(get)
        assert r.status_code == 200 and r.content == b"\x89PNG"


def test_local_keys_cannot_escape_the_root(tmp_path: Path):
    store = LocalStorage(tmp_path)
    for bad in ("../x", "/etc/passwd", "a/../../x", ".incoming/x.part", ""):
        with pytest.raises(ValueError):
            store.path_of(bad)
