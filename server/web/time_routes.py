""" "My time": the signed-in person's week, where a member lands; submitting
the week for approval. A team manager (their teams' members) and an
ADMIN/OWNER (anyone in the organization) open a person's week (`?user=`,
picked on the page or linked from Approvals and a person's day) and add,
edit and delete its time there; anyone else's week is a 404."""

from __future__ import annotations

from typing import Any

from litestar import Controller, MediaType, get, post
from litestar.response import Template
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.db.base import utcnow
from server.db.models import User
from server.reports.scope import users_query, visible_user
from server.timesheets import service as timesheets
from server.timesheets.weeks import parse_week_start
from server.web import timer_bar
from server.web.auth_routes import WebUser
from server.web.catalog_routes import FORM
from server.web.charts import PALETTE, bar_chart
from server.web.forms import PageForm, back_to, message_of
from server.web.routes import page
from server.web.week import week_of


async def my_time_page(
    web: WebUser,
    session: AsyncSession,
    week: str | None,
    *,
    user: str | None = None,
    ok: str | None = None,
    error: str | None = None,
    form: dict[str, str] | None = None,
    status: int = 200,
) -> Template:
    p = web.principal
    person = await visible_user(session, p, user or None)  # 404 outside one's scope
    data = await week_of(session, person, week, utcnow())
    sheets = await timesheets.list_timesheets(
        session, p, user_id=str(person.id), week_start=data.start, limit=1
    )
    sheet = sheets.items[0] if sheets.items else None
    bar = web.timer or await timer_bar.load(session, p)
    chart = bar_chart(
        [day.day.strftime("%a") for day in data.days],
        [("Tracked", PALETTE[0], [day.seconds / 3600 for day in data.days])],
        height=160,
    )
    own = person.id == p.user_id
    people: list[tuple[Any, str]] = []
    if web.is_manager:  # the people whose week this person may open
        scope = (await users_query(session, p, None)).where(User.active).subquery()
        people = [
            (row.id, row.name)
            for row in await session.execute(
                select(scope.c.id, scope.c.name).order_by(scope.c.name)
            )
        ]
    tpl = page(
        "my_time.html",
        web,
        nav="time" if own else "approvals",
        person=person,
        own=own,
        people=people,
        week=data,
        sheet=sheet,
        locked=sheet is not None and sheet.status.value == "approved",
        chart=chart,
        choices=bar.choices,
        activities=bar.activities,
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
        self,
        web: WebUser,
        db_session: AsyncSession,
        week: str | None = None,
        user: str | None = None,
        ok: str | None = None,
    ) -> Template:
        return await my_time_page(web, db_session, week, user=user, ok=ok)

    @post("/submit", dependencies=FORM, media_type=MediaType.HTML)
    async def submit_week(self, form: PageForm) -> Any:
        async def action() -> Any:
            week = parse_week_start(form.get("week"))
            await timesheets.submit_week(form.session, form.web.principal, week, form.ip)
            return back_to("/app/time", "week-submitted", week=week.isoformat())

        async def render(error: str, data: dict[str, str], status: int) -> Template:
            return await my_time_page(
                form.web, form.session, form.get("week") or None, error=error, status=status
            )

        return await form.run(action, render)
