"""Screenshot upload use cases: streamed multipart, presign → PUT → confirm.

Invariants: an object is written completely before its row is committed; a
request that fails for any reason (limit, type, disconnect, race) leaves no
object behind; one idempotency key maps to one row and one object, also when
two identical uploads race (the unique key decides, the loser deletes its
object and answers with the winner's id).

No database connection is held while bytes flow: each DB step is a short
session of its own.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from server.auth.principal import Principal
from server.db.base import utcnow
from server.db.models import Screenshot, TimeEntry
from server.errors import (
    BadRequest,
    Conflict,
    DomainError,
    NotFound,
    PayloadTooLarge,
    UnsupportedMediaType,
)
from server.ids import parse_uuid
from server.observability.logging import log
from server.screenshots import imaging
from server.screenshots.common import (
    UPLOAD_URL_TTL,
    UPLOADING,
    enqueue_processing,
    first_attempt_at,
    object_key,
    storage_of,
)
from server.screenshots.metrics import UPLOAD_BYTES, UPLOADS
from server.screenshots.multipart import Field, FileChunk, FileEnd, FileStart, parse_form
from server.state import AppState
from server.storage.base import ObjectWriter, Storage
from shared.enums import ConflictReason, ScreenshotStatus
from shared.limits import MAX_BLUR_LEVEL
from shared.schemas import ConfirmRequest, PresignRequest

#: Room for the form fields and multipart framing around the file.
FORM_OVERHEAD = 256 * 1024
MAX_METADATA_BYTES = 16 * 1024


@dataclass
class Outcome:
    shot: Screenshot
    created: bool


# --- fields -------------------------------------------------------------------------


def _aware(value: str, field: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise BadRequest(f"{field} must be an RFC 3339 time with an offset") from None
    if parsed.tzinfo is None:
        raise BadRequest(f"{field} must carry a UTC offset")
    return parsed


def _blur(value: Any) -> int:
    try:
        level = int(value)
    except (TypeError, ValueError):
        raise BadRequest(f"blurLevel must be 0 to {MAX_BLUR_LEVEL}") from None
    if not 0 <= level <= MAX_BLUR_LEVEL:
        raise BadRequest(f"blurLevel must be 0 to {MAX_BLUR_LEVEL}")
    return level


def _metadata(value: Any) -> dict[str, Any]:
    if value in (None, ""):
        return {}
    if isinstance(value, str):
        if len(value) > MAX_METADATA_BYTES:
            raise BadRequest(f"metadata is larger than {MAX_METADATA_BYTES} bytes")
        try:
            value = json.loads(value)
        except ValueError:
            raise BadRequest("metadata must be a JSON object") from None
    if not isinstance(value, dict):
        raise BadRequest("metadata must be a JSON object")
    if len(json.dumps(value)) > MAX_METADATA_BYTES:
        raise BadRequest(f"metadata is larger than {MAX_METADATA_BYTES} bytes")
    return value


@dataclass(frozen=True)
class EntryRef:
    key: uuid.UUID | None
    id: uuid.UUID | None


def _entry_ref(fields: dict[str, str]) -> EntryRef | None:
    if fields.get("timeEntryKey"):
        return EntryRef(parse_uuid(fields["timeEntryKey"], "timeEntryKey"), None)
    if fields.get("timeEntryId"):
        return EntryRef(None, parse_uuid(fields["timeEntryId"], "timeEntryId"))
    return None


def _validate_present(fields: dict[str, str]) -> None:
    if "capturedAt" in fields:
        _aware(fields["capturedAt"], "capturedAt")
    if "blurLevel" in fields:
        _blur(fields["blurLevel"])
    if "metadata" in fields:
        _metadata(fields["metadata"])


# --- lookups ------------------------------------------------------------------------


async def _by_idempotency_key(
    hub: AppState, principal: Principal, key: uuid.UUID
) -> Screenshot | None:
    async with hub.sessions() as session:
        shot = (
            await session.execute(select(Screenshot).where(Screenshot.idempotency_key == key))
        ).scalar_one_or_none()
    if shot is not None and (shot.user_id != principal.user_id
                             or shot.organization_id != principal.org_id):
        raise Conflict("idempotencyKey is already used by another screenshot; use a new key")
    return shot


async def _resolve_entry(hub: AppState, principal: Principal, ref: EntryRef) -> uuid.UUID:
    """Unknown entry → 409 unknown_time_entry (sync the batch first); foreign → 404."""
    cond = TimeEntry.idempotency_key == ref.key if ref.key else TimeEntry.id == ref.id
    async with hub.sessions() as session:
        row = (await session.execute(
            select(TimeEntry.id, TimeEntry.user_id, TimeEntry.organization_id).where(cond)
        )).first()
    if row is None:
        raise Conflict(
            f"{ConflictReason.UNKNOWN_TIME_ENTRY.value}: the time entry is not on the server yet; "
            "sync the batch first",
            extra={"reason": ConflictReason.UNKNOWN_TIME_ENTRY.value},
        )
    if row.user_id != principal.user_id or row.organization_id != principal.org_id:
        raise NotFound("time entry")
    return row.id


async def _precheck(
    hub: AppState, principal: Principal, key: uuid.UUID, ref: EntryRef
) -> tuple[Screenshot | None, uuid.UUID | None]:
    existing = await _by_idempotency_key(hub, principal, key)
    if existing is not None:
        if existing.status == UPLOADING:
            raise Conflict("this idempotencyKey has a presigned upload waiting; confirm it")
        return existing, None
    return None, await _resolve_entry(hub, principal, ref)


# --- the file part ------------------------------------------------------------------


class _FileSink:
    """Sniffs, hashes, limits and streams the file part into a storage writer."""

    def __init__(self, storage: Storage, limit: int, key_for: Callable[[str], str]) -> None:
        self.storage = storage
        self.limit = limit
        self.key_for = key_for
        self.sha = hashlib.sha256()
        self.size = 0
        self.head = bytearray()
        self.content_type: str | None = None
        self.writer: ObjectWriter | None = None
        self.started = False
        self.ended = False

    async def feed(self, data: bytes) -> None:
        self.size += len(data)
        if self.size > self.limit:
            raise PayloadTooLarge(
                f"the screenshot is larger than SCREENSHOT_MAX_BYTES ({self.limit} bytes)"
            )
        self.sha.update(data)
        if self.writer is None:
            self.head += data
            if len(self.head) < imaging.SNIFF_BYTES:
                return
            self._open()
            data, self.head = bytes(self.head), bytearray()
        assert self.writer is not None
        await self.writer.write(data)

    def _open(self) -> None:
        content_type = imaging.sniff(bytes(self.head))
        if content_type is None:
            raise UnsupportedMediaType(
                f"only JPEG, PNG and WebP screenshots are accepted: "
                f"{imaging.describe_magic(bytes(self.head))}"
            )
        self.content_type = content_type
        self.writer = self.storage.open_writer(self.key_for(content_type), content_type)

    async def finish(self) -> ObjectWriter:
        if not self.ended:
            raise BadRequest("the body ended before the file part was complete")
        if self.writer is None:  # shorter than the sniff window
            self._open()
            assert self.writer is not None
            await self.writer.write(bytes(self.head))
        return self.writer

    async def abort(self) -> None:
        if self.writer is not None:
            await self.writer.abort()


# --- streamed multipart upload ------------------------------------------------------


async def upload_stream(
    hub: AppState, principal: Principal, chunks: AsyncIterator[bytes],
    content_type: str | None, content_length: int | None,
) -> Outcome:
    limit = hub.settings.storage.screenshot_max_bytes
    if content_length is not None and content_length > limit + FORM_OVERHEAD:
        raise PayloadTooLarge(
            f"the upload ({content_length} bytes) is larger than SCREENSHOT_MAX_BYTES "
            f"({limit} bytes)"
        )
    storage = storage_of(hub)
    shot_id, received = uuid.uuid4(), utcnow()
    sink = _FileSink(storage, limit, lambda ct: object_key(
        principal.org_id, principal.user_id, shot_id, received, ct))
    fields: dict[str, str] = {}
    existing: Screenshot | None = None
    entry_id: uuid.UUID | None = None
    # A refusal found mid-body is raised after the body is drained, so that a
    # client still sending gets the answer instead of a reset connection.
    error: DomainError | None = None
    commit_started = committed = False
    try:
        async for event in parse_form(chunks, content_type):
            if error is not None or existing is not None:
                continue
            try:
                if isinstance(event, Field):
                    fields[event.name] = event.value
                elif isinstance(event, FileStart):
                    if sink.started:
                        raise BadRequest("send exactly one file part")
                    sink.started = True
                    _validate_present(fields)  # fail before a byte is stored
                    ref = _entry_ref(fields)
                    if fields.get("idempotencyKey") and ref is not None:
                        key = parse_uuid(fields["idempotencyKey"], "idempotencyKey")
                        existing, entry_id = await _precheck(hub, principal, key, ref)
                elif isinstance(event, FileChunk):
                    await sink.feed(event.data)
                elif isinstance(event, FileEnd):
                    sink.ended = True
            except DomainError as exc:
                error = exc
                await sink.abort()
        if error is not None:
            raise error
        if existing is not None:
            return Outcome(existing, False)
        if not sink.started:
            raise BadRequest("the form has no file part")
        key = parse_uuid(fields.get("idempotencyKey"), "idempotencyKey")
        ref = _entry_ref(fields)
        if ref is None:
            raise BadRequest("timeEntryKey (or timeEntryId) is required")
        captured_at = _aware(fields.get("capturedAt") or "", "capturedAt")
        blur = _blur(fields.get("blurLevel") or 0)
        metadata = _metadata(fields.get("metadata"))
        writer = await sink.finish()
        if entry_id is None:
            existing, entry_id = await _precheck(hub, principal, key, ref)
            if existing is not None:
                return Outcome(existing, False)
        commit_started = True
        await writer.commit()
        committed = True
        assert sink.content_type is not None and entry_id is not None
        shot = Screenshot(
            id=shot_id, organization_id=principal.org_id, user_id=principal.user_id,
            time_entry_id=entry_id, idempotency_key=key, storage_key=writer.key,
            blur_level=max(blur, principal.organization.blur_level), captured_at=captured_at,
            sha256=sink.sha.hexdigest(), size_bytes=sink.size, content_type=sink.content_type,
            meta=metadata, status=ScreenshotStatus.PENDING.value,
            next_attempt_at=first_attempt_at(), created_at=received,
        )
        return await _insert(hub, principal, shot, storage)
    except BaseException:
        if commit_started:
            await asyncio.shield(_forget(storage, sink.writer.key if sink.writer else None))
        raise
    finally:
        if not committed:
            await sink.abort()


async def _forget(storage: Storage, key: str | None) -> None:
    if key is None:
        return
    try:
        await storage.delete(key)
    except Exception as exc:  # logged: an orphan here is visible in the log
        log.error("could not delete an uncommitted screenshot object", key=key, error=str(exc))


async def _insert(
    hub: AppState, principal: Principal, shot: Screenshot, storage: Storage
) -> Outcome:
    """Commits the row; on a lost idempotency race removes our object, answers the winner."""
    try:
        async with hub.sessions() as session:
            session.add(shot)
            await session.commit()
    except IntegrityError:
        await asyncio.shield(_forget(storage, shot.storage_key))
        winner = await _by_idempotency_key(hub, principal, shot.idempotency_key)
        if winner is None:  # not a key race: another constraint failed
            raise
        return Outcome(winner, False)
    except BaseException:
        await asyncio.shield(_forget(storage, shot.storage_key))
        raise
    await enqueue_processing(hub, shot.id)
    UPLOADS.labels("multipart", "created").inc()
    UPLOAD_BYTES.inc(shot.size_bytes)
    return Outcome(shot, True)


# --- presigned flow -----------------------------------------------------------------


@dataclass(frozen=True)
class Presigned:
    shot: Screenshot
    url: str | None  # None: the server signs and serves the URL itself (local storage)
    headers: dict[str, str]
    expires_at: datetime | None


async def presign(hub: AppState, principal: Principal, req: PresignRequest) -> Presigned:
    limit = hub.settings.storage.screenshot_max_bytes
    key = parse_uuid(req.idempotency_key, "idempotencyKey")
    if req.content_type not in imaging.EXTENSION:
        raise UnsupportedMediaType("contentType must be image/jpeg, image/png or image/webp")
    if not 0 < req.size <= limit:
        raise PayloadTooLarge(f"size must be 1 to {limit} bytes (SCREENSHOT_MAX_BYTES)")
    existing = await _by_idempotency_key(hub, principal, key)
    if existing is not None and existing.status != UPLOADING:
        return Presigned(existing, None, {}, None)
    storage = storage_of(hub)
    if existing is None:
        entry_id = await _resolve_entry(hub, principal, EntryRef(
            parse_uuid(req.time_entry_key, "timeEntryKey"), None))
        now = utcnow()
        shot_id = uuid.uuid4()
        shot = Screenshot(
            id=shot_id, organization_id=principal.org_id, user_id=principal.user_id,
            time_entry_id=entry_id, idempotency_key=key,
            storage_key=object_key(principal.org_id, principal.user_id, shot_id, now,
                                   req.content_type),
            blur_level=principal.organization.blur_level, captured_at=now,
            size_bytes=req.size, content_type=req.content_type, meta={}, status=UPLOADING,
            created_at=now,
        )
    else:
        shot = existing
        if (shot.content_type, shot.size_bytes) != (req.content_type, req.size):
            raise Conflict("this idempotencyKey was presigned with another type or size")
    upload = await storage.presign_put(shot.storage_key, shot.content_type, shot.size_bytes,
                                       UPLOAD_URL_TTL)
    expires_at = upload.expires_at if upload else utcnow() + _seconds(UPLOAD_URL_TTL)
    # The sweep removes the row (and any object) once the URL is long dead.
    shot.next_attempt_at = expires_at + _seconds(UPLOAD_URL_TTL)
    async with hub.sessions() as session:
        if existing is None:
            session.add(shot)
            try:
                await session.commit()
            except IntegrityError:
                await session.rollback()
                return await presign(hub, principal, req)  # lost a race: the winner's row
        else:
            await session.execute(update(Screenshot).where(Screenshot.id == shot.id)
                                  .values(next_attempt_at=shot.next_attempt_at))
            await session.commit()
    if upload is None:
        return Presigned(shot, None, {"Content-Type": shot.content_type}, expires_at)
    return Presigned(shot, upload.url, upload.headers, expires_at)


def _seconds(n: int) -> timedelta:
    return timedelta(seconds=n)


async def _uploading(hub: AppState, shot_id: uuid.UUID) -> Screenshot:
    async with hub.sessions() as session:
        shot = await session.get(Screenshot, shot_id)
    if shot is None:
        raise NotFound("screenshot")
    if shot.status != UPLOADING:
        raise Conflict("this screenshot is already confirmed; its upload URL is spent")
    return shot


async def receive_signed_put(
    hub: AppState, shot_id: uuid.UUID, chunks: AsyncIterator[bytes],
) -> None:
    """Local-storage mode: the body of a server-signed PUT URL (signature checked by the
    route) streams into the object; confirm later verifies it."""
    shot = await _uploading(hub, shot_id)
    storage = storage_of(hub)
    sink = _FileSink(storage, shot.size_bytes, lambda _ct: shot.storage_key)
    committed = False
    try:
        sink.started = True
        async for chunk in chunks:
            if chunk:
                await sink.feed(chunk)
        sink.ended = True
        writer = await sink.finish()
        await writer.commit()
        committed = True
    finally:
        if not committed:
            await sink.abort()


async def confirm(hub: AppState, principal: Principal, req: ConfirmRequest) -> Screenshot:
    """Verifies the uploaded object (exists, size, magic bytes), then queues processing."""
    shot_id = parse_uuid(req.screenshot_id, "screenshotId")
    captured_at = req.captured_at
    if captured_at.tzinfo is None:
        raise BadRequest("capturedAt must carry a UTC offset")
    blur = _blur(req.blur_level)
    metadata = _metadata(req.metadata)
    async with hub.sessions() as session:
        shot = await session.get(Screenshot, shot_id)
    if shot is None or (shot.user_id, shot.organization_id) != (principal.user_id,
                                                                 principal.org_id):
        raise NotFound("screenshot")
    if shot.status != UPLOADING:
        return shot  # a retried confirm
    storage = storage_of(hub)
    size = await storage.size(shot.storage_key)
    if size is None:
        raise Conflict("the object has not been uploaded yet; PUT it to the upload URL first")
    if size != shot.size_bytes:
        await storage.delete(shot.storage_key)
        raise BadRequest(f"the uploaded object has {size} bytes, {shot.size_bytes} were announced;"
                         " upload it again")
    sniffed = imaging.sniff(await storage.read_head(shot.storage_key, imaging.SNIFF_BYTES))
    if sniffed != shot.content_type:
        head = await storage.read_head(shot.storage_key, imaging.SNIFF_BYTES)
        await storage.delete(shot.storage_key)
        raise UnsupportedMediaType(
            f"the uploaded object is not {shot.content_type}: {imaging.describe_magic(head)}"
            if sniffed is None else
            f"the uploaded object is {sniffed}, {shot.content_type} was announced"
        )
    async with hub.sessions() as session:
        result = await session.execute(
            update(Screenshot)
            .where(Screenshot.id == shot.id, Screenshot.status == UPLOADING)
            .values(status=ScreenshotStatus.PENDING.value, captured_at=captured_at,
                    blur_level=max(blur, principal.organization.blur_level), meta=metadata,
                    next_attempt_at=first_attempt_at())
        )
        await session.commit()
        fresh = await session.get(Screenshot, shot.id, populate_existing=True)
    assert fresh is not None
    if result.rowcount:  # type: ignore[attr-defined]
        await enqueue_processing(hub, shot.id)
    return fresh
