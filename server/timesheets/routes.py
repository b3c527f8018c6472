"""HTTP routes for /api/v1/timesheets (thin: the rules live in `service`)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED
from sqlalchemy.ext.asyncio import AsyncSession

from server.auth.principal import Principal
from server.core.ids import path_uuid
from server.core.times import parse_date
from server.http.deps import client_ip
from server.http.params import Cursor, Limit, TeamId, UserId, WeekStart
from server.timesheets import service
from server.timesheets.schemas import ReasonIn, TimesheetIn, TimesheetOut, TimesheetPage
from server.timesheets.weeks import parse_week_start
from shared.enums import TimesheetStatus


class TimesheetsController(Controller):
    path = "/api/v1/timesheets"
    tags = ["timesheets"]

    @post("/", status_code=HTTP_201_CREATED)
    async def submit(
        self,
        data: TimesheetIn,
        db_session: AsyncSession,
        principal: Principal,
        request: Request[Any, Any, Any],
    ) -> TimesheetOut:
        """Submit the caller's own week (`weekStart`: its Monday, in their time zone)."""
        week = parse_week_start(data.week_start)
        return await service.submit_week(db_session, principal, week, client_ip(request))

    @get("/")
    async def list_timesheets(
        self,
        db_session: AsyncSession,
        principal: Principal,
        status: TimesheetStatus | None = None,
        user_id: UserId = None,
        team_id: TeamId = None,
        week_start: WeekStart = None,
        cursor: Cursor = None,
        limit: Limit = None,
    ) -> TimesheetPage:
        return await service.list_timesheets(
            db_session,
            principal,
            status=status,
            user_id=user_id,
            team_id=team_id,
            week_start=parse_date(week_start, "weekStart"),
            cursor=cursor,
            limit=limit,
        )

    @get("/{timesheet_id:str}")
    async def get_timesheet(
        self, timesheet_id: str, db_session: AsyncSession, principal: Principal
    ) -> TimesheetOut:
        return await service.get_timesheet(
            db_session, principal, path_uuid(timesheet_id, "timesheet")
        )

    @post("/{timesheet_id:str}/approve", status_code=HTTP_200_OK)
    async def approve(
        self,
        timesheet_id: str,
        db_session: AsyncSession,
        principal: Principal,
        request: Request[Any, Any, Any],
    ) -> TimesheetOut:
        return await service.approve(
            db_session, principal, path_uuid(timesheet_id, "timesheet"), client_ip(request)
        )

    @post("/{timesheet_id:str}/reject", status_code=HTTP_200_OK)
    async def reject(
        self,
        timesheet_id: str,
        data: ReasonIn,
        db_session: AsyncSession,
        principal: Principal,
        request: Request[Any, Any, Any],
    ) -> TimesheetOut:
        return await service.reject(
            db_session,
            principal,
            path_uuid(timesheet_id, "timesheet"),
            data.reason,
            client_ip(request),
        )

    @post("/{timesheet_id:str}/reopen", status_code=HTTP_200_OK)
    async def reopen(
        self,
        timesheet_id: str,
        data: ReasonIn,
        db_session: AsyncSession,
        principal: Principal,
        request: Request[Any, Any, Any],
    ) -> TimesheetOut:
        """ADMIN/OWNER: unlock an approved week (audited); it is submitted again."""
        return await service.reopen(
            db_session,
            principal,
            path_uuid(timesheet_id, "timesheet"),
            data.reason,
            client_ip(request),
        )
