"""The thumbnail made in the upload request (blur level 0), and what still goes
to the job: blur, images that do not decode, and the setting turned off."""

from __future__ import annotations

import io
import uuid

from PIL import Image
from sqlalchemy import update

from server.db.models import Screenshot
from tests.integration.screenshots.helpers import (
    app_client,
    hub_of,
    in_app,
    local_objects,
    make_entry,
    screenshot_row,
    upload,
    wait_status,
)
from tests.integration.screenshots.images import encode, png_bytes, text_screenshot
from tests.support.api import register


async def test_unblurred_upload_is_ready_in_its_answer_without_a_job(client):
    owner = await register(client)
    entry = await make_entry(owner)
    r = await upload(owner, png_bytes(800, 450), entry)
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["status"] == "READY"
    shot = (await owner.get(f"/api/v1/screenshots/{body['id']}")).json()
    assert (shot["status"], shot["width"], shot["height"]) == ("READY", 800, 450)
    row = await screenshot_row(client, body["id"])
    assert row.attempts == 0  # no job ran for it
    assert row.thumbnail_key and row.thumbnail_key.endswith(".thumb.jpg")
    thumb = await owner.get(f"/api/v1/screenshots/{body['id']}/image?variant=thumb")
    assert thumb.status_code == 200 and thumb.headers["content-type"] == "image/jpeg"
    assert Image.open(io.BytesIO(thumb.content)).size == (320, 180)
    assert len(local_objects(client, owner.org_id)) == 2


async def test_blur_and_broken_images_still_go_to_the_job(client):
    owner = await register(client)
    entry = await make_entry(owner)
    blurred = await upload(owner, png_bytes(), entry, blur=1)
    assert blurred.json()["status"] == "PENDING"
    shot = await wait_status(client, owner, blurred.json()["id"])
    assert shot["status"] == "READY" and (await screenshot_row(client, shot["id"])).attempts == 1
    whole = png_bytes()
    broken = await upload(owner, whole[: len(whole) // 2], entry)
    assert broken.status_code == 201 and broken.json()["status"] == "PENDING"
    shot = await wait_status(client, owner, broken.json()["id"])
    assert shot["status"] == "FAILED" and "decode" in shot["failureReason"], shot


async def test_setting_off_sends_every_upload_to_the_job(backend, session_tmp):
    async with app_client(backend, session_tmp / f"noinline-{uuid.uuid4().hex[:6]}",
                          SCREENSHOT_INLINE_THUMBNAILS="false") as client:
        owner = await register(client)
        entry = await make_entry(owner)
        r = await upload(owner, png_bytes(), entry)
        assert r.json()["status"] == "PENDING"
        shot = await wait_status(client, owner, r.json()["id"])
        assert shot["status"] == "READY" and (await screenshot_row(client, shot["id"])).attempts == 1


async def test_transparent_png_thumbnail_is_white_where_transparent(client):
    owner = await register(client)
    entry = await make_entry(owner)
    image = text_screenshot(640, 360).convert("RGBA")
    image.paste((0, 0, 0, 0), (0, 0, 640, 180))  # top half fully transparent black
    r = await upload(owner, encode(image, "PNG"), entry)
    assert r.json()["status"] == "READY", r.json()
    thumb = await owner.get(f"/api/v1/screenshots/{r.json()['id']}/image?variant=thumb")
    pixels = Image.open(io.BytesIO(thumb.content)).convert("RGB")
    assert pixels.getpixel((160, 20)) >= (250, 250, 250)  # white, not the black underneath


async def test_a_webp_thumbnail_made_before_is_still_served_as_webp(client):
    owner = await register(client)
    entry = await make_entry(owner)
    r = await upload(owner, png_bytes(), entry)
    shot_id = r.json()["id"]
    app_state = hub_of(client)
    row = await screenshot_row(client, shot_id)
    old_key = row.storage_key.rsplit(".", 1)[0] + ".thumb.webp"
    (app_state.storage.root / old_key).write_bytes(encode(text_screenshot(320, 180), "WEBP"))

    async def point_at_old() -> None:
        async with app_state.sessions() as session:
            await session.execute(update(Screenshot).where(Screenshot.id == row.id)
                                  .values(thumbnail_key=old_key))
            await session.commit()

    await in_app(client, point_at_old)
    thumb = await owner.get(f"/api/v1/screenshots/{shot_id}/image?variant=thumb")
    assert thumb.status_code == 200 and thumb.headers["content-type"] == "image/webp"
    assert Image.open(io.BytesIO(thumb.content)).format == "WEBP"
