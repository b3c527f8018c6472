"""The timer bar's forms: start (project, task, what you are doing), pause,
resume, stop. They call `server.timer` like the JSON API and send the browser
back to the page it was on; a refusal (the desktop agent is tracking, the
timer already stopped, a week locked) shows its reason on My time."""

from __future__ import annotations

from typing import Any

from litestar import Controller, MediaType, post
from litestar.response import Template

from server.core.errors import BadRequest
from server.timer import service as timer
from server.timer.schemas import TimerStart
from server.web.catalog_routes import FORM
from server.web.forms import PageForm, back_to
from server.web.time_routes import my_time_page
from server.web.timer_bar import split_choice

DONE = {
    "start": "timer-started",
    "pause": "timer-paused",
    "resume": "timer-resumed",
    "stop": "timer-stopped",
}


def _back(form: PageForm) -> str:
    """The page the form was on: a path under /app only (never off-site)."""
    target = form.get("back").split("?", 1)[0]
    if target.startswith("/app") and "//" not in target and "\\" not in target:
        return target
    return "/app/time"


async def _run(form: PageForm, action: str) -> Any:
    async def run() -> Any:
        p, s = form.web.principal, form.session
        if action == "start":
            project, task = split_choice(form.get("project"))
            if not project:
                raise BadRequest("choose a project to start the timer on")
            data = TimerStart(
                project_id=project,
                task_id=task,
                activity_id=form.opt("activity"),
                description=form.opt("description"),
            )
            await timer.start(s, p, data)
        elif action == "pause":
            await timer.pause(s, p)
        elif action == "resume":
            await timer.resume(s, p)
        else:
            await timer.stop(s, p)
        return back_to(_back(form), DONE[action])

    async def render(error: str, data: dict[str, str], status: int) -> Template:
        return await my_time_page(form.web, form.session, None, error=error, status=status)

    return await form.run(run, render)


class TimerForms(Controller):
    path = "/app/timer"

    @post("/start", dependencies=FORM, media_type=MediaType.HTML)
    async def start(self, form: PageForm) -> Any:
        return await _run(form, "start")

    @post("/pause", dependencies=FORM, media_type=MediaType.HTML)
    async def pause(self, form: PageForm) -> Any:
        return await _run(form, "pause")

    @post("/resume", dependencies=FORM, media_type=MediaType.HTML)
    async def resume(self, form: PageForm) -> Any:
        return await _run(form, "resume")

    @post("/stop", dependencies=FORM, media_type=MediaType.HTML)
    async def stop(self, form: PageForm) -> Any:
        return await _run(form, "stop")
