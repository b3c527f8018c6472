"""Streaming a multipart upload to disk (python-multipart's FormParser): the
body is read chunk by chunk, never held whole in memory, and cut off with 413
as soon as it passes the limit (before reading at all when Content-Length
says so)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from python_multipart import FormParser
from python_multipart.multipart import parse_options_header

from server.core.errors import BadRequest, PayloadTooLarge, UnsupportedMediaType

_FIELD_LIMIT = 64 * 1024


@dataclass
class Upload:
    fields: dict[str, str] = field(default_factory=dict)
    file: IO[bytes] | None = None
    filename: str | None = None


async def read_multipart(
    content_type: str,
    content_length: str | None,
    chunks: AsyncIterator[bytes],
    max_bytes: int,
    spool_dir: Path,
) -> Upload:
    ctype, params = parse_options_header(content_type)
    if ctype != b"multipart/form-data" or b"boundary" not in params:
        raise UnsupportedMediaType("send the file as multipart/form-data (field `file`)")
    limit = max_bytes + _FIELD_LIMIT
    if content_length and content_length.isdigit() and int(content_length) > limit:
        raise PayloadTooLarge(f"the upload is larger than {max_bytes // (1024 * 1024)} MiB")
    upload = Upload()
    await asyncio.to_thread(spool_dir.mkdir, parents=True, exist_ok=True)

    def on_field(f: Any) -> None:
        value = (f.value or b"")[:_FIELD_LIMIT]
        upload.fields[f.field_name.decode(errors="replace")] = value.decode(errors="replace")

    def on_file(f: Any) -> None:
        if f.field_name == b"file" and upload.file is None:
            obj = f.file_object
            obj.seek(0)
            upload.file = obj
            upload.filename = (f.file_name or b"").decode(errors="replace")

    parser = FormParser(
        "multipart/form-data",
        on_field,
        on_file,
        boundary=params[b"boundary"],
        config={
            "UPLOAD_DIR": str(spool_dir),
            "MAX_MEMORY_FILE_SIZE": 1024 * 1024,
            "UPLOAD_DELETE_TMP": True,
        },
    )
    seen = 0
    try:
        async for chunk in chunks:
            seen += len(chunk)
            if seen > limit:
                raise PayloadTooLarge(f"the upload is larger than {max_bytes // (1024 * 1024)} MiB")
            parser.write(chunk)
        parser.finalize()
    except (PayloadTooLarge, UnsupportedMediaType):
        raise
    except Exception:
        raise BadRequest("the multipart body is malformed") from None
    if upload.file is None:
        raise BadRequest("the multipart body has no `file` part")
    return upload


def spool_dir(data_dir: Path) -> Path:
    return data_dir / "imports" / "incoming"
