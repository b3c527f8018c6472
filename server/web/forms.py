"""Posted forms of the work pages (customers, projects, tasks, time): CSRF
check, then the same service call as the JSON API; success redirects back
(post/redirect/get, a fixed message chosen by key), a refused change
re-renders the page with the reason and the values typed, rolled back so
nothing is half-written."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlencode

from litestar import Request, Response
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from server.core.errors import BadRequest, DomainError
from server.http.deps import client_ip
from server.web.auth_routes import WebUser, check_form

# What a page says after a change went through (?ok=<key>): never text from the URL.
MESSAGES = {
    "customer-created": "Customer added.",
    "customer-saved": "Customer saved.",
    "customer-archived": "Customer archived.",
    "customer-restored": "Customer restored.",
    "project-created": "Project added.",
    "project-saved": "Project saved.",
    "project-archived": "Project archived.",
    "project-restored": "Project restored.",
    "task-created": "Task added.",
    "task-saved": "Task saved.",
    "task-moved": "Task moved.",
    "entry-added": "Time added.",
    "entry-saved": "Entry saved.",
    "entry-deleted": "Entry deleted.",
    "timer-started": "Timer started.",
    "timer-paused": "Timer paused.",
    "timer-resumed": "Timer resumed.",
    "timer-stopped": "Timer stopped.",
    "week-submitted": "Week submitted for approval.",
    "week-approved": "Week approved: it is locked now.",
    "week-rejected": "Week sent back with your reason.",
    "week-reopened": "Week reopened: its time can be changed and submitted again.",
}

Render = Callable[[str, dict[str, str], int], Awaitable[Template]]


def message_of(key: str | None) -> str | None:
    return MESSAGES.get(key or "")


def back_to(path: str, ok: str, **query: str) -> Redirect:
    params = urlencode({**{k: v for k, v in query.items() if v}, "ok": ok})
    return Redirect(path=f"{path}?{params}", status_code=303)


def hours(value: str, label: str) -> int | None:
    """'1.5' hours (or '1:30') → 5400 seconds; empty → None."""
    text = value.strip().replace(",", ".")
    if not text:
        return None
    try:
        if ":" in text:
            h, m = text.split(":", 1)
            number = Decimal(int(h)) + Decimal(int(m)) / 60
        else:
            number = Decimal(text)
    except (ValueError, InvalidOperation):
        raise BadRequest(f"{label} must be a number of hours, like 1.5 or 1:30") from None
    if not number.is_finite() or number < 0 or number > 100_000:
        raise BadRequest(f"{label} must be between 0 and 100000 hours")
    return int(number * 3600)


@dataclass(frozen=True)
class PageForm:
    request: Request[Any, Any, Any]
    data: dict[str, str]
    web: WebUser
    session: AsyncSession

    def get(self, name: str) -> str:
        return self.data.get(name, "").strip()

    def opt(self, name: str) -> str | None:
        return self.get(name) or None

    def has(self, name: str) -> bool:
        return name in self.data

    @property
    def ip(self) -> str:
        return client_ip(self.request)

    async def run(self, action: Callable[[], Awaitable[Response[Any]]], render: Render) -> Any:
        check_form(self.web, self.data, self.request)
        try:
            return await action()
        except DomainError as exc:
            if exc.status_code == 404:
                raise
            await self.session.rollback()
            # A rollback expires every loaded row; the page header reads these two.
            await self.session.refresh(self.web.principal.organization)
            await self.session.refresh(self.web.principal.user)
            return await render(exc.detail, self.data, exc.status_code)


async def provide_page_form(
    request: Request[Any, Any, Any], web: WebUser, db_session: AsyncSession
) -> PageForm:
    form = await request.form()
    data = {k: v for k, v in form.items() if isinstance(v, str)}
    return PageForm(request, data, web, db_session)
