"""Jobs through real `hubnity-worker` (arq) processes on the local Redis.

The app only enqueues (REDIS_URL set); a separate worker process runs the
same job functions against the same database and storage directory.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import select

from server.db.models import Screenshot
from server.jobs.arq_queue import ArqQueue
from tests.conftest import TEST_ENV
from tests.integration.screenshots.helpers import (
    app_client,
    hub_of,
    in_app,
    make_entry,
    upload,
    wait_status,
)
from tests.integration.screenshots.images import encode, png_bytes, text_screenshot
from tests.support.api import register
from tests.support.services import REDIS_URL, require_redis

WORKER = Path(sys.executable).parent / "hubnity-worker"


@pytest.fixture
def redis_prefix() -> Iterator[str]:
    require_redis()
    prefix = f"hubnity-test-{uuid.uuid4().hex[:8]}:"
    yield prefix
    import redis

    r = redis.Redis.from_url(REDIS_URL)
    keys = list(r.scan_iter(f"*{prefix}*"))
    if keys:
        r.delete(*keys)
    r.close()


# A killed worker's job is picked up again once its lease (job timeout + 10 s)
# lapses. The timeout must also cover the slowest job (an 8K blur) on a busy
# machine, or every attempt times out and the test measures the load instead.
KILL_TEST_JOB_TIMEOUT = 30


def _env(db_url: str, data_dir: Path, prefix: str, job_timeout: int) -> dict[str, str]:
    return {**os.environ, **TEST_ENV, "DATABASE_URL": db_url, "HUBNITY_DATA_DIR": str(data_dir),
            "REDIS_URL": REDIS_URL, "REDIS_PREFIX": prefix, "LOG_JSON": "true",
            "HUBNITY_WORKER_JOB_TIMEOUT": str(job_timeout), "HUBNITY_WORKER_MAX_JOBS": "2"}


@contextmanager
def worker(db_url: str, data_dir: Path, prefix: str, *args: str,
           job_timeout: int = 5) -> Iterator[subprocess.Popen]:
    log = open(data_dir / f"worker-{uuid.uuid4().hex[:6]}.log", "w")
    proc = subprocess.Popen([str(WORKER), *args], env=_env(db_url, data_dir, prefix, job_timeout),
                            stdout=log, stderr=subprocess.STDOUT)
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        log.close()


def _cleanup_job_keys(shot_ids: list[str]) -> None:
    import redis

    r = redis.Redis.from_url(REDIS_URL)
    for shot_id in shot_ids:
        for kind in ("job", "in-progress", "retry", "result"):
            r.delete(f"arq:{kind}:{shot_id}")
    r.close()


async def test_worker_process_runs_the_jobs(backend, session_tmp, redis_prefix):
    data_dir = session_tmp / f"arq-{uuid.uuid4().hex[:6]}"
    async with app_client(backend, data_dir, REDIS_URL=REDIS_URL,
                          REDIS_PREFIX=redis_prefix) as client:
        assert isinstance(hub_of(client).jobs, ArqQueue)
        owner = await register(client)
        entry = await make_entry(owner)
        ids = []
        for blur in (0, 3):
            r = await upload(owner, png_bytes(), entry, blur=blur)
            assert r.status_code == 201, r.text
            ids.append(r.json()["id"])
        # The unblurred one got its thumbnail in the upload request; the blur
        # waits for the worker: nothing of it runs in the server process.
        assert (await owner.get(f"/api/v1/screenshots/{ids[0]}")).json()["status"] == "READY"
        assert (await owner.get(f"/api/v1/screenshots/{ids[1]}")).json()["status"] == "PENDING"
        with worker(backend, data_dir, redis_prefix, "--burst") as proc:
            assert proc.wait(timeout=120) == 0
        for shot_id in ids:
            shot = await wait_status(client, owner, shot_id, timeout=5)
            assert shot["status"] == "READY", shot
            thumb = await owner.get(f"/api/v1/screenshots/{shot_id}/image?variant=thumb")
            assert thumb.status_code == 200
        _cleanup_job_keys(ids)


async def test_worker_killed_mid_job_completes_after_restart(backend, session_tmp, redis_prefix):
    data_dir = session_tmp / f"arqkill-{uuid.uuid4().hex[:6]}"
    async with app_client(backend, data_dir, REDIS_URL=REDIS_URL,
                          REDIS_PREFIX=redis_prefix, SCREENSHOT_MAX_BYTES="40mb") as client:
        owner = await register(client)
        entry = await make_entry(owner)
        # 8K text screenshot at strong blur: a couple of seconds of work.
        r = await upload(owner, encode(text_screenshot(7680, 4320), "PNG"), entry, blur=3)
        shot_id = r.json()["id"]
        with worker(backend, data_dir, redis_prefix, job_timeout=KILL_TEST_JOB_TIMEOUT) as proc:
            deadline = time.monotonic() + 60
            while True:  # wait until the job has started (an attempt is counted)
                shot = (await owner.get(f"/api/v1/screenshots/{shot_id}")).json()
                if shot["status"] != "PENDING":
                    pytest.fail(f"the job finished before it could be killed: {shot}")
                if await _attempts(client, shot_id) >= 1:
                    break
                assert time.monotonic() < deadline, "the worker never started the job"
                await asyncio.sleep(0.02)
            proc.send_signal(signal.SIGKILL)
            proc.wait()
        assert (await owner.get(f"/api/v1/screenshots/{shot_id}")).json()["status"] == "PENDING"
        # A new worker picks the job up again once the dead one's lease lapses.
        with worker(backend, data_dir, redis_prefix, job_timeout=KILL_TEST_JOB_TIMEOUT):
            shot = await wait_status(client, owner, shot_id, timeout=KILL_TEST_JOB_TIMEOUT + 90)
        assert shot["status"] == "READY", shot
        assert await _attempts(client, shot_id) == 2
        _cleanup_job_keys([shot_id])


async def _attempts(client, shot_id: str) -> int:
    app_state = hub_of(client)

    async def work() -> int:
        async with app_state.sessions() as session:
            return (await session.execute(select(Screenshot.attempts).where(
                Screenshot.id == uuid.UUID(shot_id)))).scalar_one()

    return await in_app(client, work)


def test_worker_refuses_to_start_without_redis(tmp_path):
    env = {**os.environ, **TEST_ENV, "HUBNITY_DATA_DIR": str(tmp_path)}
    env.pop("REDIS_URL", None)
    env.pop("REDIS_HOST", None)
    out = subprocess.run([str(WORKER), "--burst"], env=env, capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 2 and "REDIS_URL" in out.stderr
