"""Manager pages: dashboard, a person's day, reports with exports."""

from __future__ import annotations

from datetime import date
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.response import Redirect, Stream, Template
from sqlalchemy.ext.asyncio import AsyncSession

from server.core.ids import path_uuid
from server.db.base import utcnow
from server.insight import service as insight
from server.reports import export, service
from server.reports.routes import stream_export
from server.reports.scope import visible_teams
from server.runtime.state import AppState
from server.screenshots import access
from server.screenshots.routes import stream_image
from server.web import service as views
from server.web.auth_routes import Form, WebUser, check_form
from shared.enums import JobStatus

# Where a member lands after sign-in (the manager's home is the dashboard).
MEMBER_HOME = "/app/time"


def _wants_json(request: Request[Any, Any, Any]) -> bool:
    return "application/json" in request.headers.get("accept", "")


def page(name: str, web: WebUser, **context: Any) -> Template:
    return Template(
        template_name=name,
        context={
            "web": web,
            "me": web.principal.user,
            "org": web.principal.organization,
            **context,
        },
    )


class Pages(Controller):
    path = "/app"

    @get("/")
    async def dashboard(
        self, web: WebUser, db_session: AsyncSession, team: str | None = None
    ) -> Response[Any]:
        if not web.is_manager:
            # A member has no team to watch: they land on their own time.
            return Redirect(path=MEMBER_HOME)
        p = web.principal
        teams = await visible_teams(db_session, p)
        data = await views.dashboard(db_session, p, team or None, utcnow())
        return page("dashboard.html", web, data=data, teams=teams, team=team or "", nav="dashboard")

    @get("/{rest:path}", name="web-not-found")
    async def not_found(self, rest: str, web: WebUser) -> Template:
        # Unknown pages under /app read like the rest of the site, not like the API.
        from server.web.errors import error_page

        return error_page(404, "This page does not exist, or it is not yours to see.", web)

    @get("/people/{user_id:str}")
    async def person(
        self, user_id: str, web: WebUser, db_session: AsyncSession, date: str | None = None
    ) -> Template:
        path_uuid(user_id, "person")  # a malformed id in a path names nothing: 404
        data = await views.person_day(db_session, web.principal, user_id, date, utcnow())
        day = data.day.isoformat()
        data.apps = (await insight.person_apps(db_session, web.principal, user_id, day, day)).days[
            0
        ]
        data.flags = (
            await insight.flags_report(
                db_session, web.principal, None, user_id, day, day, zone=data.user.timezone
            )
        ).items
        return page("person.html", web, data=data, nav="dashboard")

    @get("/reports")
    async def reports(
        self,
        request: Request[Any, Any, Any],
        web: WebUser,
        db_session: AsyncSession,
        team: str | None = None,
        cursor: str | None = None,
    ) -> Template:
        p = web.principal
        q = request.query_params
        report = await service.team_report(
            db_session,
            p,
            team or None,
            q.get("from") or None,
            q.get("to") or None,
            cursor or None,
            200,
        )
        teams = await visible_teams(db_session, p)
        days: list[Any] = []
        if (date.fromisoformat(report.to_date) - date.fromisoformat(report.from_date)).days < 62:
            days = views.day_bars(
                await service.team_days(
                    db_session, p, team or None, report.from_date, report.to_date
                )
            )
        return page(
            "reports.html",
            web,
            days=days,
            report=report,
            chart=views.chart_rows(report.items),
            teams=teams,
            team=team or "",
            nav="reports",
            total_tracked=sum(i.tracked_seconds for i in report.items),
            total_active=sum(i.active_seconds for i in report.items),
        )

    @post("/exports")
    async def start_export(
        self,
        request: Request[Any, Any, Any],
        data: Form,
        web: WebUser,
        db_session: AsyncSession,
        app_state: AppState,
    ) -> Response[Any]:
        check_form(web, data, request)
        job = await export.start_export(
            app_state,
            db_session,
            web.principal,
            fmt=data.get("format"),
            start=data.get("from") or None,
            end=data.get("to") or None,
            team_id=data.get("team") or None,
            group_by=data.get("groupBy") or None,
        )
        if _wants_json(request):
            return Response(
                {"jobId": str(job.id), "statusUrl": f"/app/exports/{job.id}"}, status_code=202
            )
        return Redirect(path=f"/app/exports/{job.id}", status_code=303)

    @get("/exports/{job_id:str}")
    async def export_status(
        self,
        request: Request[Any, Any, Any],
        job_id: str,
        web: WebUser,
        db_session: AsyncSession,
    ) -> Response[Any]:
        job = await export.get_export(db_session, web.principal, job_id)
        status = export.status_of(job, f"/app/exports/{job.id}/download")
        if _wants_json(request):
            return Response(status)
        pending = status.status in (JobStatus.PENDING, JobStatus.RUNNING)
        return page(
            "export.html", web, job=status, params=job.params, pending=pending, nav="reports"
        )

    @get("/screenshots/{shot_id:str}/{variant:str}")
    async def screenshot_image(
        self,
        shot_id: str,
        variant: str,
        web: WebUser,
        db_session: AsyncSession,
        app_state: AppState,
    ) -> Stream:
        shot = await access.visible(db_session, web.principal, path_uuid(shot_id, "screenshot"))
        await db_session.commit()  # no connection held while streaming
        return await stream_image(app_state, shot, variant, max_age=3600)

    @get("/exports/{job_id:str}/download")
    async def export_download(
        self, job_id: str, web: WebUser, db_session: AsyncSession, app_state: AppState
    ) -> Stream:
        job = await export.get_export(db_session, web.principal, job_id)
        return await stream_export(app_state, job)
