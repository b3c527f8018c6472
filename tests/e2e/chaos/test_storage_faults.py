"""The S3 endpoint down during uploads and the presigned flow, and the server
killed with SIGKILL in the middle of a streamed upload."""

from __future__ import annotations

import asyncio
import os
import signal
import time
import uuid
from datetime import UTC, datetime

import httpx
import pytest

from server.storage.local import LocalStorage
from tests.conftest import TEST_ENV
from tests.integration.screenshots.helpers import form, make_entry
from tests.integration.screenshots.images import encode, text_screenshot
from tests.support.api import register
from tests.support.chaos import tcp_proxy
from tests.support.process import free_port, run_server
from tests.support.s3 import run_moto

pytestmark = [pytest.mark.slow]

UPLOAD = "/api/v1/sync/screenshots"
AT = datetime(2026, 1, 1, 9, 30, tzinfo=UTC)


async def _ready(owner, shot_id: str) -> dict:
    for _ in range(300):
        shot = (await owner.get(f"/api/v1/screenshots/{shot_id}")).json()
        if shot["status"] != "PENDING":
            return shot
        await asyncio.sleep(0.1)
    return shot


async def test_s3_down_during_uploads_and_presign(backend, tmp_path):
    with run_moto() as moto, tcp_proxy(int(moto.endpoint.rsplit(":", 1)[1])) as proxy:
        bucket = f"chaos-{uuid.uuid4().hex[:8]}"
        s3 = moto.client()
        s3.create_bucket(Bucket=bucket)
        env = {
            **TEST_ENV,
            "DATABASE_URL": backend,
            **moto.env(bucket),
            "S3_ENDPOINT": f"http://127.0.0.1:{proxy.port}",
        }
        with run_server(tmp_path / "data", env) as server:
            async with httpx.AsyncClient(base_url=server.url, timeout=60) as http:
                owner = await register(http, data_dir=server.data_dir)
                entry = await make_entry(owner)
                image = encode(text_screenshot(800, 450), "JPEG", quality=85)
                streamed, presigned = str(uuid.uuid4()), str(uuid.uuid4())

                proxy.down()
                # Streamed upload: a clear 503 with Retry-After, nothing stored.
                r = await owner.post(
                    UPLOAD,
                    data=form(entry, key=streamed, captured_at=AT),
                    files={"file": ("s.jpg", image, "image/jpeg")},
                )
                assert r.status_code == 503, r.text
                assert "object storage" in r.json()["detail"] and r.headers["retry-after"]
                # Presigned: signing needs no network; the PUT cannot reach the
                # bucket, and confirming an object that never arrived is refused.
                r = await owner.post(
                    f"{UPLOAD}/presign",
                    json={
                        "idempotencyKey": presigned,
                        "timeEntryKey": entry,
                        "contentType": "image/jpeg",
                        "size": len(image),
                    },
                )
                assert r.status_code in (200, 201), r.text
                ticket = r.json()
                with pytest.raises(httpx.ConnectError):
                    await http.put(
                        ticket["uploadUrl"], content=image, headers=ticket["uploadHeaders"]
                    )
                r = await owner.post(
                    f"{UPLOAD}/confirm",
                    json={
                        "screenshotId": ticket["screenshotId"],
                        "capturedAt": "2026-01-01T09:30:00+00:00",
                    },
                )
                assert r.status_code in (409, 503), r.text
                assert r.status_code != 500

                proxy.up()
                # The agent's retries: same keys, now they go through, once each.
                r = await owner.post(
                    UPLOAD,
                    data=form(entry, key=streamed, captured_at=AT),
                    files={"file": ("s.jpg", image, "image/jpeg")},
                )
                assert r.status_code == 201, r.text
                first = r.json()["id"]
                r = await owner.post(
                    f"{UPLOAD}/presign",
                    json={
                        "idempotencyKey": presigned,
                        "timeEntryKey": entry,
                        "contentType": "image/jpeg",
                        "size": len(image),
                    },
                )
                ticket = r.json()
                put = await http.put(
                    ticket["uploadUrl"], content=image, headers=ticket["uploadHeaders"]
                )
                assert put.status_code == 200, put.text
                r = await owner.post(
                    f"{UPLOAD}/confirm",
                    json={
                        "screenshotId": ticket["screenshotId"],
                        "capturedAt": "2026-01-01T09:30:00+00:00",
                    },
                )
                assert r.status_code in (200, 201), r.text
                for shot_id in (first, ticket["screenshotId"]):
                    assert (await _ready(owner, shot_id))["status"] == "READY"
                listed = await owner.get(
                    "/api/v1/screenshots",
                    params={"from": "2025-12-31T00:00:00Z", "to": "2026-01-02T00:00:00Z"},
                )
                assert listed.status_code == 200, listed.text
                ids = [s["id"] for s in listed.json()["items"]]
                assert sorted(ids) == sorted({first, ticket["screenshotId"]}), listed.json()
            log = server.log()
        assert "unhandled error" not in log, log[-3000:]
        # No orphan objects: the bucket holds the two screenshots (+ their thumbnails).
        keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]
        full = [k for k in keys if "thumb" not in k]
        assert len(full) == 2, keys
        assert not s3.list_multipart_uploads(Bucket=bucket).get("Uploads"), "open multipart"


async def test_server_killed_mid_upload(tmp_path):
    """SIGKILL while a screenshot streams in: no row, no object, only a temp
    file the incoming sweep removes; the agent's retry stores it once."""
    data_dir = tmp_path / "data"
    port = free_port()
    db = f"sqlite+aiosqlite:///{tmp_path / 'kill.db'}"
    env = {**TEST_ENV, "DATABASE_URL": db}
    image = encode(text_screenshot(1600, 900), "PNG")
    key = str(uuid.uuid4())
    with run_server(data_dir, env, port=port) as server:
        async with httpx.AsyncClient(base_url=server.url, timeout=60) as http:
            owner = await register(http, data_dir=server.data_dir)
            entry = await make_entry(owner)
            fields = form(entry, key=key)
            boundary = "chaosboundary"
            head = "".join(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'
                for k, v in fields.items()
            ) + (
                f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
                'filename="s.png"\r\nContent-Type: image/png\r\n\r\n'
            )
            body = head.encode() + image + f"\r\n--{boundary}--\r\n".encode()

            async def trickle():
                yield body[: len(head) + len(image) // 2]
                server.proc.send_signal(signal.SIGKILL)  # half the file is in
                await asyncio.sleep(30)
                yield body[len(head) + len(image) // 2 :]

            with pytest.raises(httpx.HTTPError):
                await owner.post(
                    UPLOAD,
                    content=trickle(),
                    headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
                )
        server.proc.wait(timeout=10)
    storage_root = data_dir / "storage"
    objects = [p for p in storage_root.rglob("*") if p.is_file() and ".incoming" not in p.parts]
    assert objects == [], objects  # nothing published by the killed upload
    with run_server(data_dir, env, port=port) as server:
        async with httpx.AsyncClient(base_url=server.url, timeout=60) as http:
            owner.client = http
            r = await owner.post(
                UPLOAD, data=form(entry, key=key), files={"file": ("s.png", image, "image/png")}
            )
            assert r.status_code == 201, r.text  # not 200: the killed one never existed
            assert (await _ready(owner, r.json()["id"]))["status"] == "READY"
            r = await owner.post(
                UPLOAD, data=form(entry, key=key), files={"file": ("s.png", image, "image/png")}
            )
            assert r.status_code == 200
    # The killed upload's temp file is swept once it is old.
    storage = LocalStorage(storage_root)
    leftovers = list(storage.incoming.iterdir())
    past = time.time() - 7200
    for p in leftovers:
        os.utime(p, (past, past))
    await storage.sweep_incoming()
    assert list(storage.incoming.iterdir()) == []
