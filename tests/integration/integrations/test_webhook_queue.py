"""Zammad webhook deliveries that arrive while a run of the integration is in
progress (the Zammad stand-in holds the run's requests): they are queued in
one waiting run, which starts when the running one ends and reads their
tickets. In-process runner on SQLite and PostgreSQL; an arq worker with
Redis and PostgreSQL (production)."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import make_settings
from tests.integration.integrations.helpers import connect, wait_run
from tests.support.api import Account, create_project, invite, register
from tests.support.services import REDIS_URL, create_pg_database, drop_pg_database, require_redis
from tests.support.standins.base import serving
from tests.support.standins.zammad import ZammadStandIn

ZTOKEN, SECRET = "zammad-queue-token-0123", "queue-hook-secret-42"


async def _hook(owner: Account, iid: str, zammad: ZammadStandIn, ticket: int) -> dict[str, Any]:
    body, headers = zammad.signed(SECRET, ticket)
    r = await owner.client.post(
        f"/api/v1/integrations/{iid}/webhook", content=body, headers=headers
    )
    assert r.status_code == 202, r.text
    return dict(r.json())


async def _status(owner: Account, run_id: str) -> dict[str, Any]:
    r = await owner.get(f"/api/v1/integration-runs/{run_id}")
    assert r.status_code == 200, r.text
    return dict(r.json())


async def _connected(client: Any, zammad: ZammadStandIn) -> tuple[Account, Account, str, int]:
    owner = await register(client)
    bob = await invite(owner, name="Bob")
    project = await create_project(owner, f"Desk-{uuid.uuid4().hex[:6]}")
    zbob = zammad.add_user(bob.email, "Bob")
    r = await connect(
        owner,
        "zammad",
        zammad.url,
        {"apiToken": ZTOKEN, "webhookSecret": SECRET},
        {"projectId": project["id"]},
    )
    assert r.status_code == 201, r.text
    return owner, bob, r.json()["id"], zbob


async def _held(zammad: ZammadStandIn) -> None:
    """Until the running run waits for Zammad's answer."""
    for _ in range(600):
        if zammad.held.is_set():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the run never asked Zammad")


async def _deliveries_while_running(
    owner: Account, iid: str, zammad: ZammadStandIn, bob_id: int
) -> tuple[str, str, list[int]]:
    """Two deliveries (two tickets) during the held run: one waiting run."""
    runs = (await owner.get(f"/api/v1/integrations/{iid}/runs")).json()["items"]
    running = await _status(owner, runs[0]["id"])
    assert running["status"] == "running", running
    tickets = [zammad.add_ticket(f"T{i}") for i in range(2)]
    for t in tickets:
        zammad.add_accounting(t, bob_id, "15")
    first, second = [await _hook(owner, iid, zammad, t) for t in tickets]
    assert first["status"] == second["status"] == "queued", (first, second)
    assert first["runId"] == second["runId"] != running["id"]
    waiting = await _status(owner, first["runId"])
    assert (waiting["status"], waiting["trigger"]) == ("queued", "webhook"), waiting
    return running["id"], first["runId"], tickets


async def test_a_delivery_during_a_run_waits_and_runs_after_it(client, db) -> None:
    with serving(ZammadStandIn(token=ZTOKEN)) as zammad:
        try:
            owner, bob, iid, zbob = await _connected(client, zammad)
            zammad.hold()
            r = await owner.post(f"/api/v1/integrations/{iid}/runs", json={})
            assert r.status_code == 202, r.text
            await _held(zammad)
            running_id, waiting_id, tickets = await _deliveries_while_running(
                owner, iid, zammad, zbob
            )
            # Still waiting while the first run is held (not failed as "busy").
            await asyncio.sleep(0.5)
            assert (await _status(owner, waiting_id))["status"] == "queued"
        finally:
            zammad.release()
        assert (await wait_run(owner, running_id))["status"] == "done"
        after = await wait_run(owner, waiting_id)
        assert after["status"] == "done", after
        # It read exactly the two tickets the deliveries named.
        assert after["counts"]["fetched"] == 2, after
        asked = {q.path for q in zammad.log if q.path.endswith("/time_accountings")}
        assert {f"/api/v1/tickets/{t}/time_accountings" for t in tickets} <= asked
        entries = await owner.get("/api/v1/time-entries", params={"userId": bob.user_id})
        assert entries.status_code == 200, entries.text
        assert len(entries.json()["items"]) == 2, entries.json()


@pytest.mark.redis
@pytest.mark.postgres
async def test_a_delivery_during_a_run_on_an_arq_worker(session_tmp: Path) -> None:
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
            session_tmp / "arq-webhook",
            REDIS_URL=REDIS_URL,
            REDIS_PREFIX=f"hubtest-{uuid.uuid4().hex[:8]}:",
        )
        with serving(ZammadStandIn(token=ZTOKEN)) as zammad:
            async with AsyncTestClient(app=create_app(settings), timeout=60) as client:
                owner, bob, iid, zbob = await _connected(client, zammad)

                def worker() -> Any:
                    return Worker(
                        **worker_kwargs(settings, burst=True, handle_signals=False, cron_jobs=[])
                    )

                zammad.hold()
                r = await owner.post(f"/api/v1/integrations/{iid}/runs", json={})
                assert r.status_code == 202, r.text
                first = worker()
                task = asyncio.create_task(first.main())
                try:
                    await _held(zammad)
                    running_id, waiting_id, _ = await _deliveries_while_running(
                        owner, iid, zammad, zbob
                    )
                finally:
                    zammad.release()
                    await task
                    await first.close()
                assert (await _status(owner, running_id))["status"] == "done"
                # The ending run put the waiting one on the Redis queue.
                second = worker()
                try:
                    await second.main()
                finally:
                    await second.close()
                after = await _status(owner, waiting_id)
                assert after["status"] == "done" and after["counts"]["fetched"] == 2, after
                r = await owner.get("/api/v1/time-entries", params={"userId": bob.user_id})
                assert len(r.json()["items"]) == 2, r.json()
    finally:
        drop_pg_database(name)
