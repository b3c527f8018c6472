"""HTTP routes for /api/v1/analytics (docs/api.md, "Analytics")."""

from __future__ import annotations

from litestar import Controller, get
from sqlalchemy.ext.asyncio import AsyncSession

from server.analytics import projects, service
from server.analytics.schemas import Dashboard, ProjectAnalytics
from server.auth.principal import Principal
from server.core.ids import path_uuid
from server.http.params import FromDate, TeamId, ToDate, UserId

FromQ = FromDate
ToQ = ToDate


class AnalyticsController(Controller):
    path = "/api/v1/analytics"
    tags = ["analytics"]

    @get("/dashboard")
    async def dashboard(
        self,
        db_session: AsyncSession,
        principal: Principal,
        from_date: FromQ = None,
        to_date: ToQ = None,
        team_id: TeamId = None,
        user_id: UserId = None,
    ) -> Dashboard:
        return await service.dashboard(
            db_session,
            principal,
            from_date=from_date,
            to_date=to_date,
            team_id=team_id,
            user_id=user_id,
        )

    @get("/projects/{project_id:str}")
    async def project(
        self,
        project_id: str,
        db_session: AsyncSession,
        principal: Principal,
        team_id: TeamId = None,
        user_id: UserId = None,
    ) -> ProjectAnalytics:
        return await projects.project_analytics(
            db_session,
            principal,
            path_uuid(project_id, "project"),
            team_id=team_id,
            user_id=user_id,
        )
