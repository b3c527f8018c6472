"""Incremental multipart/form-data parsing over a byte stream.

Litestar's own form parsing buffers the whole body; here python-multipart's
push parser is fed each received chunk and yields small events, so a file
part flows to storage chunk by chunk and memory stays flat. Text fields are
small by nature and capped.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header

from server.core.errors import BadRequest

MAX_FIELD_BYTES = 64 * 1024
MAX_FIELDS = 32


@dataclass(frozen=True)
class Field:
    name: str
    value: str


@dataclass(frozen=True)
class FileStart:
    name: str
    filename: str | None
    content_type: str | None


@dataclass(frozen=True)
class FileChunk:
    data: bytes


@dataclass(frozen=True)
class FileEnd:
    pass


Event = Field | FileStart | FileChunk | FileEnd


def boundary_of(content_type: str | None) -> bytes:
    kind, params = parse_options_header(content_type or "")
    boundary = params.get(b"boundary")
    if kind != b"multipart/form-data" or not boundary:
        raise BadRequest("expected a multipart/form-data body with a boundary")
    return boundary


class _Collector:
    """python-multipart callbacks, turned into a list of events per chunk."""

    def __init__(self, file_fields: frozenset[str]) -> None:
        self.events: list[Event] = []
        self._file_fields = file_fields
        self._header_name = bytearray()
        self._header_value = bytearray()
        self._headers: dict[bytes, bytes] = {}
        self._is_file = False
        self._name = ""
        self._value = bytearray()
        self._fields = 0

    def callbacks(self) -> dict[str, object]:
        return {
            "on_part_begin": self.part_begin,
            "on_header_field": lambda d, s, e: self._header_name.extend(d[s:e]),
            "on_header_value": lambda d, s, e: self._header_value.extend(d[s:e]),
            "on_header_end": self.header_end,
            "on_headers_finished": self.headers_finished,
            "on_part_data": self.part_data,
            "on_part_end": self.part_end,
        }

    def part_begin(self) -> None:
        self._headers = {}
        self._value = bytearray()
        self._fields += 1
        if self._fields > MAX_FIELDS:
            raise BadRequest(f"too many form parts (at most {MAX_FIELDS})")

    def header_end(self) -> None:
        self._headers[bytes(self._header_name).lower()] = bytes(self._header_value)
        self._header_name = bytearray()
        self._header_value = bytearray()

    def headers_finished(self) -> None:
        _, params = parse_options_header(self._headers.get(b"content-disposition", b""))
        self._name = params.get(b"name", b"").decode("utf-8", "replace")
        filename = params.get(b"filename")
        self._is_file = filename is not None or self._name in self._file_fields
        if self._is_file:
            ctype = self._headers.get(b"content-type")
            self.events.append(FileStart(
                self._name, filename.decode("utf-8", "replace") if filename else None,
                ctype.decode("latin-1") if ctype else None,
            ))

    def part_data(self, data: bytes, start: int, end: int) -> None:
        if self._is_file:
            self.events.append(FileChunk(data[start:end]))
            return
        if len(self._value) + end - start > MAX_FIELD_BYTES:
            raise BadRequest(f"form field {self._name!r} is larger than {MAX_FIELD_BYTES} bytes")
        self._value.extend(data[start:end])

    def part_end(self) -> None:
        if self._is_file:
            self.events.append(FileEnd())
        else:
            try:
                value = self._value.decode("utf-8")
            except UnicodeDecodeError:
                raise BadRequest(f"form field {self._name!r} is not UTF-8") from None
            self.events.append(Field(self._name, value))


async def parse_form(
    chunks: AsyncIterator[bytes], content_type: str | None,
    file_fields: frozenset[str] = frozenset({"file"}),
) -> AsyncIterator[Event]:
    """Yields form events as the body arrives; raises BadRequest on a malformed body."""
    collector = _Collector(file_fields)
    parser = MultipartParser(boundary_of(content_type), collector.callbacks())  # type: ignore[arg-type]
    async for chunk in chunks:
        if not chunk:
            continue
        try:
            parser.write(chunk)
        except MultipartParseError as exc:
            raise BadRequest(f"malformed multipart body: {exc}") from None
        events, collector.events = collector.events, []
        for event in events:
            yield event
    try:
        parser.finalize()
    except MultipartParseError as exc:
        raise BadRequest(f"malformed multipart body: {exc}") from None
    for event in collector.events:
        yield event
