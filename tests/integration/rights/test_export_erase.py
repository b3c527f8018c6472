"""A person's data export and erase, end to end through the API, on SQLite and
PostgreSQL, with local storage and with S3 (moto's server over HTTP)."""

from __future__ import annotations

import csv
import io
import json
import uuid
import zipfile
from urllib.parse import urlsplit

from tests.integration.rights.helpers import recent, rows_naming, seed, wait_job
from tests.integration.screenshots.helpers import app_client, hub_of, in_app
from tests.support.api import create_project, invite, register
from tests.support.sync import activity, batch, entry


def _path(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def _stored(client, prefix: str) -> list[str]:
    root = hub_of(client).storage.root
    base = root / prefix
    return sorted(str(p.relative_to(root)) for p in base.rglob("*") if p.is_file())


async def test_data_export_zip_holds_the_persons_data(backend, session_tmp):
    async with app_client(backend, session_tmp / f"dx-{uuid.uuid4().hex[:6]}") as client:
        owner = await register(client)
        member = await invite(owner)
        peer = await invite(owner)
        await seed(member, recent(), minutes=12, shots=2)
        await seed(peer, recent(), minutes=5, shots=1)

        # A peer may not export someone else's data; an outsider cannot tell they exist.
        r = await peer.post(f"/api/v1/members/{member.user_id}/data-export")
        assert r.status_code in (403, 404), r.text
        outsider = await register(client)
        r = await outsider.post(f"/api/v1/members/{member.user_id}/data-export")
        assert r.status_code == 404

        r = await member.post(f"/api/v1/members/{member.user_id}/data-export")
        assert r.status_code == 202, r.text
        job = await wait_job(member, r.json()["jobId"])
        assert job["status"] == "DONE", job
        assert job["kind"] == "data_export" and job["done"] == job["total"] == 4 + 2
        assert job["expiresAt"] and job["downloadUrl"]
        # The peer cannot see the job; the admin can.
        assert (await peer.get(f"/api/v1/rights-jobs/{job['id']}")).status_code == 404
        assert (await owner.get(f"/api/v1/rights-jobs/{job['id']}")).status_code == 200

        url = _path(job["downloadUrl"])
        forged = url.replace("sig=", "sig=x")
        assert (await client.get(forged)).status_code == 403
        assert (await client.get(url.split("?")[0])).status_code == 403
        r = await client.get(url)  # the signed link alone, no token
        assert r.status_code == 200 and r.headers["content-type"] == "application/zip"

        zf = zipfile.ZipFile(io.BytesIO(r.content))
        names = set(zf.namelist())
        assert {
            "README.txt",
            "person.json",
            "time_entries.csv",
            "activity_buckets.csv",
            "activity_rollups.csv",
            "screenshots.csv",
            "audit.csv",
        } <= names
        person = json.loads(zf.read("person.json"))
        assert person["id"] == member.user_id and person["email"] == member.email
        entries = list(csv.DictReader(io.StringIO(zf.read("time_entries.csv").decode())))
        assert len(entries) == 1 and all(e["user_id"] == member.user_id for e in entries)
        for table in ("activity_buckets", "app_usage", "activity_signals"):
            minutes = list(csv.DictReader(io.StringIO(zf.read(f"{table}.csv").decode())))
            assert len(minutes) == 12, table  # theirs only: not the peer's 5 minutes
        assert {
            m["app"] for m in csv.DictReader(io.StringIO(zf.read("app_usage.csv").decode()))
        } == {"code"}
        shots = list(csv.DictReader(io.StringIO(zf.read("screenshots.csv").decode())))
        assert len(shots) == 2
        storage = hub_of(client).storage
        for shot in shots:
            listed = (await member.get(f"/api/v1/screenshots/{shot['id']}/image")).content
            assert zf.read(shot["file"]) == listed  # the stored object itself
        audit_rows = list(csv.DictReader(io.StringIO(zf.read("audit.csv").decode())))
        actions = {a["action"] for a in audit_rows}
        assert {"auth.invite_accepted", "member.data_exported"} <= actions
        assert storage is not None


async def test_data_export_csv_cells_never_run_as_formulas(client) -> None:
    """Names set by an admin, descriptions (typed or synced from an integration)
    and app names reach the person's CSVs: a spreadsheet must not run them."""
    owner = await register(client)
    member = await invite(owner)
    project = await create_project(owner, '=HYPERLINK("http://evil.example","open")')
    r = await owner.post(f"/api/v1/projects/{project['id']}/tasks", json={"name": "+task"})
    assert r.status_code == 201, r.text
    start = recent()
    e = entry(start, 5, project_id=project["id"], taskId=r.json()["id"], description=" @SUM(1)")
    minute = activity(e["idempotencyKey"], start)
    app = {"timeEntryKey": e["idempotencyKey"], "minute": minute["minute"], "app": "-calc"}
    body = {**batch([e], [minute]), "apps": [{**app, "seconds": 30}]}
    r = await member.post("/api/v1/sync/batch", json=body)
    assert r.status_code == 200 and r.json()["apps"]["processed"] == 1, r.text
    r = await member.post(f"/api/v1/members/{member.user_id}/data-export")
    assert r.status_code == 202, r.text
    job = await wait_job(member, r.json()["jobId"])
    assert job["status"] == "DONE", job
    zf = zipfile.ZipFile(io.BytesIO((await client.get(_path(job["downloadUrl"]))).content))
    (row,) = csv.DictReader(io.StringIO(zf.read("time_entries.csv").decode()))
    assert row["project"] == "'" + project["name"] and row["task"] == "'+task"
    assert row["description"] == "' @SUM(1)"
    assert row["id"] and row["id"][0] != "'" and row["start_time"].startswith(str(start.year))
    (usage,) = csv.DictReader(io.StringIO(zf.read("app_usage.csv").decode()))
    assert usage["app"] == "'-calc" and usage["seconds"] == "30"
    assert "apostrophe" in zf.read("README.txt").decode()


async def test_erase_refusals(backend, session_tmp):
    async with app_client(backend, session_tmp / f"er-{uuid.uuid4().hex[:6]}") as client:
        owner = await register(client)
        admin = await invite(owner, role="ADMIN")
        member = await invite(owner)
        url = f"/api/v1/members/{member.user_id}/erase"
        r = await owner.post(url, json={"confirmEmail": "someone@else.test"})
        assert r.status_code == 400 and "does not match" in r.json()["detail"]
        r = await member.post(url, json={"confirmEmail": member.email})
        assert r.status_code == 403
        r = await admin.post(
            f"/api/v1/members/{owner.user_id}/erase", json={"confirmEmail": owner.email}
        )
        assert r.status_code == 403 and "OWNER" in r.json()["detail"]
        r = await owner.post(
            f"/api/v1/members/{owner.user_id}/erase", json={"confirmEmail": owner.email}
        )
        assert r.status_code == 409 and "last OWNER" in r.json()["detail"]
        outsider = await register(client)
        r = await outsider.post(url, json={"confirmEmail": member.email})
        assert r.status_code == 404
        # Nothing happened to the member.
        assert (await member.get("/api/v1/auth/me")).status_code == 200


async def _map_in_integration(sessions, org_id: str, member) -> None:
    """An integration that maps an external account to the person (no foreign key)."""
    from server.db.models.integrations import Integration, IntegrationMapping

    async with sessions() as session:
        integration = Integration(
            id=uuid.uuid4(), organization_id=uuid.UUID(org_id), provider="csv", name="Import"
        )
        session.add(integration)
        await session.flush()
        session.add(
            IntegrationMapping(
                integration_id=integration.id,
                kind="user",
                external_id="ext-42",
                external_name="Member",
                external_email=member.email,
                target_id=uuid.UUID(member.user_id),
            )
        )
        await session.commit()


async def _erase_and_check(client, owner, member, storage_keys) -> str:
    project = await create_project(owner)
    task = (
        await owner.post(
            f"/api/v1/projects/{project['id']}/tasks",
            json={"name": "t", "assigneeId": member.user_id},
        )
    ).json()
    team = (await owner.post("/api/v1/teams", json={"name": f"t-{uuid.uuid4().hex[:6]}"})).json()
    await owner.post(f"/api/v1/teams/{team['id']}/members", json={"userId": member.user_id})
    await owner.patch(f"/api/v1/members/{member.user_id}", json={"role": "MANAGER"})
    await seed(member, recent(), minutes=10, shots=2)
    r = await member.post(f"/api/v1/members/{member.user_id}/data-export")
    assert (await wait_job(member, r.json()["jobId"]))["status"] == "DONE"
    assert storage_keys(f"screenshots/{owner.org_id}/{member.user_id}/")

    sessions = hub_of(client).sessions
    await in_app(client, _map_in_integration, sessions, owner.org_id, member)
    before = {
        t for t, _ in await in_app(client, rows_naming, sessions, member.user_id, member.email)
    }
    # The walk sees the person everywhere they are (so an empty walk below means something).
    assert {
        "users",
        "time_entries",
        "activity_buckets",
        "activity_rollups",
        "screenshots",
        "team_members",
        "tasks",
        "audit_log",
        "rights_jobs",
    } <= before, before
    r = await owner.post(
        f"/api/v1/members/{member.user_id}/erase", json={"confirmEmail": member.email.upper()}
    )
    assert r.status_code == 202, r.text
    job = await wait_job(owner, r.json()["jobId"])
    assert job["status"] == "DONE" and job["kind"] == "erase", job
    assert job["done"] == job["total"] > 0

    assert await in_app(client, rows_naming, sessions, member.user_id, member.email) == []
    assert storage_keys(f"screenshots/{owner.org_id}/{member.user_id}/") == []
    assert storage_keys(f"data-exports/{owner.org_id}/") == []
    # Signed out, unknown to reports and member lists; the task stays, unassigned.
    assert (await member.get("/api/v1/auth/me")).status_code == 401
    people = (await owner.get("/api/v1/members")).json()["items"]
    assert member.user_id not in {p["id"] for p in people}
    report = (await owner.get("/api/v1/reports/team")).json()
    assert member.user_id not in json.dumps(report)
    task_now = (await owner.get(f"/api/v1/tasks/{task['id']}")).json()
    assert task_now["assigneeId"] is None
    # The audit trail keeps the act under a pseudonym.
    events = (await owner.get("/api/v1/audit", params={"action": "member.era*"})).json()["items"]
    erased = next(e for e in events if e["action"] == "member.erased")
    assert erased["actorId"] == owner.user_id
    asked = next(e for e in events if e["action"] == "member.erase_requested")
    assert erased["targetId"].startswith("erased-") and erased["targetId"] == asked["targetId"]
    trail = json.dumps((await owner.get("/api/v1/audit", params={"limit": 200})).json())
    assert member.user_id not in trail and member.email not in trail
    return str(erased["targetId"])


async def test_erase_removes_every_row_and_object_local(backend, session_tmp):
    async with app_client(backend, session_tmp / f"el-{uuid.uuid4().hex[:6]}") as client:
        owner = await register(client)
        member = await invite(owner)
        keep = await invite(owner)
        await seed(keep, recent(), minutes=5, shots=1)
        mails = hub_of(client).settings.mail.outbox_dir

        def mail_to(email: str) -> list[str]:
            return [p.name for p in mails.glob("*.eml") if email.encode() in p.read_bytes()]

        assert mail_to(member.email) and mail_to(keep.email)  # their invitations
        await _erase_and_check(client, owner, member, lambda p: _stored(client, p))
        assert mail_to(member.email) == [] and mail_to(keep.email)
        # Others' data is untouched.
        assert len((await keep.get("/api/v1/screenshots")).json()["items"]) == 1
        assert _stored(client, f"screenshots/{owner.org_id}/{keep.user_id}/")


async def test_erase_removes_every_object_on_s3(backend, session_tmp, moto, bucket):
    async with app_client(
        backend, session_tmp / f"es3-{uuid.uuid4().hex[:6]}", **moto.env(bucket)
    ) as client:
        owner = await register(client)
        member = await invite(owner)

        def keys(prefix: str) -> list[str]:
            listing = moto.client().list_objects_v2(Bucket=bucket, Prefix=prefix)
            return sorted(o["Key"] for o in listing.get("Contents", []))

        await _erase_and_check(client, owner, member, keys)
