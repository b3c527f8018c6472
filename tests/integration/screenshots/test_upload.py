"""Streamed multipart upload on the embedded defaults (local storage, in-process jobs),
on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import uuid

from tests.integration.screenshots.helpers import (
    UPLOAD,
    form,
    hub_of,
    local_objects,
    make_entry,
    settle,
    upload,
    wait_status,
)
from tests.integration.screenshots.images import bomb_png, jpeg_bytes, png_bytes, webp_bytes
from tests.support.api import invite, register


async def test_upload_each_type_is_processed(client):
    owner = await register(client)
    entry = await make_entry(owner)
    for data, ctype in ((png_bytes(), "image/png"), (jpeg_bytes(), "image/jpeg"),
                        (webp_bytes(), "image/webp")):
        r = await upload(owner, data, entry, content_type=ctype)
        assert r.status_code == 201, r.text
        # No blur: the upload made the thumbnail itself, the answer is final.
        assert r.json()["status"] == "READY", r.json()
        shot = await wait_status(client, owner, r.json()["id"])
        assert shot["status"] == "READY", shot
        assert (shot["width"], shot["height"]) == (640, 360)
        assert shot["contentType"] == ctype
        assert shot["metadata"] == {"os": "linux", "displayCount": 1}
    assert len(local_objects(client, owner.org_id)) == 6  # 3 originals + 3 thumbnails


async def test_same_key_again_is_200_with_same_id_and_no_second_object(client):
    owner = await register(client)
    entry = await make_entry(owner)
    key = str(uuid.uuid4())
    first = await upload(owner, png_bytes(), entry, key=key)
    again = await upload(owner, png_bytes(), entry, key=key)
    assert first.status_code == 201 and again.status_code == 200, again.text
    assert again.json()["id"] == first.json()["id"]
    await settle(client)
    originals = [p for p in local_objects(client, owner.org_id) if ".thumb." not in p]
    assert len(originals) == 1


async def test_fields_after_the_file_still_deduplicate(client):
    """A client sending the file part first: the duplicate is streamed, then dropped."""
    owner = await register(client)
    entry = await make_entry(owner)
    key = str(uuid.uuid4())
    fields = form(entry, key)
    body, boundary = _file_first_body(png_bytes(), fields)
    headers = {**owner.headers, "Content-Type": f"multipart/form-data; boundary={boundary}"}
    first = await client.post(UPLOAD, content=body, headers=headers)
    again = await client.post(UPLOAD, content=body, headers=headers)
    assert (first.status_code, again.status_code) == (201, 200), again.text
    assert first.json()["id"] == again.json()["id"]
    await settle(client)
    assert len([p for p in local_objects(client, owner.org_id) if ".thumb." not in p]) == 1


def _file_first_body(data: bytes, fields: dict[str, str]) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = [(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
              f'filename="a.png"\r\nContent-Type: image/png\r\n\r\n').encode() + data + b"\r\n"]
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
                     f"{value}\r\n".encode())
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), boundary


async def test_racing_duplicates_leave_one_row_and_one_object(client):
    owner = await register(client)
    entry = await make_entry(owner)
    key = str(uuid.uuid4())
    data = png_bytes(1280, 720)
    results = await asyncio.gather(*(upload(owner, data, entry, key=key) for _ in range(4)))
    codes = sorted(r.status_code for r in results)
    assert codes.count(201) >= 1 and set(codes) <= {200, 201}, codes
    assert len({r.json()["id"] for r in results}) == 1
    await settle(client)
    page = (await owner.get("/api/v1/screenshots")).json()
    assert len(page["items"]) == 1
    originals = [p for p in local_objects(client, owner.org_id) if ".thumb." not in p]
    assert len(originals) == 1


async def test_wrong_type_is_415_with_a_reason_and_nothing_stored(client):
    owner = await register(client)
    entry = await make_entry(owner)
    gif = b"GIF89a" + b"\x00" * 200
    r = await upload(owner, gif, entry, filename="x.gif", content_type="image/gif")
    assert r.status_code == 415
    assert "JPEG, PNG and WebP" in r.json()["detail"]
    # A lying Content-Type does not matter: the magic bytes decide.
    r = await upload(owner, b"%PDF-1.7 not an image at all", entry, content_type="image/png")
    assert r.status_code == 415
    r = await upload(owner, b"", entry)
    assert r.status_code == 415 and "empty" in r.json()["detail"]
    assert local_objects(client, owner.org_id) == []
    assert (await owner.get("/api/v1/screenshots")).json()["items"] == []


async def test_unknown_and_foreign_entries_answer_the_same(client):
    owner = await register(client)
    member = await invite(owner)
    theirs = await make_entry(member)
    unknown = await upload(owner, png_bytes(), str(uuid.uuid4()))
    assert unknown.status_code == 409 and "unknown_time_entry" in unknown.json()["detail"]
    assert unknown.json()["extra"] == {"reason": "unknown_time_entry"}
    # Someone else's entry key is just unknown to me: the same answer, nothing revealed.
    r = await upload(owner, png_bytes(), theirs)
    assert (r.status_code, r.json()) == (unknown.status_code, unknown.json())
    other_org = await register(client, "Other")
    r = await upload(other_org, png_bytes(), theirs)
    assert (r.status_code, r.json()) == (unknown.status_code, unknown.json())
    assert local_objects(client, owner.org_id) == []


async def test_a_screenshot_key_another_person_uses_is_just_another_key(client):
    owner = await register(client)
    member = await invite(owner)
    key = str(uuid.uuid4())
    first = await upload(member, png_bytes(), await make_entry(member), key=key)
    assert first.status_code == 201, first.text
    # The same key from someone else stores their own screenshot: no 409 that
    # would tell the key is taken, and the member's screenshot is untouched.
    mine = await upload(owner, png_bytes(), await make_entry(owner), key=key)
    assert mine.status_code == 201, mine.text
    assert mine.json()["id"] != first.json()["id"]
    again = await upload(owner, png_bytes(), await make_entry(owner), key=key)
    assert again.status_code == 200 and again.json()["id"] == mine.json()["id"]
    theirs = (await member.get(f"/api/v1/screenshots/{first.json()['id']}")).json()
    assert theirs["userId"] == member.user_id


async def test_bad_fields_are_400(client):
    owner = await register(client)
    entry = await make_entry(owner)
    for extra, needle in (({"capturedAt": "yesterday"}, "capturedAt"),
                          ({"capturedAt": "2026-01-01T10:00:00"}, "offset"),
                          ({"blurLevel": "7"}, "blurLevel"),
                          ({"metadata": "[1, 2]"}, "metadata"),
                          ({"idempotencyKey": "nope"}, "idempotencyKey")):
        fields = {**form(entry), **extra}
        r = await owner.post(UPLOAD, data=fields, files={"file": ("a.png", png_bytes(), "image/png")})
        assert r.status_code == 400, (extra, r.text)
        assert needle in r.json()["detail"]
    r = await owner.post(UPLOAD, data=form(entry))
    assert r.status_code == 400
    assert local_objects(client, owner.org_id) == []


async def test_truncated_and_bomb_images_fail_with_a_reason(client):
    owner = await register(client)
    entry = await make_entry(owner)
    whole = png_bytes(800, 600)
    truncated = await upload(owner, whole[: len(whole) // 2], entry)
    bomb = await upload(owner, bomb_png(), entry)
    garbage = await upload(owner, b"\xff\xd8\xff\xe0" + b"\x13" * 5000, entry,
                           content_type="image/jpeg")
    assert {truncated.status_code, bomb.status_code, garbage.status_code} == {201}
    for r, needle in ((truncated, "decode"), (bomb, "bomb"), (garbage, "decode")):
        shot = await wait_status(client, owner, r.json()["id"])
        assert shot["status"] == "FAILED", shot
        assert needle in shot["failureReason"], shot["failureReason"]
        assert shot["width"] is None
        image = await owner.get(f"/api/v1/screenshots/{shot['id']}/image")
        assert image.status_code == 409


async def test_organization_blur_policy_wins_over_a_lower_client_level(client):
    owner = await register(client)
    r = await owner.patch("/api/v1/agent/config", json={"blurLevel": 2})
    assert r.status_code == 200, r.text
    entry = await make_entry(owner)
    r = await upload(owner, png_bytes(), entry, blur=0)
    shot = await wait_status(client, owner, r.json()["id"])
    assert shot["blurLevel"] == 2


async def test_upload_needs_a_token(client):
    r = await client.post(UPLOAD, files={"file": ("a.png", png_bytes(), "image/png")})
    assert r.status_code == 401
    assert hub_of(client).storage is not None


async def test_metrics_count_uploads_and_jobs(client):
    owner = await register(client)
    entry = await make_entry(owner)
    r = await upload(owner, png_bytes(), entry)
    await wait_status(client, owner, r.json()["id"])
    text = (await client.get("/metrics")).text
    assert 'hubnity_screenshot_uploads_total{outcome="created",path="multipart"}' in text
    assert 'hubnity_screenshot_jobs_total{status="READY"}' in text
