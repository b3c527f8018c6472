"""An import run on a real arq worker (Redis + PostgreSQL), burst mode: the
production path runs the same job body as the in-process runner."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.conftest import make_settings
from tests.integration.integrations.helpers import connect
from tests.support.api import invite, register
from tests.support.services import REDIS_URL, create_pg_database, drop_pg_database, require_redis
from tests.support.standins.base import serving
from tests.support.standins.toggl import TogglStandIn

pytestmark = [pytest.mark.redis, pytest.mark.postgres]
TOKEN = "toggl-arq-token-0123456789"


async def test_an_import_runs_on_an_arq_worker(session_tmp: Path) -> None:
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
            session_tmp / "arq-import",
            REDIS_URL=REDIS_URL,
            REDIS_PREFIX=f"hubtest-{uuid.uuid4().hex[:8]}:",
        )
        with serving(TogglStandIn(token=TOKEN)) as toggl:
            async with AsyncTestClient(app=create_app(settings), timeout=60) as client:
                owner = await register(client)
                ivy = await invite(owner, name="Ivy")
                uid = toggl.add_user(ivy.email, "Ivy")
                toggl.add_entry(uid, datetime.now(UTC) - timedelta(days=1), 2400)
                r = await connect(
                    owner, "toggl", toggl.url, {"apiToken": TOKEN}, {"workspaceId": 777}
                )
                assert r.status_code == 201, r.text
                iid = r.json()["id"]
                r = await owner.post(f"/api/v1/integrations/{iid}/runs", json={})
                assert r.status_code == 202
                run_id = r.json()["id"]
                queued = (await owner.get(f"/api/v1/integration-runs/{run_id}")).json()
                assert queued["status"] == "queued"

                worker = Worker(
                    **worker_kwargs(settings, burst=True, handle_signals=False, cron_jobs=[])
                )
                try:
                    await worker.main()
                finally:
                    await worker.close()

                done = (await owner.get(f"/api/v1/integration-runs/{run_id}")).json()
                assert done["status"] == "done" and done["counts"]["created"] == 1, done
    finally:
        drop_pg_database(name)
