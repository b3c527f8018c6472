"""Data-rights jobs survive interruptions: an erase that crashed part-way is
picked up by the periodic care and finishes; a data export's file is deleted
when it expires; on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import timedelta
from functools import partial
from typing import Any

import pytest
from sqlalchemy import update

from tests.integration.rights.helpers import recent, rows_naming, seed, wait_job
from tests.integration.rights.test_retention import _CrashAt
from tests.integration.screenshots.helpers import app_client, hub_of, in_app, settle
from tests.support.api import invite, register


async def _age(app_state: Any, job_id: str, **values: Any) -> None:
    from server.db.models import RightsJob

    async with app_state.sessions() as session:
        await session.execute(
            update(RightsJob).where(RightsJob.id == uuid.UUID(job_id)).values(**values)
        )
        await session.commit()


async def test_a_crashed_erase_is_resumed_and_finishes(backend, session_tmp):
    from server.db.base import utcnow
    from server.rights import erase, maintenance

    async with app_client(backend, session_tmp / f"rs-{uuid.uuid4().hex[:6]}") as client:
        app_state = hub_of(client)
        owner = await register(client)
        member = await invite(owner)
        await seed(member, recent(), minutes=10, shots=2)
        # Ask for the erase with the queue's job held back, then crash its first run.
        real_enqueue = app_state.jobs.enqueue
        held: list[dict[str, Any]] = []

        async def hold(name: str, **kwargs: Any) -> None:
            held.append(kwargs)

        app_state.jobs.enqueue = hold
        r = await owner.post(
            f"/api/v1/members/{member.user_id}/erase", json={"confirmEmail": member.email}
        )
        app_state.jobs.enqueue = real_enqueue
        assert r.status_code == 202 and len(held) == 1
        job_id = r.json()["jobId"]
        app_state.sessions = _CrashAt(app_state.sessions, 8)
        with pytest.raises(RuntimeError, match="simulated crash"):
            await in_app(client, erase.run_erase, app_state, uuid.UUID(job_id))
        app_state.sessions = app_state.sessions.real
        job = (await owner.get(f"/api/v1/rights-jobs/{job_id}")).json()
        assert job["status"] == "RUNNING"
        assert await in_app(client, rows_naming, app_state.sessions, member.user_id, member.email)

        # Not yet stale: left alone. Stale: enqueued again, and it finishes.
        assert (await in_app(client, maintenance.tend, app_state))["resumed"] == 0
        await in_app(
            client, partial(_age, app_state, job_id, created_at=utcnow() - timedelta(hours=1))
        )
        assert (await in_app(client, maintenance.tend, app_state))["resumed"] == 1
        await settle(client)
        job = await wait_job(owner, job_id)
        assert job["status"] == "DONE", job
        assert (
            await in_app(client, rows_naming, app_state.sessions, member.user_id, member.email)
            == []
        )


async def test_an_expired_export_file_is_deleted(backend, session_tmp):
    from server.db.base import utcnow
    from server.rights import maintenance

    async with app_client(backend, session_tmp / f"rx-{uuid.uuid4().hex[:6]}") as client:
        app_state = hub_of(client)
        owner = await register(client)
        r = await owner.post(f"/api/v1/members/{owner.user_id}/data-export")
        job = await wait_job(owner, r.json()["jobId"])
        url = job["downloadUrl"].split("://", 1)[1].split("/", 1)[1]
        root = app_state.storage.root
        assert list((root / "data-exports").rglob("*.zip"))
        await in_app(
            client, partial(_age, app_state, job["id"], expires_at=utcnow() - timedelta(minutes=1))
        )
        assert (await in_app(client, maintenance.tend, app_state))["expired"] == 1
        assert not list((root / "data-exports").rglob("*.zip"))
        after = (await owner.get(f"/api/v1/rights-jobs/{job['id']}")).json()
        assert after["downloadUrl"] is None and "expired" in after["error"]
        assert (await client.get(f"/{url}")).status_code in (403, 404)
