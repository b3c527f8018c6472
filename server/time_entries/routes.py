"""HTTP routes for /api/v1/time-entries."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, delete, get, patch, post
from litestar.params import QueryParameter
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT
from sqlalchemy.ext.asyncio import AsyncSession

from server.auth.principal import Principal
from server.core.ids import path_uuid
from server.http.deps import client_ip
from server.http.params import Cursor, FromInstant, Limit, ProjectId, ToInstant, UserId
from server.time_entries import service
from server.time_entries.schemas import TimeEntryIn, TimeEntryOut, TimeEntryPage, TimeEntryPatch
from server.time_entries.wire import entry_out

# `import` is every import; `import:<provider>` one provider's (service._source_filter).
Source = Annotated[
    str | None,
    QueryParameter(
        required=False,
        description="agent, web, manual, import or import:<provider>",
        schema_extra={"pattern": r"^(?:|agent|web|manual|import|import:[\s\S]*)$"},
    ),
]


class TimeEntriesController(Controller):
    path = "/api/v1/time-entries"
    tags = ["time entries"]

    @get("/")
    async def list_entries(
        self,
        db_session: AsyncSession,
        principal: Principal,
        user_id: UserId = None,
        start: FromInstant = None,
        end: ToInstant = None,
        project_id: ProjectId = None,
        source: Source = None,
        cursor: Cursor = None,
        limit: Limit = None,
    ) -> TimeEntryPage:
        """Entries starting in [from, to) (RFC 3339), oldest first."""
        return await service.list_entries(
            db_session,
            principal,
            user_id=user_id,
            start=start,
            end=end,
            project_id=project_id,
            source=source,
            cursor=cursor,
            limit=limit,
        )

    @post("/", status_code=HTTP_201_CREATED)
    async def create_entry(
        self,
        data: TimeEntryIn,
        db_session: AsyncSession,
        principal: Principal,
        request: Request[Any, Any, Any],
    ) -> TimeEntryOut:
        return await service.create_entry(db_session, principal, data, client_ip(request))

    @get("/{entry_id:str}")
    async def get_entry(
        self, entry_id: str, db_session: AsyncSession, principal: Principal
    ) -> TimeEntryOut:
        entry = await service.get_entry(db_session, principal, path_uuid(entry_id, "time entry"))
        return await entry_out(db_session, entry)

    @patch("/{entry_id:str}")
    async def update_entry(
        self,
        entry_id: str,
        data: TimeEntryPatch,
        db_session: AsyncSession,
        principal: Principal,
        request: Request[Any, Any, Any],
    ) -> TimeEntryOut:
        return await service.update_entry(
            db_session, principal, path_uuid(entry_id, "time entry"), data, client_ip(request)
        )

    @delete("/{entry_id:str}", status_code=HTTP_204_NO_CONTENT)
    async def delete_entry(
        self,
        entry_id: str,
        db_session: AsyncSession,
        principal: Principal,
        request: Request[Any, Any, Any],
    ) -> None:
        """Removes the entry; its key stays as a tombstone (the sync answers `deleted`)."""
        await service.delete_entry(
            db_session, principal, path_uuid(entry_id, "time entry"), client_ip(request)
        )
