"""Polyglot uploads, on SQLite and PostgreSQL.

The rule (docs/screenshots.md, "Polyglots"): the magic bytes decide the type.
A file that is a valid image *and* something else (HTML in a JPEG comment or
a PNG text chunk, HTML or a ZIP after the image's end) is accepted as the
image it is, and every route that serves it back says so: its image type,
`nosniff`, and a CSP that makes it no document at all (`default-src 'none';
sandbox`). The thumbnail is re-encoded pixels, without the payload. A file
that is not an image (HTML, SVG, JavaScript) is 415 whatever its name or
declared type says, and nothing is stored.
"""

from __future__ import annotations

import io
import uuid
from typing import Any

import httpx
import pytest
from PIL import Image
from sqlalchemy import func, select

from tests.integration.screenshots.helpers import (
    hub_of,
    in_app,
    local_objects,
    make_entry,
    screenshot_row,
    upload,
    wait_status,
)
from tests.integration.screenshots.images import (
    HTML_PAYLOAD,
    jpeg_bytes,
    jpeg_with_html,
    jpeg_with_zip,
    png_bytes,
    png_with_html,
)
from tests.integration.web.pages import web_sign_in
from tests.support.api import Account, register

POLYGLOTS = {
    "jpeg-comment-and-trailing-html": (jpeg_with_html, "image/jpeg", "jpg"),
    "png-text-chunk-and-trailing-html": (png_with_html, "image/png", "png"),
    "jpeg-with-zip-appended": (jpeg_with_zip, "image/jpeg", "jpg"),
}
NOT_IMAGES = {
    "html": b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>",
    "html-after-a-bom": b"\xef\xbb\xbf  <html><script>alert(document.cookie)</script>",
    "svg": (
        b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" '
        b'onload="alert(1)"><script>alert(2)</script></svg>'
    ),
    "javascript": b"alert(1);//" + b" " * 64,
}


def _assert_served_as_image(r: httpx.Response, content_type: str, what: str) -> None:
    assert r.status_code == 200, (what, r.status_code, r.text[:200])
    assert r.headers["content-type"] == content_type, what
    assert r.headers["x-content-type-options"] == "nosniff", what
    csp = [p.strip() for p in r.headers["content-security-policy"].split(";")]
    assert "default-src 'none'" in csp and "sandbox" in csp, (what, csp)
    disposition = r.headers["content-disposition"]
    assert disposition.startswith("inline; filename=") and "html" not in disposition, what


async def _rows(client: Any, org_id: str) -> int:
    from server.db.models import Screenshot

    app_state = hub_of(client)

    async def count() -> int:
        async with app_state.sessions() as session:
            return int(
                (
                    await session.execute(
                        select(func.count())
                        .select_from(Screenshot)
                        .where(Screenshot.organization_id == uuid.UUID(org_id))
                    )
                ).scalar_one()
            )

    return await in_app(client, count)


async def _signed_blob(account: Account, shot_id: str, variant: str) -> httpx.Response:
    r = await account.get(f"/api/v1/screenshots/{shot_id}/url", params={"variant": variant})
    assert r.status_code == 200, r.text
    path = r.json()["url"].split("testserver.local", 1)[1]
    return await account.client.get(path)  # the signature authorizes: no token


@pytest.mark.parametrize("name", sorted(POLYGLOTS))
async def test_a_polyglot_image_is_served_back_only_as_an_image(client, name: str) -> None:
    make, content_type, ext = POLYGLOTS[name]
    data = make()
    owner = await register(client)
    r = await upload(
        owner, data, await make_entry(owner), filename="page.html", content_type="text/html"
    )
    assert r.status_code == 201, r.text
    shot = await wait_status(client, owner, r.json()["id"])
    assert (shot["status"], shot["contentType"]) == ("READY", content_type), shot
    assert (await screenshot_row(client, shot["id"])).storage_key.endswith(f".{ext}")

    full = await owner.get(f"/api/v1/screenshots/{shot['id']}/image")
    _assert_served_as_image(full, content_type, "image")
    assert full.content == data  # blur level 0 keeps the upload byte for byte
    _assert_served_as_image(await _signed_blob(owner, shot["id"], "full"), content_type, "blob")
    thumb = await owner.get(f"/api/v1/screenshots/{shot['id']}/image?variant=thumb")
    _assert_served_as_image(thumb, "image/jpeg", "thumbnail")
    _assert_served_as_image(
        await _signed_blob(owner, shot["id"], "thumb"), "image/jpeg", "thumbnail blob"
    )
    # The thumbnail is re-encoded pixels: nothing of the payload survives.
    assert b"<script" not in thumb.content and b"PK\x03\x04" not in thumb.content
    assert Image.open(io.BytesIO(thumb.content)).format == "JPEG"

    await web_sign_in(client, owner.email)
    try:
        for variant, ctype in (("full", content_type), ("thumb", "image/jpeg")):
            page = await client.get(f"/app/screenshots/{shot['id']}/{variant}")
            _assert_served_as_image(page, ctype, f"web {variant}")
    finally:
        client.cookies.clear()


async def test_a_blurred_polyglot_keeps_no_payload(client) -> None:
    """A blur re-encodes the image: the stored object is pixels only."""
    owner = await register(client)
    for make, _ctype, _ext in POLYGLOTS.values():
        r = await upload(owner, make(), await make_entry(owner), blur=1)
        shot = await wait_status(client, owner, r.json()["id"])
        assert shot["status"] == "READY", shot
        full = await owner.get(f"/api/v1/screenshots/{shot['id']}/image")
        assert full.status_code == 200
        assert HTML_PAYLOAD not in full.content and b"PK\x03\x04" not in full.content


@pytest.mark.parametrize("name", sorted(NOT_IMAGES))
async def test_a_page_or_script_named_as_an_image_is_415_and_nothing_is_stored(
    client, name: str
) -> None:
    owner = await register(client)
    entry = await make_entry(owner)
    data = NOT_IMAGES[name]
    for filename, declared in (("shot.jpg", "image/jpeg"), ("shot.png", "image/png")):
        r = await upload(owner, data, entry, filename=filename, content_type=declared)
        assert r.status_code == 415, (name, declared, r.text)
        detail = r.json()["detail"]
        assert "only JPEG, PNG and WebP" in detail and "are not JPEG, PNG or WebP" in detail
        assert data[:4].hex(" ") in detail  # says what was found instead
    assert local_objects(client, owner.org_id) == []
    assert await _rows(client, owner.org_id) == 0


@pytest.mark.parametrize(
    ("data_of", "declared", "true_type", "ext"),
    [
        (png_bytes, "image/jpeg", "image/png", "png"),
        (jpeg_bytes, "image/png", "image/jpeg", "jpg"),
    ],
)
async def test_a_mislabelled_image_is_stored_and_served_under_its_true_type(
    client, data_of: Any, declared: str, true_type: str, ext: str
) -> None:
    """Streamed upload: the declared type and the file name are ignored."""
    owner = await register(client)
    name = "shot.jpg" if declared == "image/jpeg" else "shot.png"
    r = await upload(
        owner, data_of(), await make_entry(owner), filename=name, content_type=declared
    )
    assert r.status_code == 201, r.text
    shot = await wait_status(client, owner, r.json()["id"])
    assert (shot["status"], shot["contentType"]) == ("READY", true_type)
    assert (await screenshot_row(client, shot["id"])).storage_key.endswith(f".{ext}")
    full = await owner.get(f"/api/v1/screenshots/{shot['id']}/image")
    _assert_served_as_image(full, true_type, "image")
    assert full.headers["content-disposition"].endswith(f'.{ext}"')


async def test_a_presigned_upload_must_be_the_type_it_announced(client) -> None:
    """Presigned: the announced type is binding (it names the object and, on S3,
    its stored Content-Type); PNG bytes for a JPEG ticket are 415 at confirm and
    the object is deleted. (The reverse is in test_presign.py.)"""
    from tests.integration.screenshots.test_presign import CONFIRM, _confirm_body, _presign

    owner = await register(client)
    data = png_bytes()
    ticket = await _presign(owner, await make_entry(owner), data, ctype="image/jpeg")
    r = await client.put(ticket["uploadUrl"], content=data, headers=ticket["uploadHeaders"])
    assert r.status_code == 204, r.text
    r = await owner.post(CONFIRM, json=_confirm_body(ticket["screenshotId"]))
    assert r.status_code == 415, r.text
    assert r.json()["detail"] == "the uploaded object is image/png, image/jpeg was announced"
    assert local_objects(client, owner.org_id) == []
    assert (await owner.get(f"/api/v1/screenshots/{ticket['screenshotId']}")).status_code == 404
