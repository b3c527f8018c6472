""" "My time": the signed-in person's week, where a member lands."""

from __future__ import annotations

from litestar import Controller, get
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from server.db.base import utcnow
from server.web import catalog_views as views
from server.web.auth_routes import WebUser
from server.web.charts import PALETTE, bar_chart
from server.web.forms import message_of
from server.web.routes import page
from server.web.week import week_of


async def my_time_page(
    web: WebUser,
    session: AsyncSession,
    week: str | None,
    *,
    ok: str | None = None,
    error: str | None = None,
    form: dict[str, str] | None = None,
    status: int = 200,
) -> Template:
    p = web.principal
    data = await week_of(session, p.user, week, utcnow())
    projects = [o for o in await views.project_options(session, p) if not o.archived]
    chart = bar_chart(
        [day.day.strftime("%a") for day in data.days],
        [("Tracked", PALETTE[0], [day.seconds / 3600 for day in data.days])],
        height=160,
    )
    tpl = page(
        "my_time.html",
        web,
        nav="time",
        week=data,
        chart=chart,
        projects=projects,
        message=message_of(ok),
        error=error,
        form=form or {},
    )
    tpl.status_code = status
    return tpl


class TimePages(Controller):
    path = "/app/time"

    @get("/")
    async def my_time(
        self, web: WebUser, db_session: AsyncSession, week: str | None = None, ok: str | None = None
    ) -> Template:
        return await my_time_page(web, db_session, week, ok=ok)
