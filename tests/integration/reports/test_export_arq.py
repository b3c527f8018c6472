"""The export job on a real arq worker (Redis + PostgreSQL), burst mode."""

from __future__ import annotations

import csv
import io
import uuid
from pathlib import Path

import pytest

from tests.conftest import make_settings
from tests.integration.reports.helpers import entry, sync, utc
from tests.support.api import register
from tests.support.services import REDIS_URL, create_pg_database, drop_pg_database, require_redis

pytestmark = [pytest.mark.redis, pytest.mark.postgres]


async def test_export_runs_on_an_arq_worker(session_tmp: Path) -> None:
    from arq.worker import Worker
    from litestar.testing import AsyncTestClient

    from server.app import create_app
    from server.db.migrate import upgrade
    from server.jobs.worker import worker_kwargs

    require_redis()
    name, url = create_pg_database()
    try:
        upgrade(url)
        settings = make_settings(
            url,
            session_tmp / "arq-export",
            REDIS_URL=REDIS_URL,
            REDIS_PREFIX=f"hubtest-{uuid.uuid4().hex[:8]}:",
        )
        async with AsyncTestClient(app=create_app(settings), timeout=60) as client:
            owner = await register(client)
            await sync(
                owner, [entry(utc(2026, 1, 12, 8, 0), utc(2026, 1, 12, 9, 15), description="=1+1")]
            )
            r = await owner.get(
                "/api/v1/reports/export",
                params={"format": "csv", "from": "2026-01-12", "to": "2026-01-12"},
            )
            assert r.status_code == 202
            job_id = r.json()["jobId"]
            assert (await owner.get(f"/api/v1/reports/exports/{job_id}")).json()[
                "status"
            ] == "PENDING"

            worker = Worker(
                **worker_kwargs(settings, burst=True, handle_signals=False, cron_jobs=[])
            )
            try:
                await worker.main()
            finally:
                await worker.close()

            done = (await owner.get(f"/api/v1/reports/exports/{job_id}")).json()
            assert done["status"] == "DONE" and done["rowCount"] == 1, done
            body = (await owner.get(done["downloadUrl"])).content.decode("utf-8-sig")
            rows = list(csv.reader(io.StringIO(body)))
            assert rows[1][8] == "1:15:00" and rows[1][5] == "'=1+1"
    finally:
        drop_pg_database(name)
