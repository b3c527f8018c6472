"""Redis stopped and started under a production server and its worker.

The rule (docs/deploy.md, "When a backing service fails"): rate limits fail
open, syncs and sign-ins go on; a job that cannot be queued never hangs —
a screenshot stays PENDING with a retry scheduled for the sweep, an export
fails visibly with a 503 and is asked for again."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from tests.conftest import TEST_ENV
from tests.e2e.chaos.agents import utc
from tests.integration.screenshots.helpers import form, make_entry
from tests.integration.screenshots.images import encode, text_screenshot
from tests.support.api import PASSWORD, register
from tests.support.chaos import redis_process
from tests.support.process import run_server
from tests.support.s3 import run_moto
from tests.support.sync import activity, batch, entry

pytestmark = [pytest.mark.slow]


async def _export(owner, http) -> dict:
    r = await owner.get("/api/v1/reports/export?format=csv&from=2026-01-01&to=2026-01-31")
    if r.status_code != 202:
        return {"status": r.status_code, "body": r.json(), "headers": r.headers}
    job = r.json()["jobId"]
    for _ in range(300):
        state = (await owner.get(f"/api/v1/reports/exports/{job}")).json()
        if state["status"] in ("DONE", "FAILED"):
            return state
        await asyncio.sleep(0.1)
    return state


async def test_redis_down_and_back(backend, tmp_path):
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    with run_moto() as moto, redis_process() as redis:
        bucket = f"chaos-{uuid.uuid4().hex[:8]}"
        moto.client().create_bucket(Bucket=bucket)
        env = {
            **TEST_ENV,
            "DATABASE_URL": backend,
            "REDIS_URL": redis.url,
            "REDIS_PREFIX": "chaos:",
            **moto.env(bucket),
        }
        log = open(data_dir / "worker.log", "w")
        worker = subprocess.Popen(
            [str(Path(sys.executable).parent / "hubnity-worker")],
            env={**os.environ, **env, "HUBNITY_DATA_DIR": str(data_dir)},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            with run_server(data_dir, env) as server:
                async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
                    owner = await register(http, data_dir=server.data_dir)
                    key = await make_entry(owner)
                    assert (await _export(owner, http))["status"] == "DONE"

                    redis.stop()
                    # Syncs and sign-ins go on: the limits fail open.
                    k2 = str(uuid.uuid4())
                    start = utc(2026, 1, 20, 9)
                    r = await owner.post(
                        "/api/v1/sync/batch",
                        json=batch([entry(start, 30, key=k2)], [activity(k2, start)]),
                    )
                    assert r.status_code == 200 and r.json()["processed"] == 1, r.text
                    r = await http.post(
                        "/api/v1/auth/login", json={"email": owner.email, "password": PASSWORD}
                    )
                    assert r.status_code == 200, r.text
                    # A screenshot to blur is stored; its job waits for the sweep
                    # (one with no blur gets its thumbnail in the request).
                    shot = encode(text_screenshot(640, 360), "JPEG", quality=85)
                    r = await owner.post(
                        "/api/v1/sync/screenshots",
                        data=form(key, blur=1),
                        files={"file": ("s.jpg", shot, "image/jpeg")},
                    )
                    assert r.status_code == 201, r.text
                    shot_id = r.json()["id"]
                    assert r.json()["status"] == "PENDING"
                    # An export cannot be queued: a clear 503, and no job left PENDING.
                    failed = await _export(owner, http)
                    assert failed["status"] == 503, failed
                    assert "queue" in failed["body"]["detail"]
                    assert failed["headers"].get("retry-after")

                    redis.start()
                    done = await _export(owner, http)
                    assert done["status"] == "DONE", (done, (data_dir / "worker.log").read_text())
                    assert worker.poll() is None, "the worker died with Redis"
                log_text = server.log()
            assert "unhandled error" not in log_text, log_text[-3000:]
            assert "rate limits not enforced" in log_text
        finally:
            worker.terminate()
            worker.wait(timeout=30)
            log.close()

    # After the outage: the entry and minute synced while Redis was down are
    # stored once, no export job is stuck, and the screenshot has its retry.
    def uid(value: str) -> object:
        return uuid.UUID(value) if "postgresql" in backend else uuid.UUID(value).hex

    engine = create_async_engine(backend)
    try:
        async with engine.connect() as conn:
            n = (
                await conn.execute(
                    text("SELECT count(*) FROM time_entries WHERE idempotency_key = :k"),
                    {"k": uid(k2)},
                )
            ).scalar_one()
            stuck = (
                await conn.execute(
                    text(
                        "SELECT count(*) FROM export_jobs WHERE organization_id = :o"
                        " AND status IN ('PENDING', 'RUNNING')"
                    ),
                    {"o": uid(owner.org_id)},
                )
            ).scalar_one()
            retry = (
                await conn.execute(
                    text(
                        "SELECT status, next_attempt_at, created_at FROM screenshots WHERE id = :i"
                    ),
                    {"i": uid(shot_id)},
                )
            ).one()
    finally:
        await engine.dispose()
    assert n == 1
    assert stuck == 0
    assert retry[0] in ("PENDING", "READY") and retry[1] is not None
