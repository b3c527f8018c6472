"""Production mode end to end: a `hubnity-server` process that only enqueues (Redis),
a `hubnity-worker` process that runs the jobs, screenshots on S3 (moto's server),
on SQLite and PostgreSQL. Same code path as the embedded mode, chosen by env."""

from __future__ import annotations

import asyncio
import io
import os
import subprocess
import sys
import uuid
from pathlib import Path

import httpx
import pytest
from PIL import Image

from tests.conftest import TEST_ENV
from tests.integration.screenshots.helpers import make_entry
from tests.integration.screenshots.images import encode, text_screenshot
from tests.support.api import register
from tests.support.process import run_server
from tests.support.s3 import run_moto
from tests.support.services import REDIS_URL, require_redis

pytestmark = [pytest.mark.redis, pytest.mark.slow]


async def test_upload_to_s3_processed_by_a_worker_process(backend, session_tmp):
    require_redis()
    data_dir = session_tmp / f"prod-{uuid.uuid4().hex[:6]}"
    prefix = f"hubnity-e2e-{uuid.uuid4().hex[:8]}:"
    shot_id = "none"
    with run_moto() as moto:
        bucket = f"e2e-{uuid.uuid4().hex[:8]}"
        moto.client().create_bucket(Bucket=bucket)
        env = {**TEST_ENV, "DATABASE_URL": backend, "REDIS_URL": REDIS_URL,
               "REDIS_PREFIX": prefix, **moto.env(bucket)}
        data_dir.mkdir(parents=True)
        log = open(data_dir / "worker.log", "w")
        worker = subprocess.Popen(
            [str(Path(sys.executable).parent / "hubnity-worker")],
            env={**os.environ, **env, "HUBNITY_DATA_DIR": str(data_dir)},
            stdout=log, stderr=subprocess.STDOUT)
        try:
            with run_server(data_dir, env) as server:
                async with httpx.AsyncClient(base_url=server.url, timeout=60) as http:
                    ready = (await http.get("/ready")).json()
                    assert ready["checks"] == {"database": "ok", "redis": "ok",
                                               "storage": "ok"}, ready
                    owner = await register(http, data_dir=server.data_dir)
                    entry = await make_entry(owner)
                    data = encode(text_screenshot(1280, 720), "JPEG", quality=90)
                    r = await owner.post("/api/v1/sync/screenshots", data={
                        "idempotencyKey": str(uuid.uuid4()), "timeEntryKey": entry,
                        "capturedAt": "2026-01-01T09:30:00+00:00", "blurLevel": "3"},
                        files={"file": ("s.jpg", data, "image/jpeg")})
                    assert r.status_code == 201, r.text
                    shot_id = r.json()["id"]
                    for _ in range(300):
                        shot = (await owner.get(f"/api/v1/screenshots/{shot_id}")).json()
                        if shot["status"] != "PENDING":
                            break
                        await asyncio.sleep(0.1)
                    assert shot["status"] == "READY", (shot, (data_dir / "worker.log").read_text())
                    url = (await owner.get(f"/api/v1/screenshots/{shot_id}/url")).json()["url"]
                    full = await http.get(url)  # presigned, straight from the bucket
                    assert full.status_code == 200
                    assert Image.open(io.BytesIO(full.content)).size == (1280, 720)
                    assert full.content != data  # blurred, the sharp upload is gone
        finally:
            worker.terminate()
            worker.wait(timeout=30)
            log.close()
            import redis

            r = redis.Redis.from_url(REDIS_URL)
            keys = [*r.scan_iter(f"*{prefix}*"), f"arq:job:{shot_id}"]
            r.delete(*keys)
            r.close()
