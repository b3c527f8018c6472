"""The screenshot API on S3 (moto's server over HTTP), on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from datetime import UTC, datetime

import httpx

from tests.integration.screenshots.helpers import app_client, make_entry, upload, wait_status
from tests.integration.screenshots.images import noise_png, png_bytes
from tests.support.api import register


def _keys(moto, bucket: str, org_id: str) -> list[str]:
    listing = moto.client().list_objects_v2(Bucket=bucket, Prefix=f"screenshots/{org_id}/")
    return sorted(o["Key"] for o in listing.get("Contents", []))


def _open_uploads(moto, bucket: str) -> list:
    return moto.client().list_multipart_uploads(Bucket=bucket).get("Uploads", [])


async def test_unblurred_upload_writes_its_thumbnail_to_s3_in_the_request(
    backend, session_tmp, moto, bucket
):
    async with app_client(backend, session_tmp / f"s3i-{uuid.uuid4().hex[:6]}",
                          **moto.env(bucket)) as client:
        owner = await register(client)
        entry = await make_entry(owner)
        r = await upload(owner, png_bytes(), entry)
        assert r.status_code == 201 and r.json()["status"] == "READY", r.text
        shot_id = r.json()["id"]
        keys = _keys(moto, bucket, owner.org_id)
        assert [k.rsplit("/", 1)[1] for k in keys] == [f"{shot_id}.png", f"{shot_id}.thumb.jpg"]
        url = (await owner.get(f"/api/v1/screenshots/{shot_id}/url?variant=thumb")).json()
        async with httpx.AsyncClient() as http:
            direct = await http.get(url["url"])
        assert direct.status_code == 200 and direct.headers["content-type"] == "image/jpeg"
        assert (await owner.delete(f"/api/v1/screenshots/{shot_id}")).status_code == 204
        assert _keys(moto, bucket, owner.org_id) == []


async def test_upload_process_read_delete_on_s3(backend, session_tmp, moto, bucket):
    async with app_client(backend, session_tmp / f"s3-{uuid.uuid4().hex[:6]}",
                          **moto.env(bucket)) as client:
        owner = await register(client)
        entry = await make_entry(owner)
        captured = datetime.now(UTC)
        r = await upload(owner, png_bytes(), entry, blur=2)
        assert r.status_code == 201, r.text
        shot = await wait_status(client, owner, r.json()["id"])
        assert shot["status"] == "READY", shot
        keys = _keys(moto, bucket, owner.org_id)
        prefix = f"screenshots/{owner.org_id}/{owner.user_id}/{captured:%Y/%m/%d}/{shot['id']}"
        assert keys == [f"{prefix}.png", f"{prefix}.thumb.jpg"]
        image = await owner.get(f"/api/v1/screenshots/{shot['id']}/image")
        assert image.status_code == 200 and image.content[:4] == b"\x89PNG"
        url = (await owner.get(f"/api/v1/screenshots/{shot['id']}/url?variant=thumb")).json()
        async with httpx.AsyncClient() as http:  # straight from the bucket, no token
            direct = await http.get(url["url"])
        assert direct.status_code == 200 and direct.content[:3] == b"\xff\xd8\xff"
        assert (await owner.delete(f"/api/v1/screenshots/{shot['id']}")).status_code == 204
        assert _keys(moto, bucket, owner.org_id) == []


async def test_large_upload_goes_multipart_and_hashes_right(backend, session_tmp, moto, bucket):
    async with app_client(backend, session_tmp / f"s3big-{uuid.uuid4().hex[:6]}",
                          SCREENSHOT_MAX_BYTES="40mb", **moto.env(bucket)) as client:
        owner = await register(client)
        entry = await make_entry(owner)
        data = noise_png(2600, 2400)  # ~18.7 MB: three 8 MiB parts
        assert len(data) > 16 * 1024 * 1024
        r = await upload(owner, data, entry)
        assert r.status_code == 201, r.text
        shot = await wait_status(client, owner, r.json()["id"])
        assert shot["status"] == "READY" and shot["sizeBytes"] == len(data)
        assert shot["sha256"] == hashlib.sha256(data).hexdigest()
        key = next(k for k in _keys(moto, bucket, owner.org_id) if ".thumb." not in k)
        stored = moto.client().get_object(Bucket=bucket, Key=key)["Body"].read()
        assert stored == data
        assert _open_uploads(moto, bucket) == []


async def test_racing_duplicates_and_oversize_on_s3(backend, session_tmp, moto, bucket):
    async with app_client(backend, session_tmp / f"s3race-{uuid.uuid4().hex[:6]}",
                          SCREENSHOT_MAX_BYTES="10mb", **moto.env(bucket)) as client:
        owner = await register(client)
        entry = await make_entry(owner)
        key = str(uuid.uuid4())
        data = noise_png(1000, 1000)  # 3 MB
        results = await asyncio.gather(*(upload(owner, data, entry, key=key) for _ in range(3)))
        assert len({r.json()["id"] for r in results}) == 1, [r.text for r in results]
        assert sorted(r.status_code for r in results)[-1] == 201
        await wait_status(client, owner, results[0].json()["id"])
        assert len(_keys(moto, bucket, owner.org_id)) == 2  # one original, one thumbnail
        assert len((await owner.get("/api/v1/screenshots")).json()["items"]) == 1
        # Over the limit mid-stream, past the first multipart part: nothing remains.
        big = noise_png(1880, 1880)  # ~10.6 MB, within the Content-Length slack
        assert 10 * 1024 * 1024 < len(big) < 10 * 1024 * 1024 + 256 * 1024
        r = await upload(owner, big, entry)
        assert r.status_code == 413, r.text
        assert len(_keys(moto, bucket, owner.org_id)) == 2
        assert _open_uploads(moto, bucket) == []


async def test_presigned_flow_on_s3(backend, session_tmp, moto, bucket):
    async with app_client(backend, session_tmp / f"s3pre-{uuid.uuid4().hex[:6]}",
                          **moto.env(bucket)) as client:
        owner = await register(client)
        entry = await make_entry(owner)
        data = png_bytes()
        ticket = (await owner.post("/api/v1/sync/screenshots/presign", json={
            "idempotencyKey": str(uuid.uuid4()), "timeEntryKey": entry,
            "contentType": "image/png", "size": len(data)})).json()
        assert ticket["uploadUrl"].startswith(moto.endpoint)
        confirm = {"screenshotId": ticket["screenshotId"], "capturedAt":
                   datetime.now(UTC).isoformat(), "blurLevel": 0, "metadata": {}}
        r = await owner.post("/api/v1/sync/screenshots/confirm", json=confirm)
        assert r.status_code == 409  # nothing uploaded yet
        async with httpx.AsyncClient() as http:
            r = await http.put(ticket["uploadUrl"], content=data, headers=ticket["uploadHeaders"])
        assert r.status_code == 200, r.text
        r = await owner.post("/api/v1/sync/screenshots/confirm", json={**confirm, "blurLevel": 2})
        assert r.status_code == 200, r.text
        shot = await wait_status(client, owner, ticket["screenshotId"])
        assert shot["status"] == "READY" and shot["width"] == 640 and shot["blurLevel"] == 2
        assert shot["sha256"] == hashlib.sha256(data).hexdigest()
        # The URL only creates: it cannot put sharp pixels back over the processed image.
        key = next(k for k in _keys(moto, bucket, owner.org_id) if k.endswith(".png"))
        processed = moto.client().get_object(Bucket=bucket, Key=key)["Body"].read()
        async with httpx.AsyncClient() as http:
            r = await http.put(ticket["uploadUrl"], content=data, headers=ticket["uploadHeaders"])
        assert r.status_code == 412
        assert moto.client().get_object(Bucket=bucket, Key=key)["Body"].read() == processed
        # Headers are signed: dropping If-None-Match breaks the signature on real S3
        # (moto does not verify signatures, so that part is not asserted here).
