"""HTTP routes for /api/v1/reports (docs/reports.md)."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Response, get
from litestar.params import QueryParameter
from litestar.response import Stream
from litestar.status_codes import HTTP_202_ACCEPTED
from sqlalchemy.ext.asyncio import AsyncSession

from server.auth.principal import Principal
from server.core.errors import NotFound
from server.http.openapi import MEDIA_TYPES
from server.http.params import (
    Cursor,
    FromDate,
    FromInstant,
    Limit,
    OnDate,
    TeamId,
    ToDate,
    ToInstant,
    UserId,
)
from server.reports import activity, entries, export, service
from server.reports.billing import GROUPS
from server.reports.export import FORMATS
from server.reports.schemas import (
    ActivityDay,
    DailyReport,
    EntryPage,
    ExportAccepted,
    ExportStatus,
    TeamReport,
)
from server.reports.writers import CONTENT_TYPES
from server.runtime.state import AppState

GroupQ = Annotated[
    str | None,
    QueryParameter(
        name="groupBy",
        required=False,
        description="user (also when empty), project, customer or activity",
        schema_extra={"enum": ["", *GROUPS]},
    ),
]
FormatQ = Annotated[
    str | None,
    QueryParameter(
        required=False,
        description="csv (also when empty), xlsx or pdf",
        schema_extra={"enum": ["", *FORMATS]},
    ),
]


def download_path(prefix: str, job_id: str) -> str:
    return f"{prefix}/exports/{job_id}/download"


async def stream_export(app_state: AppState, job: Any) -> Stream:
    if not job.storage_key or app_state.storage is None:
        raise NotFound("export file")
    name = export.file_name(job)
    return Stream(
        app_state.storage.iter_bytes(job.storage_key),
        # Litestar adds `; charset=utf-8` to text types itself: name the type bare.
        media_type=CONTENT_TYPES[job.format].split(";")[0],
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "private, no-store",
        },
    )


class ReportsController(Controller):
    path = "/api/v1/reports"
    tags = ["reports"]

    @get("/daily")
    async def daily(
        self,
        db_session: AsyncSession,
        principal: Principal,
        user_id: UserId = None,
        from_date: FromDate = None,
        to_date: ToDate = None,
    ) -> DailyReport:
        return await service.daily_report(db_session, principal, user_id, from_date, to_date)

    @get("/team")
    async def team(
        self,
        db_session: AsyncSession,
        principal: Principal,
        team_id: TeamId = None,
        from_date: FromDate = None,
        to_date: ToDate = None,
        cursor: Cursor = None,
        limit: Limit = None,
    ) -> TeamReport:
        return await service.team_report(
            db_session, principal, team_id, from_date, to_date, cursor, limit
        )

    @get("/entries")
    async def entries(
        self,
        db_session: AsyncSession,
        principal: Principal,
        user_id: UserId = None,
        team_id: TeamId = None,
        from_time: FromInstant = None,
        to_time: ToInstant = None,
        cursor: Cursor = None,
        limit: Limit = None,
    ) -> EntryPage:
        return await entries.list_entries(
            db_session,
            principal,
            user_id=user_id,
            team_id=team_id,
            start=from_time,
            end=to_time,
            cursor=cursor,
            limit=limit,
        )

    @get("/activity")
    async def activity(
        self,
        db_session: AsyncSession,
        principal: Principal,
        user_id: UserId = None,
        date: OnDate = None,
    ) -> ActivityDay:
        return await activity.activity_day(db_session, principal, user_id, date)

    @get("/export", status_code=HTTP_202_ACCEPTED)
    async def start_export(
        self,
        db_session: AsyncSession,
        principal: Principal,
        app_state: AppState,
        format: FormatQ = None,
        from_date: FromDate = None,
        to_date: ToDate = None,
        team_id: TeamId = None,
        group_by: GroupQ = None,
    ) -> Response[ExportAccepted]:
        job = await export.start_export(
            app_state,
            db_session,
            principal,
            fmt=format,
            start=from_date,
            end=to_date,
            team_id=team_id,
            group_by=group_by,
        )
        return Response(
            ExportAccepted(job_id=str(job.id)),
            status_code=HTTP_202_ACCEPTED,
            headers={"Location": f"{self.path}/exports/{job.id}"},
        )

    @get("/exports/{job_id:str}")
    async def export_status(
        self, job_id: str, db_session: AsyncSession, principal: Principal
    ) -> ExportStatus:
        job = await export.get_export(db_session, principal, job_id)
        return export.status_of(job, download_path(self.path, job_id))

    @get(
        "/exports/{job_id:str}/download",
        opt={MEDIA_TYPES: sorted({t.split(";")[0] for t in CONTENT_TYPES.values()})},
    )
    async def export_download(
        self, job_id: str, db_session: AsyncSession, principal: Principal, app_state: AppState
    ) -> Stream:
        job = await export.get_export(db_session, principal, job_id)
        return await stream_export(app_state, job)
