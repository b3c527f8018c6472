"""Slow clients against a real server process: a connection trickling its
headers is closed, a stalled request body answers 408 and leaves nothing
behind, and a slow but steady upload still succeeds."""

from __future__ import annotations

import socket
import time
import uuid

import httpx
import pytest

from tests.conftest import TEST_ENV
from tests.integration.screenshots.helpers import form, make_entry
from tests.integration.screenshots.images import encode, text_screenshot
from tests.support.api import register
from tests.support.process import run_server

pytestmark = pytest.mark.slow
ENV = {**TEST_ENV, "HEADER_READ_TIMEOUT": "2", "BODY_IDLE_TIMEOUT": "2"}


def _connect(url: str) -> socket.socket:
    host, port = url.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=15)
    return sock


def _read_all(sock: socket.socket) -> bytes:
    out = b""
    try:
        while chunk := sock.recv(65536):
            out += chunk
    except (ConnectionResetError, TimeoutError):
        pass
    return out


def _multipart(fields: dict[str, str], data: bytes) -> tuple[bytes, bytes, str]:
    boundary = uuid.uuid4().hex
    head = "".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'
        for k, v in fields.items()
    ) + (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="s.png"'
        "\r\nContent-Type: image/png\r\n\r\n"
    )
    return head.encode() + data, f"\r\n--{boundary}--\r\n".encode(), boundary


def _request_head(path: str, token: str, boundary: str, length: int) -> bytes:
    return (
        f"POST {path} HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer {token}\r\n"
        f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
        f"Content-Length: {length}\r\n\r\n"
    ).encode()


async def test_slow_headers_stalled_bodies_and_steady_uploads(tmp_path):
    data_dir = tmp_path / "data"
    with run_server(data_dir, ENV) as server:
        # Slowloris: a header line every half second never completes the request.
        sock = _connect(server.url)
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: test\r\n")
        t0 = time.monotonic()
        closed_after = None
        for i in range(40):
            try:
                sock.sendall(f"X-Slow-{i}: x\r\n".encode())
            except OSError:
                closed_after = time.monotonic() - t0
                break
            sock.settimeout(0.5)
            try:
                if sock.recv(1) == b"":
                    closed_after = time.monotonic() - t0
                    break
            except ConnectionResetError:
                # Closed while our last line sat unread in its buffer: the
                # kernel answers that with a reset instead of an end of stream.
                closed_after = time.monotonic() - t0
                break
            except TimeoutError:
                pass
        sock.close()
        assert closed_after is not None and closed_after < 8, closed_after

        async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
            owner = await register(http, data_dir=server.data_dir)
            entry = await make_entry(owner)
        image = encode(text_screenshot(1200, 700), "PNG")
        path = "/api/v1/sync/screenshots"

        # A body that stalls halfway: 408, connection closed, nothing stored.
        stalled_key = str(uuid.uuid4())
        body, tail, boundary = _multipart(form(entry, key=stalled_key), image)
        sock = _connect(server.url)
        sock.sendall(_request_head(path, owner.access, boundary, len(body) + len(tail)))
        sock.sendall(body[: len(body) // 2])
        t0 = time.monotonic()
        answer = _read_all(sock)
        waited = time.monotonic() - t0
        sock.close()
        assert answer.startswith(b"HTTP/1.1 408"), answer[:300]
        assert b"stalled" in answer and waited < 10, (answer[-200:], waited)

        # Slow but steady: a chunk a second for longer than the idle limit.
        steady_key = str(uuid.uuid4())
        body, tail, boundary = _multipart(form(entry, key=steady_key), image)
        payload = body + tail
        sock = _connect(server.url)
        sock.sendall(_request_head(path, owner.access, boundary, len(payload)))
        step = len(payload) // 4 + 1
        for i in range(0, len(payload), step):
            sock.sendall(payload[i : i + step])
            time.sleep(1.0)
        sock.settimeout(15)
        answer = sock.recv(65536)
        sock.close()
        assert answer.startswith(b"HTTP/1.1 201"), answer[:300]

        async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
            owner.client = http
            shots = (await owner.get("/api/v1/screenshots")).json()["items"]
        log = server.log()
    assert len(shots) == 1, shots  # only the steady upload exists
    assert "unhandled error" not in log, log[-2000:]
    leftovers = [p for p in (data_dir / "storage").rglob("*.part")]
    assert leftovers == [], leftovers  # the stalled upload's temp file was removed
