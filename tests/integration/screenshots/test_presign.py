"""Presigned flow on local storage: server-signed PUT URL, confirm checks the object."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

from server.screenshots import signing
from tests.conftest import TEST_ENV
from tests.integration.screenshots.helpers import local_objects, make_entry, wait_status
from tests.integration.screenshots.images import jpeg_bytes, png_bytes
from tests.support.api import Account, register

PRESIGN = "/api/v1/sync/screenshots/presign"
CONFIRM = "/api/v1/sync/screenshots/confirm"


async def _presign(account: Account, entry: str, data: bytes, ctype: str = "image/png",
                   key: str | None = None) -> dict:
    r = await account.post(PRESIGN, json={"idempotencyKey": key or str(uuid.uuid4()),
                                          "timeEntryKey": entry, "contentType": ctype,
                                          "size": len(data)})
    assert r.status_code == 200, r.text
    return r.json()


def _confirm_body(shot_id: str, blur: int = 0) -> dict:
    return {"screenshotId": shot_id, "capturedAt": datetime.now(UTC).isoformat(),
            "blurLevel": blur, "metadata": {"os": "linux"}}


async def test_presign_put_confirm(client):
    owner = await register(client)
    entry = await make_entry(owner)
    data = png_bytes()
    ticket = await _presign(owner, entry, data)
    assert ticket["status"] == "UPLOADING" and ticket["uploadUrl"].startswith("http")
    # Not confirmable before the bytes are there.
    r = await owner.post(CONFIRM, json=_confirm_body(ticket["screenshotId"]))
    assert r.status_code == 409
    r = await client.put(ticket["uploadUrl"], content=data, headers=ticket["uploadHeaders"])
    assert r.status_code == 204, r.text
    r = await owner.post(CONFIRM, json=_confirm_body(ticket["screenshotId"], blur=1))
    assert r.status_code == 200 and r.json()["status"] == "PENDING", r.text
    shot = await wait_status(client, owner, ticket["screenshotId"])
    assert shot["status"] == "READY" and shot["blurLevel"] == 1
    assert shot["metadata"] == {"os": "linux"}
    # Retries are harmless: confirm again, presign again (no URL: it is spent).
    r = await owner.post(CONFIRM, json=_confirm_body(ticket["screenshotId"]))
    assert r.status_code == 200 and r.json()["status"] == "READY"
    r = await client.put(ticket["uploadUrl"], content=data, headers=ticket["uploadHeaders"])
    assert r.status_code == 409  # the URL cannot overwrite a processed image


async def test_presign_retry_with_same_key_returns_the_same_screenshot(client):
    owner = await register(client)
    entry = await make_entry(owner)
    data = png_bytes()
    key = str(uuid.uuid4())
    first = await _presign(owner, entry, data, key=key)
    second = await _presign(owner, entry, data, key=key)
    assert first["screenshotId"] == second["screenshotId"]
    await client.put(second["uploadUrl"], content=data)
    await owner.post(CONFIRM, json=_confirm_body(first["screenshotId"]))
    done = await _presign(owner, entry, data, key=key)
    assert done["uploadUrl"] is None and done["status"] in ("PENDING", "READY")


async def test_expired_or_forged_upload_urls_are_403(client):
    owner = await register(client)
    entry = await make_entry(owner)
    data = png_bytes()
    ticket = await _presign(owner, entry, data)
    url = urlsplit(ticket["uploadUrl"])
    query = parse_qs(url.query)
    base = f"{url.scheme}://{url.netloc}{url.path}"
    secret = TEST_ENV["JWT_SECRET"]
    shot_id = ticket["screenshotId"]
    past = int(time.time()) - 5
    cases = {
        "expired": f"{base}?{signing.query_until(secret, 'PUT', shot_id, 'upload', past)}",
        "tampered exp": f"{base}?exp={int(query['exp'][0]) + 3600}&sig={query['sig'][0]}",
        "forged sig": f"{base}?exp={query['exp'][0]}&sig={'A' * 43}",
        "other key": f"{base}?{signing.query_until('x' * 48, 'PUT', shot_id, 'upload', past + 999)}",
        "read sig": f"{base}?{signing.query_until(secret, 'GET', shot_id, 'upload', past + 999)}",
        "missing": base,
    }
    for name, bad in cases.items():
        r = await client.put(bad, content=data)
        assert r.status_code == 403, (name, r.text)
    assert local_objects(client, owner.org_id) == []


async def test_confirm_verifies_size_and_magic_bytes(client):
    owner = await register(client)
    entry = await make_entry(owner)
    data = png_bytes()
    # Fewer bytes than announced.
    ticket = await _presign(owner, entry, data)
    r = await client.put(ticket["uploadUrl"], content=data[:-10])
    assert r.status_code == 204
    r = await owner.post(CONFIRM, json=_confirm_body(ticket["screenshotId"]))
    assert r.status_code == 400 and "announced" in r.json()["detail"]
    # More bytes than announced: refused while streaming.
    r = await client.put(ticket["uploadUrl"], content=data + b"x" * 10)
    assert r.status_code == 413
    # Announced PNG, sent JPEG.
    jpeg = jpeg_bytes()
    ticket = await _presign(owner, entry, jpeg + b"\0" * 0, ctype="image/png")
    r = await client.put(ticket["uploadUrl"], content=jpeg)
    assert r.status_code == 204
    r = await owner.post(CONFIRM, json=_confirm_body(ticket["screenshotId"]))
    assert r.status_code == 415 and "image/jpeg" in r.json()["detail"]
    # Not an image at all.
    junk = b"#!/bin/sh\necho hi\n" * 50
    ticket = await _presign(owner, entry, junk)
    r = await client.put(ticket["uploadUrl"], content=junk)
    assert r.status_code == 415
    assert local_objects(client, owner.org_id) == []


async def test_presign_validation(client):
    owner = await register(client)
    entry = await make_entry(owner)
    body = {"idempotencyKey": str(uuid.uuid4()), "timeEntryKey": entry,
            "contentType": "image/gif", "size": 10}
    assert (await owner.post(PRESIGN, json=body)).status_code == 415
    body |= {"contentType": "image/png", "size": 10**12}
    assert (await owner.post(PRESIGN, json=body)).status_code == 413
    body |= {"size": 10, "timeEntryKey": str(uuid.uuid4())}
    assert (await owner.post(PRESIGN, json=body)).status_code == 409
    stranger = await register(client, "Other")
    ticket = await _presign(owner, entry, png_bytes())
    r = await stranger.post(CONFIRM, json=_confirm_body(ticket["screenshotId"]))
    assert r.status_code == 404
    # An unconfirmed upload is invisible to readers.
    assert (await owner.get(f"/api/v1/screenshots/{ticket['screenshotId']}")).status_code == 404
