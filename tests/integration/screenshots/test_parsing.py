"""Pure pieces: incremental multipart parsing at any chunking, magic bytes, arq schedule."""

from __future__ import annotations

import os

import pytest

from server.core.errors import BadRequest
from server.jobs.arq_queue import queue_name
from server.jobs.worker import _schedule
from server.screenshots import imaging
from server.screenshots.multipart import Field, FileChunk, FileEnd, FileStart, parse_form


def _body(fields: dict[str, str], data: bytes, boundary: str = "Bnd") -> bytes:
    out = b"".join(f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n'
                   f"{v}\r\n".encode() for k, v in fields.items())
    out += (f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.png"'
            "\r\nContent-Type: image/png\r\n\r\n").encode() + data + b"\r\n"
    return out + f"--{boundary}--\r\n".encode()


async def _events(body: bytes, step: int) -> list:
    async def chunks():
        for i in range(0, len(body), step):
            yield body[i:i + step]

    return [e async for e in parse_form(chunks(), "multipart/form-data; boundary=Bnd")]


@pytest.mark.parametrize("step", [1, 2, 7, 64, 1000, 1 << 20])
async def test_any_chunking_gives_the_same_form(step):
    data = os.urandom(3000) + b"\r\n--Bn" + os.urandom(50)  # boundary-like bytes inside
    body = _body({"idempotencyKey": "k", "metadata": '{"a": "ü"}'}, data)
    events = await _events(body, step)
    fields = {e.name: e.value for e in events if isinstance(e, Field)}
    assert fields == {"idempotencyKey": "k", "metadata": '{"a": "ü"}'}
    starts = [e for e in events if isinstance(e, FileStart)]
    assert starts == [FileStart("file", "a.png", "image/png")]
    assert b"".join(e.data for e in events if isinstance(e, FileChunk)) == data
    assert isinstance(events[-1], FileEnd)


async def test_malformed_forms_are_400():
    with pytest.raises(BadRequest):
        [e async for e in parse_form(_one(b"x"), "text/plain")]
    huge = _body({"metadata": "x" * 70000}, b"")
    with pytest.raises(BadRequest):
        await _events(huge, 4096)


async def _one(data: bytes):
    yield data


def test_sniffing():
    assert imaging.sniff(b"\xff\xd8\xff\xe0" + b"\0" * 8) == "image/jpeg"
    assert imaging.sniff(b"\x89PNG\r\n\x1a\n" + b"\0" * 4) == "image/png"
    assert imaging.sniff(b"RIFF\0\0\0\0WEBP") == "image/webp"
    assert imaging.sniff(b"RIFF\0\0\0\0WAVE") is None
    assert imaging.sniff(b"GIF89a") is None
    assert "empty" in imaging.describe_magic(b"")


def test_arq_schedule_and_queue_name():
    assert _schedule(60) == {"minute": set(range(60)), "second": 0}
    assert _schedule(3600) == {"hour": set(range(24)), "minute": 0, "second": 0}
    assert _schedule(15) == {"second": {0, 15, 30, 45}}
    assert queue_name("hubnity:") == "hubnity:arq:queue"
