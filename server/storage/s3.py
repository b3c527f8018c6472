"""S3-compatible storage through boto3 (AWS, MinIO, moto's server).

boto3 is blocking, so every call runs on this backend's own bounded thread
pool; the event loop never waits on the network and a slow bucket cannot
starve other `to_thread` users. A streamed object of up to 1 MiB (a
screenshot) is one PUT from memory; a larger one spools to a temp file on disk
and ships in 8 MiB parts of a multipart upload from it, the next part being
received while the previous one uploads: memory stays flat whatever the
object size (botocore streams and checksums file bodies in chunks).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import tempfile
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import IO, Any, TypeVar

from server.runtime.config import StorageSettings
from server.storage.base import ObjectWriter, PresignedUpload, Storage, StorageError

T = TypeVar("T")

PART_SIZE = 8 * 1024 * 1024  # S3 needs ≥ 5 MiB per part except the last
_MEMORY_BUFFER = 128 * 1024  # bytes gathered in memory before one disk write
# An object up to this size is one PUT from memory: no temp file, no thread hop
# per write (screenshots are ~150-300 KB); a larger one spools from here on.
_SMALL_OBJECT = 1024 * 1024
_PARTS_IN_FLIGHT = 2  # part uploads running while the next part is received
_READ_CAP = 64 * 1024


class _SmallReads:
    """A seekable file whose reads return at most 64 KiB.

    botocore hashes and checksums file bodies in 1 MiB reads; on the pool's
    many threads those buffers land in per-thread malloc arenas that keep
    them. Small reads keep the server's memory flat whatever the object size.
    """

    def __init__(self, fh: IO[bytes]) -> None:
        self._fh = fh

    def read(self, size: int = -1) -> bytes:
        return self._fh.read(_READ_CAP if size < 0 or size > _READ_CAP else size)

    def seek(self, offset: int, whence: int = 0) -> int:
        return self._fh.seek(offset, whence)

    def tell(self) -> int:
        return self._fh.tell()


class S3Storage(Storage):
    native_presign = True

    def __init__(self, settings: StorageSettings, max_threads: int = 16) -> None:
        if not settings.s3_bucket:
            raise ValueError("S3 storage needs S3_BUCKET")
        self.bucket = settings.s3_bucket
        self._pool = ThreadPoolExecutor(max_workers=max_threads, thread_name_prefix="s3")
        self.client = self._client(settings, settings.s3_endpoint, max_threads)
        # Presigned URLs carry the host in their signature, so they are signed
        # for the address clients reach (signing is local: no request is made).
        public = settings.s3_public_endpoint
        self.signer = (
            self._client(settings, public, 1)
            if public and public != settings.s3_endpoint
            else self.client
        )

    @staticmethod
    def _client(settings: StorageSettings, endpoint: str | None, max_threads: int) -> Any:
        import boto3
        from botocore.config import Config

        return boto3.session.Session().client(
            "s3",
            endpoint_url=endpoint,
            aws_access_key_id=settings.s3_access_key,
            aws_secret_access_key=settings.s3_secret_key,
            region_name=settings.s3_region or "us-east-1",
            config=Config(
                signature_version="s3v4",
                # MinIO and moto serve buckets by path, not by DNS name.
                s3={"addressing_style": "path" if endpoint else "auto"},
                retries={"max_attempts": 4, "mode": "standard"},
                # The payload is SigV4-hashed already; a CRC32 pass on top is
                # only computed where an operation requires it.
                request_checksum_calculation="when_required",
                max_pool_connections=max_threads * 2,
                connect_timeout=5,
                read_timeout=60,
            ),
        )

    async def call(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        """Runs a blocking boto3 call on the pool, mapping failures to StorageError."""
        from botocore.exceptions import BotoCoreError, ClientError

        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._pool, functools.partial(fn, *args, **kwargs))
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "?")
            raise StorageError(f"S3 {code}: {exc}") from exc
        except BotoCoreError as exc:
            raise StorageError(f"S3 unreachable: {exc}") from exc

    async def put_bytes(self, key: str, data: bytes, content_type: str) -> None:
        await self.call(
            self.client.put_object, Bucket=self.bucket, Key=key, Body=data, ContentType=content_type
        )

    async def put_file(self, key: str, path: str, content_type: str) -> None:
        # upload_file switches to a multipart upload for big files on its own.
        await self.call(
            self.client.upload_file, path, self.bucket, key,
            ExtraArgs={"ContentType": content_type},
        )

    def open_writer(self, key: str, content_type: str) -> ObjectWriter:
        return _MultipartWriter(self, key, content_type)

    async def get_bytes(self, key: str) -> bytes:
        def work() -> bytes:
            body = self.client.get_object(Bucket=self.bucket, Key=key)["Body"]
            try:
                return body.read()
            finally:
                body.close()

        return await self.call(work)

    async def iter_bytes(self, key: str, chunk_size: int = 1 << 16) -> AsyncIterator[bytes]:
        response = await self.call(self.client.get_object, Bucket=self.bucket, Key=key)
        body = response["Body"]
        try:
            while chunk := await self.call(body.read, chunk_size):
                yield chunk
        finally:
            body.close()

    async def read_head(self, key: str, length: int) -> bytes:
        def work() -> bytes:
            response = self.client.get_object(
                Bucket=self.bucket, Key=key, Range=f"bytes=0-{max(length - 1, 0)}"
            )
            try:
                return response["Body"].read()
            finally:
                response["Body"].close()

        return await self.call(work)

    async def delete(self, key: str) -> None:
        await self.call(self.client.delete_object, Bucket=self.bucket, Key=key)

    async def list_keys(self, prefix: str) -> list[str]:
        if not prefix.endswith("/"):
            raise ValueError("a prefix ends with /")

        def work() -> list[str]:
            keys: list[str] = []
            pages = self.client.get_paginator("list_objects_v2")
            for page in pages.paginate(Bucket=self.bucket, Prefix=prefix):
                keys.extend(o["Key"] for o in page.get("Contents", []))
            return sorted(keys)

        return await self.call(work)

    async def delete_prefix(self, prefix: str) -> int:
        keys = await self.list_keys(prefix)
        for start in range(0, len(keys), 1000):  # DeleteObjects takes up to 1,000 keys
            chunk = [{"Key": k} for k in keys[start : start + 1000]]
            await self.call(
                self.client.delete_objects, Bucket=self.bucket,
                Delete={"Objects": chunk, "Quiet": True},
            )
        return len(keys)

    async def size(self, key: str) -> int | None:
        from botocore.exceptions import ClientError

        def work() -> int | None:
            try:
                return int(self.client.head_object(Bucket=self.bucket, Key=key)["ContentLength"])
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                    return None
                raise

        return await self.call(work)

    async def check(self) -> None:
        await self.call(self.client.head_bucket, Bucket=self.bucket)

    async def ensure_bucket(self) -> None:
        """Creates the bucket when missing (tests, first start against MinIO)."""
        from botocore.exceptions import ClientError

        def work() -> None:
            try:
                self.client.head_bucket(Bucket=self.bucket)
            except ClientError:
                self.client.create_bucket(Bucket=self.bucket)

        await self.call(work)

    async def presign_put(
        self, key: str, content_type: str, size: int, expires_in: int
    ) -> PresignedUpload:
        # Content-Type, Content-Length and If-None-Match are signed headers:
        # the client must send exactly the announced type and size, and the URL
        # can only create the object, never overwrite it (so it cannot put
        # sharp pixels back over a processed, blurred image).
        url = await self.call(
            self.signer.generate_presigned_url, "put_object",
            Params={"Bucket": self.bucket, "Key": key, "ContentType": content_type,
                    "ContentLength": size, "IfNoneMatch": "*"},
            ExpiresIn=expires_in, HttpMethod="PUT",
        )
        return PresignedUpload(
            url=url, headers={"Content-Type": content_type, "If-None-Match": "*"},
            expires_at=datetime.now(UTC) + timedelta(seconds=expires_in),
        )

    async def presign_get(self, key: str, expires_in: int, content_type: str) -> str:
        return await self.call(
            self.signer.generate_presigned_url, "get_object",
            Params={"Bucket": self.bucket, "Key": key, "ResponseContentType": content_type},
            ExpiresIn=expires_in,
        )

    async def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


class _MultipartWriter(ObjectWriter):
    """Spools to disk; ships full parts while the next one is being received."""

    def __init__(self, storage: S3Storage, key: str, content_type: str) -> None:
        self.key = key
        self.size = 0
        self._s3 = storage
        self._content_type = content_type
        self._buffer = bytearray()
        self._spool: IO[bytes] | None = None
        self._spooled = 0
        self._upload_id: str | None = None
        self._parts: list[dict[str, Any]] = []
        self._inflight: list[asyncio.Future[None]] = []
        self._done = False

    async def write(self, chunk: bytes) -> None:
        if self._done:
            raise StorageError("writer is closed")
        self._buffer += chunk
        self.size += len(chunk)
        small = self._spool is None and self._upload_id is None
        if len(self._buffer) >= (_SMALL_OBJECT if small else _MEMORY_BUFFER):
            await self._flush_buffer()
            if self._spooled >= PART_SIZE:
                await self._ship_part()

    async def _flush_buffer(self) -> None:
        if not self._buffer:
            return
        data, self._buffer = self._buffer, bytearray()  # handed over, not copied
        if self._spool is None:
            self._spool = tempfile.TemporaryFile(prefix="hubnity-s3-")  # noqa: SIM115
        spool = self._spool
        await self._s3.call(spool.write, data)
        self._spooled += len(data)

    async def _ship_part(self) -> None:
        """Hands the current spool file to a background part upload."""
        while len(self._inflight) >= _PARTS_IN_FLIGHT:
            await self._inflight.pop(0)
        if self._upload_id is None:
            response = await self._s3.call(
                self._s3.client.create_multipart_upload, Bucket=self._s3.bucket, Key=self.key,
                ContentType=self._content_type,
            )
            self._upload_id = response["UploadId"]
        spool, self._spool, self._spooled = self._spool, None, 0
        assert spool is not None
        number = len(self._parts) + 1
        self._parts.append({"PartNumber": number})
        self._inflight.append(asyncio.ensure_future(self._upload_part(spool, number)))

    async def _upload_part(self, spool: IO[bytes], number: int) -> None:
        try:
            spool.seek(0)
            response = await self._s3.call(
                self._s3.client.upload_part, Bucket=self._s3.bucket, Key=self.key,
                UploadId=self._upload_id, PartNumber=number, Body=_SmallReads(spool),
            )
            self._parts[number - 1]["ETag"] = response["ETag"]
        finally:
            spool.close()

    async def commit(self) -> None:
        if self._done:
            raise StorageError("writer is closed")
        if self._upload_id is None:
            # Small object: one PUT from memory or the spool file.
            body: Any
            if self._spool is not None:
                await self._flush_buffer()
                self._spool.seek(0)
                body = _SmallReads(self._spool)
            else:
                body = bytes(self._buffer)
            await self._s3.call(
                self._s3.client.put_object, Bucket=self._s3.bucket, Key=self.key, Body=body,
                ContentType=self._content_type,
            )
            self._done = True
            self._close_spool()
            return
        await self._flush_buffer()
        if self._spooled:
            await self._ship_part()
        while self._inflight:
            await self._inflight.pop(0)
        await self._s3.call(
            self._s3.client.complete_multipart_upload, Bucket=self._s3.bucket, Key=self.key,
            UploadId=self._upload_id, MultipartUpload={"Parts": self._parts},
        )
        self._done = True

    def _close_spool(self) -> None:
        if self._spool is not None:
            self._spool.close()
            self._spool = None

    async def abort(self) -> None:
        if self._done:
            return
        self._done = True
        await asyncio.shield(self._abort())

    async def _abort(self) -> None:
        self._close_spool()
        self._buffer = bytearray()
        while self._inflight:
            with contextlib.suppress(Exception):
                await self._inflight.pop(0)
        if self._upload_id is not None:
            with contextlib.suppress(StorageError):
                await self._s3.call(
                    self._s3.client.abort_multipart_upload, Bucket=self._s3.bucket,
                    Key=self.key, UploadId=self._upload_id,
                )
