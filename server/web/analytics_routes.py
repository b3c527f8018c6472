"""Analytics pages: the dashboard of `server.analytics` (tracked and billable
time, amounts, tasks on time, busiest hours, shares by project / customer /
activity / person) and one project's budget and tasks, drawn as inline SVG
charts (`charts.py`). The numbers are the JSON API's; the scope rules too (a
member sees their own time, a team manager their teams', admins everyone)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from server.analytics import service as analytics
from server.analytics.projects import project_analytics
from server.analytics.schemas import Dashboard, Group
from server.core.ids import path_uuid
from server.db.base import utcnow
from server.reports.scope import visible_teams
from server.web import catalog_views as views
from server.web import charts
from server.web.auth_routes import WebUser
from server.web.routes import page

BILLABLE, NOT_BILLABLE = charts.PALETTE[0], "#c7d2fe"


def _hours(seconds: int) -> float:
    return seconds / 3600


def _share(groups: list[Group]) -> charts.Donut:
    return charts.donut([(g.name, g.color, float(g.seconds)) for g in groups])


def dashboard_charts(data: Dashboard) -> dict[str, Any]:
    many = len(data.by_day) > 14
    days = charts.bar_chart(
        [d.date[5:] if many else d.date[5:].replace("-", "/") for d in data.by_day],
        [
            ("Billable", BILLABLE, [_hours(d.billable_seconds) for d in data.by_day]),
            (
                "Not billable",
                NOT_BILLABLE,
                [_hours(d.seconds - d.billable_seconds) for d in data.by_day],
            ),
        ],
    )
    hours = charts.line_chart(
        [f"{h:02d}:00" for h in range(24)], [_hours(s) for s in data.hour_histogram], every=3
    )
    return {
        "days": days,
        "hours": hours,
        "projects": _share(data.by_project),
        "customers": _share(data.by_customer),
        "activities": _share(data.by_activity),
    }


def _change(this: int, last: int) -> float | None:
    return None if last <= 0 else round(100 * (this - last) / last)


class AnalyticsPages(Controller):
    path = "/app/analytics"

    @get("/")
    async def dashboard(
        self, request: Request[Any, Any, Any], web: WebUser, db_session: AsyncSession
    ) -> Template:
        p = web.principal
        q = request.query_params
        team, person = q.get("team") or "", q.get("user") or ""
        data = await analytics.dashboard(
            db_session,
            p,
            from_date=q.get("from") or None,
            to_date=q.get("to") or None,
            team_id=team or None,
            user_id=person or None,
            now=utcnow(),
        )
        wow = data.week_over_week
        return page(
            "analytics.html",
            web,
            nav="analytics",
            data=data,
            charts=dashboard_charts(data),
            change=_change(wow.this_week_seconds, wow.last_week_seconds),
            teams=await visible_teams(db_session, p) if web.is_manager else [],
            people=await views.people_options(db_session, p) if web.is_admin else [],
            team=team,
            user=person,
            top_people=sorted(data.by_user, key=lambda g: -g.seconds)[:20],
        )

    @get("/projects/{project_id:str}")
    async def project(self, project_id: str, web: WebUser, db_session: AsyncSession) -> Template:
        data = await project_analytics(
            db_session, web.principal, path_uuid(project_id, "project"), now=utcnow()
        )
        tasks = sorted(data.tasks, key=lambda t: -t.tracked_seconds)[:30]
        chart = charts.bar_chart(
            [t.name[:14] for t in tasks],
            [
                ("Tracked", BILLABLE, [_hours(t.tracked_seconds) for t in tasks]),
            ],
            titles=[
                f"{t.name}: {_hours(t.tracked_seconds):.1f}h tracked"
                + (f" of {_hours(t.estimate_seconds):.1f}h estimated" if t.estimate_seconds else "")
                for t in tasks
            ],
        )
        return page(
            "analytics_project.html",
            web,
            nav="analytics",
            project=data,
            tasks=tasks,
            chart=chart,
        )
