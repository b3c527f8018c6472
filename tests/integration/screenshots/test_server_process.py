"""Against a real `hubnity-server` process (uvicorn): client disconnects mid-upload and
chunked bodies without Content-Length, on local storage and on S3."""

from __future__ import annotations

import asyncio
import socket
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from tests.conftest import TEST_ENV
from tests.integration.screenshots.helpers import form, make_entry
from tests.integration.screenshots.images import noise_png
from tests.support.api import register
from tests.support.process import run_server


def _multipart_head(fields: dict[str, str], boundary: str) -> bytes:
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'
             for k, v in fields.items()]
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
                 'filename="a.png"\r\nContent-Type: image/png\r\n\r\n')
    return "".join(parts).encode()


def _send_and_vanish(url: str, token: str, head: bytes, data: bytes, announced: int) -> None:
    """Sends headers and part of the body, then closes the socket."""
    where = urlsplit(url)
    with socket.create_connection((where.hostname, where.port)) as sock:
        sock.sendall((f"POST /api/v1/sync/screenshots HTTP/1.1\r\nHost: {where.netloc}\r\n"
                      f"Authorization: Bearer {token}\r\n"
                      "Content-Type: multipart/form-data; boundary=xyz\r\n"
                      f"Content-Length: {announced}\r\n\r\n").encode())
        sock.sendall(head)
        for i in range(0, len(data), 65536):
            sock.sendall(data[i:i + 65536])
        time.sleep(0.5)  # let the server stream what it got, then vanish mid-body


@pytest.fixture(params=["local", "s3"])
def storage_env(request) -> dict[str, str]:
    if request.param == "local":
        return {}
    moto = request.getfixturevalue("moto")
    return moto.env(request.getfixturevalue("bucket")) | {"_moto": "1"}


async def test_disconnect_mid_upload_leaves_no_row_and_no_object(
    backend, session_tmp, storage_env, request
):
    data_dir = session_tmp / f"proc-{uuid.uuid4().hex[:6]}"
    s3 = storage_env.pop("_moto", None) is not None
    env = {**TEST_ENV, "DATABASE_URL": backend, "SCREENSHOT_MAX_BYTES": "40mb", **storage_env}
    with run_server(data_dir, env) as server:
        async with httpx.AsyncClient(base_url=server.url, timeout=60) as http:
            owner = await register(http, data_dir=server.data_dir)
            entry = await make_entry(owner)
            data = noise_png(2000, 2000)  # 12 MB: past the first S3 part
            head = _multipart_head(form(entry), "xyz")
            await asyncio.to_thread(_send_and_vanish, server.url, owner.access, head,
                                    data[: 10 * 1024 * 1024], len(head) + len(data) + 100)
            await asyncio.sleep(1.5)
            assert (await owner.get("/api/v1/screenshots")).json()["items"] == []
            if s3:
                moto = request.getfixturevalue("moto")
                bucket = storage_env["S3_BUCKET"]
                listing = moto.client().list_objects_v2(Bucket=bucket)
                assert listing.get("KeyCount", 0) == 0
                assert moto.client().list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []
            else:
                storage = Path(data_dir) / "storage"
                assert not (storage / "screenshots").exists() or not any(
                    p.is_file() for p in (storage / "screenshots").rglob("*"))
                assert list((storage / ".incoming").iterdir()) == []
            # The server is fine afterwards, and the same upload then succeeds.
            fields = form(entry)
            r = await owner.post("/api/v1/sync/screenshots", data=fields,
                                 files={"file": ("a.png", data, "image/png")})
            assert r.status_code == 201, r.text


async def test_chunked_body_over_the_limit_is_413(backend, session_tmp):
    data_dir = session_tmp / f"proc-{uuid.uuid4().hex[:6]}"
    env = {**TEST_ENV, "DATABASE_URL": backend, "SCREENSHOT_MAX_BYTES": "1mb"}
    with run_server(data_dir, env) as server:
        async with httpx.AsyncClient(base_url=server.url, timeout=60) as http:
            owner = await register(http, data_dir=server.data_dir)
            entry = await make_entry(owner)
            data = noise_png(1000, 1000)  # 3 MB, sent without Content-Length

            async def body():
                yield _multipart_head(form(entry), "xyz")
                for i in range(0, len(data), 65536):
                    yield data[i:i + 65536]
                yield b"\r\n--xyz--\r\n"

            r = await owner.post("/api/v1/sync/screenshots", content=body(), headers={
                "Content-Type": "multipart/form-data; boundary=xyz"})
            assert r.status_code == 413, r.text
            storage = Path(data_dir) / "storage"
            assert not (storage / "screenshots").exists()
            assert list((storage / ".incoming").iterdir()) == []
