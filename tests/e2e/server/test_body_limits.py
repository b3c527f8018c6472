"""Oversized bodies against a real server process: ten concurrent 45 MiB
sign-in bodies from nobody in particular, announced by Content-Length and
then chunked, are each refused 413 at once, and the server's memory barely
moves (it used to read every one of them whole: over a GB). The sync batch,
whose limit is large, reads no stranger's body: 401 before any of it."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import psutil
import pytest

from tests.conftest import TEST_ENV
from tests.support.process import ServerProcess, run_server

pytestmark = pytest.mark.slow

BODY = 45 * 1024 * 1024
CHUNK = 1024 * 1024
CLIENTS = 10
GROWTH_BOUND = 40 * 1024 * 1024
ANSWER_WITHIN = 5.0  # seconds, per request
LOGIN = "/api/v1/auth/login"
SYNC = "/api/v1/sync/batch"
TOO_LARGE = "request body too large: at most 64 KiB (65536 bytes) on this route"


def _rss(pid: int) -> int:
    proc = psutil.Process(pid)
    return int(proc.memory_info().rss) + sum(
        int(child.memory_info().rss) for child in proc.children(recursive=True)
    )


@contextmanager
def _peak_rss(pid: int) -> Iterator[dict[str, int]]:
    """Samples the server's RSS every 10 ms while the block runs."""
    seen = {"before": _rss(pid), "peak": 0}
    seen["peak"] = seen["before"]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            seen["peak"] = max(seen["peak"], _rss(pid))
            done.wait(0.01)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    try:
        yield seen
    finally:
        done.set()
        thread.join()
        seen["peak"] = max(seen["peak"], _rss(pid))


def _payload() -> bytes:
    """A well-formed sign-in whose password is 45 MiB: nothing but size is wrong."""
    head = b'{"email":"someone@example.test","password":"'
    tail = b'"}'
    return head + b"x" * (BODY - len(head) - len(tail)) + tail


async def _send(
    url: str, payload: bytes, chunked: bool, path: str = LOGIN
) -> tuple[int, dict[str, object], float]:
    """Sends the body while watching for the answer; stops sending once it
    comes. Returns (status, JSON body, seconds until the answer)."""
    host, port = url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    framing = "Transfer-Encoding: chunked" if chunked else f"Content-Length: {len(payload)}"
    writer.write(
        f"POST {path} HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
        f"{framing}\r\n\r\n".encode()
    )
    started = time.monotonic()

    async def body() -> None:
        for at in range(0, len(payload), CHUNK):
            piece = payload[at : at + CHUNK]
            writer.write(b"%x\r\n%s\r\n" % (len(piece), piece) if chunked else piece)
            await writer.drain()
        if chunked:
            writer.write(b"0\r\n\r\n")
            await writer.drain()

    async def answer() -> tuple[int, dict[str, object]]:
        status_line = await reader.readline()
        length = 0
        while (line := await reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode().partition(":")
            if name.strip().lower() == "content-length":
                length = int(value)
        return int(status_line.split()[1]), json.loads(await reader.readexactly(length))

    sending = asyncio.create_task(body())
    try:
        status, detail = await asyncio.wait_for(answer(), timeout=120)
        took = time.monotonic() - started
    finally:
        sending.cancel()
        try:
            await sending
        except (asyncio.CancelledError, OSError):
            pass
        writer.close()
    return status, detail, took


async def _flood(
    server: ServerProcess, chunked: bool, path: str = LOGIN, status: int = 413, detail: str = ""
) -> None:
    payload = _payload()
    with _peak_rss(server.proc.pid) as rss:
        results = await asyncio.gather(
            *(_send(server.url, payload, chunked, path) for _ in range(CLIENTS))
        )
    growth = rss["peak"] - rss["before"]
    how = "chunked" if chunked else "with Content-Length"
    assert growth < GROWTH_BOUND, (
        f"{CLIENTS} x 45 MiB {how}: the server grew by {growth / 2**20:.0f} MiB "
        f"({rss['before'] / 2**20:.0f} -> {rss['peak'] / 2**20:.0f} MiB)"
    )
    for got, body, took in results:
        assert got == status, (got, body)
        assert body["detail"] == detail
        assert took < ANSWER_WITHIN, f"a {status} took {took:.1f} s ({how})"


async def test_oversized_bodies_from_strangers_are_refused_before_they_are_read(tmp_path):
    with run_server(tmp_path / "data", TEST_ENV) as server:
        await _flood(server, chunked=False, detail=TOO_LARGE)
        await _flood(server, chunked=True, detail=TOO_LARGE)
        # Under the sync batch's limit (48 MiB), but nobody's: the token first.
        await _flood(server, chunked=False, path=SYNC, status=401, detail="missing bearer token")
        # The server still answers, and a sign-in of normal size is read as usual.
        status, body, _ = await _send(
            server.url, b'{"email":"someone@example.test","password":"wrong-password"}', False
        )
        assert status == 401, body
