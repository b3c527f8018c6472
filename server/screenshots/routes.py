"""HTTP routes: upload (streamed multipart, presign/PUT/confirm) and read/delete."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Annotated, Any

from litestar import Controller, Request, Response, delete, get, post, put
from litestar.params import QueryParameter
from litestar.response import Stream
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_204_NO_CONTENT
from sqlalchemy.ext.asyncio import AsyncSession

from server.auth.principal import Principal
from server.core.errors import NotFound
from server.core.ids import parse_uuid, path_uuid
from server.core.times import parse_instant
from server.db.models import Screenshot
from server.http.body_limits import body
from server.http.deps import client_ip
from server.http.openapi import DOCUMENT, MEDIA_TYPES, MULTIPART
from server.http.params import Cursor, FromInstant, Limit, ToInstant, UserId
from server.runtime.body_limits import BodyKind
from server.runtime.state import AppState
from server.screenshots import access, ingest, signing
from server.screenshots import presign as presigned
from server.screenshots.common import READ_URL_TTL, storage_of
from server.screenshots.imaging import EXTENSION
from server.screenshots.metrics import UPLOADS
from server.screenshots.schemas import (
    UPLOAD_FORM,
    ConfirmRequest,
    ImageUrlOut,
    PresignOut,
    PresignRequest,
    ScreenshotOut,
    ScreenshotPage,
)
from server.security.limits import enforce
from server.storage.base import StorageError
from shared.enums import ScreenshotStatus
from shared.limits import ALLOWED_SCREENSHOT_TYPES
from shared.schemas import ScreenshotUploaded

Status = Annotated[str | None, QueryParameter(
    required=False, schema_extra={"enum": [s.value for s in ScreenshotStatus]})]
Variant = Annotated[str, QueryParameter(
    required=False, schema_extra={"enum": sorted(access.VARIANTS)})]
UPLOAD_PATH = "/api/v1/sync/screenshots"
READ_PATH = "/api/v1/screenshots"


def _base_url(app_state: AppState, request: Request[Any, Any, Any]) -> str:
    return (app_state.settings.server.public_url or str(request.base_url)).rstrip("/")


def _secret(app_state: AppState) -> str:
    return app_state.settings.security.jwt_secret


def state_upload_limit(app: Any, components: dict[str, Any]) -> None:
    limit = app.state.app_state.settings.storage.screenshot_max_bytes
    components["PresignRequest"]["properties"]["size"]["maximum"] = limit


async def _rate(app_state: AppState, principal: Principal) -> None:
    await enforce(app_state, f"screenshots:{principal.user_id}",
                  app_state.settings.security.sync_rate, "screenshot uploads")


class ScreenshotUploadController(Controller):
    path = UPLOAD_PATH
    tags = ["screenshots"]

    @post("/", status_code=HTTP_201_CREATED, opt={MULTIPART: UPLOAD_FORM, **body(BodyKind.UPLOAD)})
    async def upload(
        self, request: Request[Any, Any, Any], principal: Principal, db_session: AsyncSession,
        app_state: AppState,
    ) -> Response[ScreenshotUploaded]:
        """multipart/form-data: file, idempotencyKey, timeEntryKey|timeEntryId, capturedAt,
        blurLevel, metadata. Streamed to storage; 201 new, 200 for a known idempotencyKey."""
        # Release the pooled connection the principal lookup used: none is held
        # while the bytes flow.
        await db_session.commit()
        await _rate(app_state, principal)
        outcome = await ingest.upload_stream(
            app_state, principal, request.stream(), request.headers.get("content-type"),
            request.content_length,
        )
        if not outcome.created:
            UPLOADS.labels("multipart", "duplicate").inc()
        return Response(
            ScreenshotUploaded(id=str(outcome.shot.id), status=outcome.shot.status),
            status_code=HTTP_201_CREATED if outcome.created else HTTP_200_OK,
        )

    @post("/presign", status_code=HTTP_200_OK, opt={DOCUMENT: state_upload_limit})
    async def presign(
        self, request: Request[Any, Any, Any], data: PresignRequest, principal: Principal,
        app_state: AppState,
    ) -> PresignOut:
        await _rate(app_state, principal)
        result = await presigned.presign(app_state, principal, data)
        url = result.url
        if url is None and result.expires_at is not None:
            query = signing.query_until(_secret(app_state), "PUT", str(result.shot.id), "upload",
                                        int(result.expires_at.timestamp()))
            url = f"{_base_url(app_state, request)}{UPLOAD_PATH}/upload/{result.shot.id}?{query}"
        return PresignOut(
            screenshot_id=str(result.shot.id), upload_url=url, upload_headers=result.headers,
            expires_at=result.expires_at, status=result.shot.status,
        )

    @put("/upload/{shot_id:str}", status_code=HTTP_204_NO_CONTENT, opt=body(BodyKind.UPLOAD))
    async def signed_put(
        self, request: Request[Any, Any, Any], shot_id: str, app_state: AppState,
        exp: str | None = None, sig: str | None = None,
    ) -> None:
        """Local-storage presigned PUT: the signature is the authorization."""
        signing.verify(_secret(app_state), "PUT", shot_id, "upload", exp, sig)
        await presigned.receive_signed_put(app_state, path_uuid(shot_id, "screenshot"),
                                        request.stream())

    @post("/confirm", status_code=HTTP_200_OK)
    async def confirm(
        self, data: ConfirmRequest, principal: Principal, app_state: AppState,
    ) -> ScreenshotUploaded:
        shot = await presigned.confirm(app_state, principal, data)
        UPLOADS.labels("presigned", "confirmed").inc()
        return ScreenshotUploaded(id=str(shot.id), status=shot.status)


async def stream_image(
    app_state: AppState, shot: Screenshot, variant: str, max_age: int = 300
) -> Stream:
    """One variant of a READY screenshot, as every route serves it: its own
    image type and a file name (the security headers are the app's, for every
    response: server/http/security_headers.py)."""
    key, content_type = access.variant_of(shot, variant)
    chunks = access.stream(app_state, key)
    try:
        first = await chunks.__anext__()
    except StopAsyncIteration:
        first = b""
    except StorageError:
        raise NotFound("image") from None

    async def whole() -> AsyncIterator[bytes]:
        yield first
        async for chunk in chunks:
            yield chunk

    suffix = "-thumb" if variant == "thumb" else ""
    name = f"screenshot-{shot.id}{suffix}.{EXTENSION[content_type]}"
    return Stream(whole(), media_type=content_type, headers={
        "Cache-Control": f"private, max-age={max_age}",
        "Content-Disposition": f'inline; filename="{name}"',
    })


class ScreenshotsController(Controller):
    path = READ_PATH
    tags = ["screenshots"]

    @get("/")
    async def list_screenshots(
        self, db_session: AsyncSession, principal: Principal,
        user_id: UserId = None, start: FromInstant = None, end: ToInstant = None,
        status: Status = None, cursor: Cursor = None, limit: Limit = None,
    ) -> ScreenshotPage:
        return await access.list_screenshots(
            db_session, principal,
            user_id=parse_uuid(user_id, "userId") if user_id else None,
            start=parse_instant(start, "from"), end=parse_instant(end, "to"), status=status,
            cursor=cursor, limit=limit,
        )

    @get("/{shot_id:str}")
    async def get_screenshot(
        self, shot_id: str, db_session: AsyncSession, principal: Principal,
    ) -> ScreenshotOut:
        return await access.get_one(db_session, principal, path_uuid(shot_id, "screenshot"))

    @get("/{shot_id:str}/image", opt={MEDIA_TYPES: list(ALLOWED_SCREENSHOT_TYPES)})
    async def image(
        self, shot_id: str, db_session: AsyncSession, principal: Principal,
        app_state: AppState, variant: Variant = "full",
    ) -> Stream:
        shot = await access.visible(db_session, principal, path_uuid(shot_id, "screenshot"))
        await db_session.commit()  # no connection held while streaming
        return await stream_image(app_state, shot, variant)

    @get("/{shot_id:str}/url")
    async def image_url(
        self, request: Request[Any, Any, Any], shot_id: str, db_session: AsyncSession,
        principal: Principal, app_state: AppState, variant: Variant = "full",
    ) -> ImageUrlOut:
        """A short-lived URL that needs no token (for <img src>)."""
        shot = await access.visible(db_session, principal, path_uuid(shot_id, "screenshot"))
        key, content_type = access.variant_of(shot, variant)
        url = await storage_of(app_state).presign_get(key, READ_URL_TTL, content_type)
        query, exp = signing.query(_secret(app_state), "GET", str(shot.id), variant,
                                   READ_URL_TTL)
        if url is None:
            url = (f"{_base_url(app_state, request)}{READ_PATH}/{shot.id}/blob"
                   f"?variant={variant}&{query}")
        return ImageUrlOut(url=url, expires_at=datetime.fromtimestamp(exp, UTC))

    @get("/{shot_id:str}/blob")
    async def signed_blob(
        self, shot_id: str, db_session: AsyncSession, app_state: AppState,
        variant: str = "full", exp: str | None = None, sig: str | None = None,
    ) -> Stream:
        """Target of the local-storage signed read URLs; the signature authorizes."""
        signing.verify(_secret(app_state), "GET", shot_id, variant, exp, sig)
        shot = await access.by_id(db_session, path_uuid(shot_id, "screenshot"))
        await db_session.commit()
        return await stream_image(app_state, shot, variant)

    @delete("/{shot_id:str}", status_code=HTTP_204_NO_CONTENT)
    async def delete_screenshot(
        self, request: Request[Any, Any, Any], shot_id: str, db_session: AsyncSession,
        principal: Principal, app_state: AppState,
    ) -> None:
        await access.delete_screenshot(app_state, db_session, principal,
                                       path_uuid(shot_id, "screenshot"), client_ip(request))
