"""HTTP routes for /api/v1/reports/apps and /api/v1/reports/flags (docs/api.md)."""

from __future__ import annotations

from litestar import Controller, get
from sqlalchemy.ext.asyncio import AsyncSession

from server.auth.principal import Principal
from server.http.params import FromDate, TeamId, ToDate, UserId
from server.insight import service
from server.insight.schemas import FlagList, PersonApps, TeamApps

FromQ = FromDate
ToQ = ToDate


class InsightController(Controller):
    path = "/api/v1/reports"
    tags = ["reports"]

    @get("/apps")
    async def person_apps(
        self,
        db_session: AsyncSession,
        principal: Principal,
        user_id: UserId = None,
        from_date: FromQ = None,
        to_date: ToQ = None,
    ) -> PersonApps:
        return await service.person_apps(db_session, principal, user_id, from_date, to_date)

    @get("/apps/team")
    async def team_apps(
        self,
        db_session: AsyncSession,
        principal: Principal,
        team_id: TeamId = None,
        from_date: FromQ = None,
        to_date: ToQ = None,
    ) -> TeamApps:
        return await service.team_apps(db_session, principal, team_id, from_date, to_date)

    @get("/flags")
    async def flags(
        self,
        db_session: AsyncSession,
        principal: Principal,
        team_id: TeamId = None,
        user_id: UserId = None,
        from_date: FromQ = None,
        to_date: ToQ = None,
    ) -> FlagList:
        return await service.flags_report(
            db_session, principal, team_id, user_id, from_date, to_date
        )
