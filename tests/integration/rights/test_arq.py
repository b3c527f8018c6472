"""Production mode: data export and erase as jobs on a real arq worker (Redis,
PostgreSQL, S3 on moto's server), burst mode."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import make_settings
from tests.integration.rights.helpers import recent, rows_naming
from tests.integration.screenshots.helpers import upload
from tests.integration.screenshots.images import png_bytes
from tests.support.api import invite, register
from tests.support.services import REDIS_URL, create_pg_database, drop_pg_database, require_redis
from tests.support.sync import activity, batch, entry, minutes_of

pytestmark = [pytest.mark.redis, pytest.mark.postgres]


async def _work(settings: Any) -> None:
    from arq.worker import Worker

    from server.jobs.worker import worker_kwargs

    worker = Worker(**worker_kwargs(settings, burst=True, handle_signals=False, cron_jobs=[]))
    try:
        await worker.main()
    finally:
        await worker.close()


async def test_export_and_erase_on_an_arq_worker(session_tmp: Path, moto, bucket) -> None:
    from litestar.testing import AsyncTestClient

    from server.app import create_app
    from server.db.migrate import upgrade
    from server.db.session import create_engine, session_factory
    from server.runtime.config import DatabaseSettings

    require_redis()
    name, url = create_pg_database()
    try:
        upgrade(url)
        settings = make_settings(
            url,
            session_tmp / f"arq-rights-{uuid.uuid4().hex[:6]}",
            REDIS_URL=REDIS_URL,
            REDIS_PREFIX=f"hubtest-{uuid.uuid4().hex[:8]}:",
            **moto.env(bucket),
        )
        async with AsyncTestClient(app=create_app(settings), timeout=60) as client:
            owner = await register(client)
            member = await invite(owner)
            e = entry(recent(), 5, timezone="UTC")
            acts = [activity(e["idempotencyKey"], m) for m in minutes_of(recent(), 5)]
            r = await member.post("/api/v1/sync/batch", json=batch([e], acts))
            assert r.status_code == 200 and r.json()["activity"]["processed"] == 5
            r = await upload(member, png_bytes(), e["idempotencyKey"])
            assert r.status_code == 201
            await _work(settings)  # processes the screenshot
            prefix = f"screenshots/{owner.org_id}/{member.user_id}/"
            listing = moto.client().list_objects_v2(Bucket=bucket, Prefix=prefix)
            assert len(listing.get("Contents", [])) == 2

            r = await member.post(f"/api/v1/members/{member.user_id}/data-export")
            export_id = r.json()["jobId"]
            assert (await member.get(f"/api/v1/rights-jobs/{export_id}")).json()[
                "status"
            ] == "PENDING"
            await _work(settings)
            done = (await member.get(f"/api/v1/rights-jobs/{export_id}")).json()
            assert done["status"] == "DONE" and done["done"] == done["total"] == 5, done
            path = done["downloadUrl"].split("://", 1)[1].split("/", 1)[1]
            zipped = await client.get(f"/{path}")
            assert zipped.status_code == 200 and zipped.content[:2] == b"PK"

            r = await owner.post(
                f"/api/v1/members/{member.user_id}/erase", json={"confirmEmail": member.email}
            )
            erase_id = r.json()["jobId"]
            await _work(settings)
            job = (await owner.get(f"/api/v1/rights-jobs/{erase_id}")).json()
            assert job["status"] == "DONE", job
            for folder in (prefix, f"data-exports/{owner.org_id}/"):
                listing = moto.client().list_objects_v2(Bucket=bucket, Prefix=folder)
                assert listing.get("Contents", []) == [], folder
        engine = create_engine(DatabaseSettings(url=url))
        try:
            assert await rows_naming(session_factory(engine), member.user_id, member.email) == []
        finally:
            await engine.dispose()
    finally:
        drop_pg_database(name)
