"""Blur levels and thumbnails, checked on the pixels the API serves."""

from __future__ import annotations

import hashlib
import io
import uuid

import pytest
from PIL import Image, ImageChops, ImageFilter, ImageStat
from sqlalchemy import select

from server.db.models import Screenshot
from server.screenshots import imaging
from tests.integration.screenshots.helpers import hub_of, in_app, make_entry, upload, wait_status
from tests.integration.screenshots.images import bomb_png, encode, text_screenshot
from tests.support.api import register


def _sharpness(image: Image.Image) -> float:
    """Mean edge energy: high for crisp text, near zero once text is smeared."""
    edges = image.convert("L").filter(ImageFilter.FIND_EDGES)
    return float(ImageStat.Stat(edges).mean[0])


def _diff(a: Image.Image, b: Image.Image) -> float:
    return float(
        sum(ImageStat.Stat(ImageChops.difference(a.convert("RGB"), b.convert("RGB"))).mean)
    )


async def test_each_blur_level_changes_pixels_as_expected(client):
    owner = await register(client)
    entry = await make_entry(owner)
    original = text_screenshot(1920, 1080)
    data = encode(original, "PNG")
    served: dict[int, Image.Image] = {}
    raw: dict[int, bytes] = {}
    for level in range(4):
        r = await upload(owner, data, entry, blur=level)
        shot = await wait_status(client, owner, r.json()["id"])
        assert shot["status"] == "READY", shot
        assert shot["blurLevel"] == level
        full = await owner.get(f"/api/v1/screenshots/{shot['id']}/image?variant=full")
        assert full.status_code == 200 and full.headers["content-type"] == "image/png"
        raw[level] = full.content
        served[level] = Image.open(io.BytesIO(full.content))
    # Level 0 keeps the upload byte for byte (and so every pixel).
    assert raw[0] == data
    assert _diff(served[0], original) == 0
    # Each level departs further from the original and is less sharp.
    diffs = [_diff(served[level], original) for level in range(4)]
    sharp = [_sharpness(served[level]) for level in range(4)]
    assert diffs[0] < diffs[1] < diffs[2] < diffs[3], diffs
    assert sharp[0] > sharp[1] > sharp[2] > sharp[3], sharp
    # Strong blur: the text's edges are essentially gone (unreadable).
    assert sharp[3] < sharp[0] * 0.1, sharp


async def test_blurred_image_replaces_the_original_object(client):
    owner = await register(client)
    entry = await make_entry(owner)
    data = encode(text_screenshot(800, 600), "JPEG", quality=92)
    r = await upload(owner, data, entry, blur=3, content_type="image/jpeg")
    shot = await wait_status(client, owner, r.json()["id"])
    app_state = hub_of(client)

    async def stored_key() -> str:
        async with app_state.sessions() as session:
            return (
                await session.execute(
                    select(Screenshot.storage_key).where(Screenshot.id == uuid.UUID(shot["id"]))
                )
            ).scalar_one()

    key = await in_app(client, stored_key)
    stored = (app_state.storage.root / key).read_bytes()
    assert stored != data  # the sharp upload is not kept
    assert _sharpness(Image.open(io.BytesIO(stored))) < _sharpness(text_screenshot(800, 600)) * 0.1
    assert shot["sha256"] == hashlib.sha256(data).hexdigest()


async def test_thumbnail_is_jpeg_about_320_wide(client):
    owner = await register(client)
    entry = await make_entry(owner)
    for size in ((1920, 1080), (2560, 1440), (300, 200)):
        r = await upload(owner, encode(text_screenshot(*size), "PNG"), entry)
        shot = await wait_status(client, owner, r.json()["id"])
        thumb = await owner.get(f"/api/v1/screenshots/{shot['id']}/image?variant=thumb")
        assert thumb.status_code == 200 and thumb.headers["content-type"] == "image/jpeg"
        image = Image.open(io.BytesIO(thumb.content))
        assert image.format == "JPEG"
        expected_w = min(320, size[0])
        assert image.width == expected_w
        assert abs(image.height - size[1] * expected_w / size[0]) <= 1


def test_pixel_guard_rejects_before_decoding():
    try:
        imaging.process(bomb_png(), "image/png", 0)
    except imaging.InvalidImage as exc:
        assert "bomb" in str(exc)
    else:
        raise AssertionError("a 900-megapixel PNG was accepted")


def test_jpeg_thumbnail_decodes_at_reduced_scale_with_the_same_pixels():
    """Blur level 0 keeps the original, so a JPEG is decoded at 1/4 scale for its
    thumbnail; the thumbnail matches one made from the full decode, the stored
    size is the original's, and a broken JPEG is still refused."""
    data = encode(text_screenshot(1920, 1080), "JPEG", quality=85)
    image, size = imaging.open_guarded(data, thumbnail_only=True)
    assert size == (1920, 1080) and image.size == (480, 270)
    result = imaging.process(data, "image/jpeg", 0)
    assert (result.width, result.height, result.full) == (1920, 1080, None)
    full_decode, _ = imaging.open_guarded(data)
    reference = Image.open(io.BytesIO(imaging.thumbnail(full_decode)))
    thumb = Image.open(io.BytesIO(result.thumb))
    assert thumb.size == reference.size == (320, 180)
    assert _diff(thumb, reference) < 15  # sum over RGB of mean |difference| (of 765)
    for broken in (data[: len(data) // 2], data[:2000] + bytes(len(data) - 2000)):
        with pytest.raises(imaging.InvalidImage, match="decode"):
            imaging.process(broken, "image/jpeg", 0)
