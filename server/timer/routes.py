"""HTTP routes for /api/v1/timer (the web pages' and the command line's timer)."""

from __future__ import annotations

from litestar import Controller, get, post
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED
from sqlalchemy.ext.asyncio import AsyncSession

from server.auth.principal import Principal
from server.timer import service
from server.timer.schemas import TimerOut, TimerStart


class TimerController(Controller):
    path = "/api/v1/timer"
    tags = ["timer"]

    @get("/")
    async def status(self, db_session: AsyncSession, principal: Principal) -> TimerOut:
        return await service.status(db_session, principal)

    @post("/start", status_code=HTTP_201_CREATED)
    async def start(
        self, data: TimerStart, db_session: AsyncSession, principal: Principal
    ) -> TimerOut:
        return await service.start(db_session, principal, data)

    @post("/pause", status_code=HTTP_200_OK)
    async def pause(self, db_session: AsyncSession, principal: Principal) -> TimerOut:
        return await service.pause(db_session, principal)

    @post("/resume", status_code=HTTP_200_OK)
    async def resume(self, db_session: AsyncSession, principal: Principal) -> TimerOut:
        return await service.resume(db_session, principal)

    @post("/stop", status_code=HTTP_200_OK)
    async def stop(self, db_session: AsyncSession, principal: Principal) -> TimerOut:
        return await service.stop(db_session, principal)
