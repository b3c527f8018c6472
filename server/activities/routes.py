"""HTTP routes for /api/v1/activities."""

from __future__ import annotations

from litestar import Controller, delete, get, patch, post
from litestar.di import Provide
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT
from sqlalchemy.ext.asyncio import AsyncSession

from server.activities import service
from server.activities.schemas import ActivityIn, ActivityOut, ActivityPage, ActivityPatch
from server.auth.principal import Principal
from server.core.ids import path_uuid
from server.db.catalog import ListQuery
from server.http.params import provide_list_query


class ActivitiesController(Controller):
    path = "/api/v1/activities"
    tags = ["activities"]

    @get("/", dependencies={"listing": Provide(provide_list_query, sync_to_thread=False)})
    async def list_activities(
        self, db_session: AsyncSession, principal: Principal, listing: ListQuery
    ) -> ActivityPage:
        return await service.list_activities(db_session, principal, listing)

    @post("/", status_code=HTTP_201_CREATED)
    async def create_activity(
        self, data: ActivityIn, db_session: AsyncSession, principal: Principal
    ) -> ActivityOut:
        return await service.create_activity(db_session, principal, data)

    @patch("/{activity_id:str}")
    async def update_activity(
        self, activity_id: str, data: ActivityPatch, db_session: AsyncSession, principal: Principal
    ) -> ActivityOut:
        activity_uuid = path_uuid(activity_id, "activity")
        return await service.update_activity(db_session, principal, activity_uuid, data)

    @delete("/{activity_id:str}", status_code=HTTP_204_NO_CONTENT)
    async def archive_activity(
        self, activity_id: str, db_session: AsyncSession, principal: Principal
    ) -> None:
        """Archives: time already recorded keeps its activity in reports."""
        activity_uuid = path_uuid(activity_id, "activity")
        await service.update_activity(
            db_session, principal, activity_uuid, ActivityPatch(archived=True)
        )
