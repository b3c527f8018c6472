"""My time's entry forms: add time by hand (a day, from, to, project/task,
what was done), edit and delete an entry. The times are read in the person's
own time zone; `server.time_entries` checks overlaps (409 naming the other
entry), end after start, locked weeks, and audits."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from litestar import Controller, MediaType, get, post
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from server.core.errors import BadRequest
from server.core.ids import path_uuid
from server.db.models import User
from server.reports import days as d
from server.reports.scope import visible_user
from server.time_entries import service as entries
from server.time_entries.schemas import TimeEntryIn, TimeEntryPatch
from server.web.auth_routes import WebUser
from server.web.catalog_routes import FORM
from server.web.forms import PageForm, back_to, message_of
from server.web.routes import page
from server.web.time_routes import my_time_page
from server.web.timer_bar import load, split_choice
from server.web.week import monday


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise BadRequest("choose the day, like 2026-11-30") from None


def _clock(value: str, label: str) -> time:
    try:
        return time.fromisoformat(value)
    except ValueError:
        raise BadRequest(f"{label} must be a time like 09:30") from None


def span(form: PageForm, zone: str | None) -> tuple[str, str, date]:
    """The form's day, from and to as RFC 3339 instants in the person's zone;
    a 'to' before 'from' is the next morning (a night shift)."""
    tz = d.zone(zone)
    day = _day(form.get("date"))
    start = datetime.combine(day, _clock(form.get("start"), "From"), tzinfo=tz)
    end = datetime.combine(day, _clock(form.get("end"), "To"), tzinfo=tz)
    if end < start:
        end += timedelta(days=1)
    return start.isoformat(), end.isoformat(), day


class EntryForms(Controller):
    path = "/app/time/entries"

    @post("/", dependencies=FORM, media_type=MediaType.HTML)
    async def add(self, form: PageForm) -> Any:
        async def action() -> Any:
            # For someone one manages (`user`, checked by the service too): their zone.
            person = await visible_user(form.session, form.web.principal, form.opt("user"))
            start, end, day = span(form, person.timezone)
            project, task = split_choice(form.get("project"))
            if not project:
                raise BadRequest("choose a project for this time")
            data = TimeEntryIn(
                user_id=form.opt("user"),
                start_time=start,
                end_time=end,
                project_id=project,
                task_id=task,
                activity_id=form.opt("activity"),
                description=form.opt("description"),
            )
            await entries.create_entry(form.session, form.web.principal, data, form.ip)
            week = monday(day).isoformat()
            return back_to("/app/time", "entry-added", week=week, user=form.get("user"))

        async def render(error: str, data: dict[str, str], status: int) -> Template:
            return await my_time_page(
                form.web,
                form.session,
                form.get("date") or None,
                user=form.opt("user"),
                error=error,
                form=data,
                status=status,
            )

        return await form.run(action, render)

    @get("/{entry_id:str}")
    async def edit_page(
        self, entry_id: str, web: WebUser, db_session: AsyncSession, ok: str | None = None
    ) -> Template:
        return await entry_page(web, db_session, entry_id, ok=ok)

    @post("/{entry_id:str}", dependencies=FORM, media_type=MediaType.HTML)
    async def save(self, entry_id: str, form: PageForm) -> Any:
        eid = path_uuid(entry_id, "time entry")

        async def action() -> Any:
            entry = await entries.get_entry(form.session, form.web.principal, eid)
            owner_zone = entry.timezone if entry.user_id != form.web.principal.user_id else None
            start, end, day = span(form, owner_zone or form.web.principal.user.timezone)
            project, task = split_choice(form.get("project"))
            patch = TimeEntryPatch(
                start_time=start,
                end_time=end,
                project_id=project or entry_project(entry),
                task_id=task,
                activity_id=form.opt("activity"),
                description=form.opt("description"),
            )
            await entries.update_entry(form.session, form.web.principal, eid, patch, form.ip)
            week = monday(day).isoformat()
            return back_to("/app/time", "entry-saved", week=week, user=_other(form, entry))

        async def render(error: str, data: dict[str, str], status: int) -> Template:
            return await entry_page(
                form.web, form.session, entry_id, error=error, form=data, status=status
            )

        return await form.run(action, render)

    @post("/{entry_id:str}/delete", dependencies=FORM, media_type=MediaType.HTML)
    async def delete(self, entry_id: str, form: PageForm) -> Any:
        eid = path_uuid(entry_id, "time entry")

        async def action() -> Any:
            entry = await entries.get_entry(form.session, form.web.principal, eid)
            week = monday(entry.start_time.astimezone(d.zone(entry.timezone)).date())
            other = _other(form, entry)
            await entries.delete_entry(form.session, form.web.principal, eid, form.ip)
            return back_to("/app/time", "entry-deleted", week=week.isoformat(), user=other)

        async def render(error: str, data: dict[str, str], status: int) -> Template:
            return await entry_page(form.web, form.session, entry_id, error=error, status=status)

        return await form.run(action, render)


def _other(form: PageForm, entry: Any) -> str:
    """The entry's person when it is someone else's (their week is where to return)."""
    return "" if entry.user_id == form.web.principal.user_id else str(entry.user_id)


def entry_project(entry: Any) -> str:
    return str(entry.project_id) if entry.project_id else ""


async def entry_page(
    web: WebUser,
    session: AsyncSession,
    entry_id: str,
    *,
    ok: str | None = None,
    error: str | None = None,
    form: dict[str, str] | None = None,
    status: int = 200,
) -> Template:
    p = web.principal
    entry = await entries.get_entry(session, p, path_uuid(entry_id, "time entry"))
    tz = d.zone(p.user.timezone if entry.user_id == p.user_id else entry.timezone)
    start = entry.start_time.astimezone(tz)
    end = entry.end_time.astimezone(tz) if entry.end_time else None
    choice = entry_project(entry) + (f"/{entry.task_id}" if entry.task_id else "")
    values = form or {
        "date": start.date().isoformat(),
        "start": start.strftime("%H:%M"),
        "end": end.strftime("%H:%M") if end else "",
        "project": choice,
        "description": entry.description or "",
        "activity": str(entry.activity_id) if entry.activity_id else "",
    }
    bar = web.timer or await load(session, p)
    tpl = page(
        "entry.html",
        web,
        nav="time",
        entry=entry,
        person=None if entry.user_id == p.user_id else await session.get(User, entry.user_id),
        running=entry.end_time is None,
        choices=bar.choices,
        activities=bar.activities,
        values=values,
        message=message_of(ok),
        error=error,
    )
    tpl.status_code = status
    return tpl
