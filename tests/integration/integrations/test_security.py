"""Credentials never leak (logs, responses, audit, database), keys rotate,
roles hold, schedules and the per-integration lock work. SQLite and PostgreSQL."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import select

from server.db.models import AuditLog, Integration, IntegrationRun
from server.integrations.credentials import keyring_for
from server.integrations.run_requests import recover_runs, start_due_runs
from server.integrations.runs import execute_run
from server.integrations.service import IntegrationsContext
from server.security.secretbox import KEY_FILE, Keyring, SecretError, SecretKey
from tests.integration.integrations.helpers import connect, run, wait_run
from tests.support.api import invite, register
from tests.support.process import run_server
from tests.support.standins.base import serving
from tests.support.standins.toggl import TogglStandIn

SECRET = "tok-S3CR3T-0a1b2c3d4e5f-wxyz"


def test_secretbox_binds_row_and_detects_tampering():
    key, _ = SecretKey.generate()
    ring = Keyring(key)
    key_id, box = ring.encrypt(b"hello", b"row-1")
    assert ring.decrypt(key_id, box, b"row-1") == b"hello"
    with pytest.raises(SecretError):
        ring.decrypt(key_id, box, b"row-2")  # copied onto another row
    tampered = box[:-4] + ("AAAA" if not box.endswith("AAAA") else "BBBB")
    with pytest.raises(SecretError):
        ring.decrypt(key_id, tampered, b"row-1")
    with pytest.raises(SecretError, match="not configured"):
        Keyring(SecretKey.generate()[0]).decrypt(key_id, box, b"row-1")
    assert SecretKey.from_text("same words").key_id == SecretKey.from_text("same words").key_id


async def _exercise(owner, toggl: TogglStandIn) -> list[str]:
    """Connect, import (through 429s), try a bad token, read everything back."""
    seen: list[str] = []
    uid = toggl.add_user(owner.email, "Owner")
    toggl.add_entry(uid, datetime.now(UTC) - timedelta(days=1), 600)
    r = await connect(owner, "toggl", toggl.url, {"apiToken": SECRET}, {"workspaceId": 777})
    assert r.status_code == 201, r.text
    iid = r.json()["id"]
    assert r.json()["credentials"]["apiToken"] == "••••wxyz"
    done = await run(owner, iid)
    assert done["status"] == "done" and done["counts"]["created"] == 1, done
    bad = await owner.patch(
        f"/api/v1/integrations/{iid}", json={"credentials": {"apiToken": SECRET + "-old"}}
    )
    assert bad.status_code == 422
    seen += [r.text, bad.text]
    for url in (
        "/api/v1/integrations",
        f"/api/v1/integrations/{iid}",
        f"/api/v1/integrations/{iid}/runs",
        f"/api/v1/integrations/{iid}/mappings",
        "/schema/openapi.json",
    ):
        seen.append((await owner.get(url)).text)
    return [iid, *seen]


async def test_credentials_never_in_a_real_server_log(tmp_path):
    with (
        serving(TogglStandIn(token=SECRET, rate_limit_every=3)) as toggl,
        run_server(tmp_path / "data", {"LOG_LEVEL": "DEBUG"}) as server,
    ):
        async with httpx.AsyncClient(base_url=server.url, timeout=60) as http:
            owner = await register(http, data_dir=server.data_dir)
            await _exercise(owner, toggl)
        log = server.log()
    assert "integration wait" in log and "rate limited" in log  # the run's log lines are here
    assert SECRET not in log


async def test_credentials_never_returned_nor_stored_in_clear(client, db):
    owner = await register(client)
    with serving(TogglStandIn(token=SECRET, rate_limit_every=3)) as toggl:
        iid, *seen = await _exercise(owner, toggl)
    for text in seen:
        assert SECRET not in text
    async with db() as s:
        row = await s.get(Integration, uuid.UUID(iid))
        assert row is not None and SECRET not in (row.secret_box or "")
        audit = (
            await s.execute(
                select(AuditLog.action, AuditLog.detail).where(AuditLog.target_id == iid)
            )
        ).all()
        assert SECRET not in str(audit)
        actions = {a for a, _ in audit}
        assert {"integration.created", "integration.run_requested"} <= actions
        assert "integration.run_finished" in actions


async def test_rotate_secret_key_reencrypts_and_runs_still_work(client, db, backend, session_tmp):
    owner = await register(client)
    data_dir = session_tmp / f"data-{'pg' if backend.startswith('postgresql') else 'sqlite'}"
    with serving(TogglStandIn(token=SECRET)) as toggl:
        r = await connect(owner, "toggl", toggl.url, {"apiToken": SECRET}, {"workspaceId": 777})
        assert r.status_code == 201, r.text
        iid = uuid.UUID(r.json()["id"])
        async with db() as s:
            old_key = (await s.get(Integration, iid)).secret_key_id  # type: ignore[union-attr]
        env = {**os.environ, "DATABASE_URL": backend, "HUBNITY_DATA_DIR": str(data_dir)}
        env.pop("HUBNITY_SECRET_KEY", None)
        done = subprocess.run(
            [sys.executable, "-m", "server.cli", "rotate-secret-key"],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        assert "re-encrypted" in done.stdout and SECRET not in done.stdout + done.stderr
        async with db() as s:
            rows = (
                (
                    await s.execute(
                        select(Integration.secret_key_id).where(Integration.secret_box.is_not(None))
                    )
                )
                .scalars()
                .all()
            )
        assert old_key not in rows and len(set(rows)) == 1
        # Only the new key is left in the file; the running server reads it at once.
        assert len((data_dir / KEY_FILE).read_text().split()) == 1
        assert (data_dir / KEY_FILE).stat().st_mode & 0o777 == 0o600
        again = await run(owner, str(iid))
        assert again["status"] == "done", again


async def test_roles_lock_and_schedule(client, db):
    owner = await register(client)
    admin = await invite(owner, role="ADMIN")
    member = await invite(owner)
    outsider = await register(client)
    with serving(TogglStandIn(token=SECRET, rate_limit_every=2)) as toggl:
        uid = toggl.add_user(owner.email, "Owner")
        for i in range(4):
            toggl.add_entry(uid, datetime.now(UTC) - timedelta(days=1, hours=i), 600)
        r = await connect(member, "toggl", toggl.url, {"apiToken": SECRET}, {"workspaceId": 777})
        assert r.status_code == 403
        r = await connect(
            admin, "toggl", toggl.url, {"apiToken": SECRET}, {"workspaceId": 777, "pageSize": 1}
        )
        assert r.status_code == 201, r.text
        iid = r.json()["id"]
        assert (await member.get("/api/v1/integrations")).status_code == 403
        assert (await member.get(f"/api/v1/integrations/{iid}")).status_code == 403
        assert (await outsider.get(f"/api/v1/integrations/{iid}")).status_code == 404
        assert (await outsider.post(f"/api/v1/integrations/{iid}/runs", json={})).status_code == 404
        assert [i["id"] for i in (await outsider.get("/api/v1/integrations")).json()["items"]] == []

        # One run at a time: the second request is refused while the first runs.
        first = await owner.post(f"/api/v1/integrations/{iid}/runs", json={})
        second = await owner.post(f"/api/v1/integrations/{iid}/runs", json={})
        assert (first.status_code, second.status_code) == (202, 409)
        assert (await wait_run(owner, first.json()["id"]))["status"] == "done"
        r = await owner.post(f"/api/v1/integrations/{iid}/runs", json={"direction": "export"})
        assert r.status_code == 422

        # A schedule: the scheduler queues a run, and not again before the interval.
        r = await owner.patch(
            f"/api/v1/integrations/{iid}", json={"settings": {"intervalMinutes": 2}}
        )
        assert r.status_code == 400  # at least 5
        r = await owner.patch(
            f"/api/v1/integrations/{iid}", json={"settings": {"intervalMinutes": 30}}
        )
        assert r.status_code == 200 and r.json()["intervalMinutes"] == 30
        # The scheduler and the job body, on this test's own connections (the
        # app's engine lives on the test client's loop); the queue only records.
        settings = client.app.state.app_state.settings
        queued: list[str] = []

        class Recorder:
            async def enqueue(self, name: str, *, job_id: str | None = None, **kw: str) -> None:
                queued.append(kw["run_id"])

        ctx = IntegrationsContext(keyring_for(settings), Recorder(), settings.data_dir)
        async with db() as s:
            assert await start_due_runs(s, ctx) >= 1
        mine = [
            x
            for x in (await owner.get(f"/api/v1/integrations/{iid}/runs")).json()["items"]
            if x["trigger"] == "schedule"
        ]
        assert len(mine) == 1 and mine[0]["id"] in queued
        await execute_run(db, ctx.keyring, uuid.UUID(mine[0]["id"]), ctx.data_dir)
        assert (await wait_run(owner, mine[0]["id"]))["status"] == "done"
        async with db() as s:
            await start_due_runs(s, ctx)  # not due again before the interval
        runs = (await owner.get(f"/api/v1/integrations/{iid}/runs")).json()["items"]
        assert len([x for x in runs if x["trigger"] == "schedule"]) == 1

        assert (await member.delete(f"/api/v1/integrations/{iid}")).status_code == 403
        assert (await owner.delete(f"/api/v1/integrations/{iid}")).status_code == 204
        assert (await owner.get(f"/api/v1/integrations/{iid}")).status_code == 404


async def test_runs_left_behind_by_a_stopped_process_are_recovered(client, db):
    owner = await register(client)
    with serving(TogglStandIn(token=SECRET)) as toggl:
        r = await connect(owner, "toggl", toggl.url, {"apiToken": SECRET}, {"workspaceId": 777})
        assert r.status_code == 201, r.text
        iid = uuid.UUID(r.json()["id"])
    long_ago = datetime.now(UTC) - timedelta(hours=3)
    async with db() as s:
        org = (await s.get(Integration, iid)).organization_id  # type: ignore[union-attr]
        stuck = IntegrationRun(
            organization_id=org,
            integration_id=iid,
            status="running",
            started_at=long_ago,
            created_at=long_ago,
        )
        s.add(stuck)
        await s.commit()
        stuck_id = stuck.id
    assert (await owner.post(f"/api/v1/integrations/{iid}/runs", json={})).status_code == 409

    settings = client.app.state.app_state.settings
    queued: list[str] = []

    class Recorder:
        async def enqueue(self, name: str, *, job_id: str | None = None, **kw: str) -> None:
            queued.append(kw["run_id"])

    ctx = IntegrationsContext(keyring_for(settings), Recorder(), settings.data_dir)
    async with db() as s:
        failed, _ = await recover_runs(s, ctx)
    assert failed >= 1
    run = (await owner.get(f"/api/v1/integration-runs/{stuck_id}")).json()
    assert run["status"] == "failed" and "interrupted" in run["detail"]
    # A queued run whose enqueue was lost is queued again.
    async with db() as s:
        lost = IntegrationRun(
            organization_id=org,
            integration_id=iid,
            status="queued",
            created_at=datetime.now(UTC) - timedelta(minutes=10),
        )
        s.add(lost)
        await s.commit()
        lost_id = str(lost.id)
    async with db() as s:
        await recover_runs(s, ctx)
    assert lost_id in queued
