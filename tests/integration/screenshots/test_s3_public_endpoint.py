"""Presigned URLs are signed for S3_PUBLIC_ENDPOINT when the server reaches S3 internally."""

from __future__ import annotations

import httpx

from server.runtime.config import StorageSettings
from server.storage.s3 import S3Storage
from tests.support.s3 import ACCESS_KEY, REGION, SECRET_KEY


def _storage(moto, bucket, public):
    return S3Storage(StorageSettings(
        local_dir=None, s3_endpoint=moto.endpoint, s3_bucket=bucket, s3_access_key=ACCESS_KEY,
        s3_secret_key=SECRET_KEY, s3_region=REGION, s3_public_endpoint=public))


async def test_presigned_urls_use_the_public_endpoint(moto, bucket):
    # Same server under another name: as compose's "minio:9000" vs "localhost:9000".
    public = moto.endpoint.replace("127.0.0.1", "localhost")
    storage = _storage(moto, bucket, public)
    try:
        up = await storage.presign_put("screenshots/x.png", "image/png", 4, 60)
        assert up.url.startswith(f"{public}/{bucket}/screenshots/x.png?")
        r = httpx.put(up.url, content=b"\x89PNG", headers={**up.headers, "Content-Length": "4"})
        assert r.status_code == 200, r.text
        assert await storage.size("screenshots/x.png") == 4  # stored where the server reads
        get = await storage.presign_get("screenshots/x.png", 60, "image/png")
        assert get.startswith(f"{public}/") and httpx.get(get).content == b"\x89PNG"
    finally:
        await storage.close()


async def test_without_a_public_endpoint_urls_use_s3_endpoint(moto, bucket):
    storage = _storage(moto, bucket, None)
    try:
        up = await storage.presign_put("screenshots/y.png", "image/png", 4, 60)
        assert up.url.startswith(f"{moto.endpoint}/{bucket}/")
    finally:
        await storage.close()
