"""Re-blur of stored screenshots after the blur level is raised: the stored
image and thumbnail are replaced by blurred ones (local storage and S3), the
sharp bytes are gone, the job reports progress; on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import uuid
from typing import Any

from PIL import Image, ImageFilter, ImageStat

from tests.integration.rights.helpers import wait_job
from tests.integration.screenshots.helpers import (
    app_client,
    hub_of,
    in_app,
    make_entry,
    upload,
    wait_status,
)
from tests.integration.screenshots.images import png_bytes
from tests.support.api import invite, register


def detail(data: bytes) -> float:
    """Fine detail: the mean edge strength (text and UI lines are edges)."""
    image = Image.open(io.BytesIO(data)).convert("L")
    return float(ImageStat.Stat(image.filter(ImageFilter.FIND_EDGES)).mean[0])


async def _set_status(client: Any, shot_id: str, status: str) -> None:
    from sqlalchemy import update

    from server.db.models import Screenshot

    async with hub_of(client).sessions() as session:
        await session.execute(
            update(Screenshot).where(Screenshot.id == uuid.UUID(shot_id)).values(status=status)
        )
        await session.commit()


async def _blur_of(client: Any, shot_id: str) -> int:
    from server.db.models import Screenshot

    async with hub_of(client).sessions() as session:
        shot = await session.get(Screenshot, uuid.UUID(shot_id))
        assert shot is not None
        return int(shot.blur_level)


async def _scenario(client: Any, read_object: Any) -> None:
    owner = await register(client)
    member = await invite(owner)
    entry = await make_entry(member)
    original = png_bytes(960, 540)
    shots = []
    for _ in range(3):
        r = await upload(member, original, entry)
        assert r.status_code == 201, r.text
        shots.append(await wait_status(client, member, r.json()["id"]))
    assert all(s["status"] == "READY" and s["blurLevel"] == 0 for s in shots)
    first = shots[0]["id"]
    sharp_thumb = (await member.get(f"/api/v1/screenshots/{first}/image?variant=thumb")).content
    stored = await read_object(owner, first)
    assert stored == original

    # Refusals: level 0, a member, another organization (sees nothing of ours).
    r = await owner.post("/api/v1/screenshots/reblur")
    assert r.status_code == 400 and "blur level is 0" in r.json()["detail"]
    assert (await owner.patch("/api/v1/agent/config", json={"blurLevel": 3})).status_code == 200
    assert (await member.post("/api/v1/screenshots/reblur")).status_code == 403

    # One not processed yet (PENDING): it gets the new level for its processing.
    pending = await upload(member, original, entry)
    pending_id = pending.json()["id"]
    await wait_status(client, member, pending_id)
    await in_app(client, _set_status, client, pending_id, "PENDING")
    r = await owner.post("/api/v1/screenshots/reblur")
    assert r.status_code == 202, r.text
    assert await in_app(client, _blur_of, client, pending_id) == 3
    await in_app(client, _set_status, client, pending_id, "READY")
    job = await wait_job(owner, r.json()["jobId"])
    assert job["status"] == "DONE" and job["kind"] == "reblur", job
    assert job["done"] == job["total"] == 3
    events = (await owner.get("/api/v1/audit", params={"action": "screenshots.*"})).json()
    assert events["items"][0]["detail"]["blurLevel"] == 3

    for shot in shots:
        after = (await member.get(f"/api/v1/screenshots/{shot['id']}")).json()
        assert after["blurLevel"] == 3
        blurred = await read_object(owner, shot["id"])
        assert blurred != original
        assert detail(blurred) < detail(original) / 3, (detail(blurred), detail(original))
        served = (await member.get(f"/api/v1/screenshots/{shot['id']}/image")).content
        assert served == blurred  # the API serves only the blurred image
    new_thumb = (await member.get(f"/api/v1/screenshots/{first}/image?variant=thumb")).content
    assert new_thumb != sharp_thumb and detail(new_thumb) < detail(sharp_thumb)

    # A second run has nothing left to do.
    r = await owner.post("/api/v1/screenshots/reblur")
    job = await wait_job(owner, r.json()["jobId"])
    assert job["status"] == "DONE" and job["total"] == 0


async def test_reblur_local_storage(backend, session_tmp):
    async with app_client(backend, session_tmp / f"rb-{uuid.uuid4().hex[:6]}") as client:
        storage = hub_of(client).storage

        async def read_object(owner: Any, shot_id: str) -> bytes:
            files = [
                p
                for p in (storage.root / "screenshots" / owner.org_id).rglob(f"{shot_id}.*")
                if ".thumb." not in p.name
            ]
            assert len(files) == 1, files  # one object: no sharp copy beside it
            return files[0].read_bytes()

        await _scenario(client, read_object)


async def test_reblur_s3(backend, session_tmp, moto, bucket):
    async with app_client(
        backend, session_tmp / f"rbs3-{uuid.uuid4().hex[:6]}", **moto.env(bucket)
    ) as client:
        s3 = moto.client()

        async def read_object(owner: Any, shot_id: str) -> bytes:
            listing = s3.list_objects_v2(Bucket=bucket, Prefix=f"screenshots/{owner.org_id}/")
            keys = [
                o["Key"]
                for o in listing.get("Contents", [])
                if shot_id in o["Key"] and ".thumb." not in o["Key"]
            ]
            assert len(keys) == 1, keys
            return bytes(s3.get_object(Bucket=bucket, Key=keys[0])["Body"].read())

        await _scenario(client, read_object)
