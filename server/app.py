"""Builds the Litestar application from settings: the one place framework config lives."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from litestar import Litestar, Request, Response
from litestar.config.cors import CORSConfig
from litestar.di import Provide
from litestar.exceptions import (
    HTTPException,
    NotFoundException,
    ValidationException,
)
from litestar.openapi import OpenAPIConfig
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

from server.auth.routes import AuthController
from server.config import Settings, get_settings
from server.db.session import create_engine, session_factory
from server.deps import provide_app_state, provide_db_session, provide_principal
from server.errors import DomainError, TooManyRequests
from server.jobs.base import JobQueue
from server.jobs.inprocess import InProcessQueue
from server.jobs.registry import load_all as load_jobs
from server.observability.logging import configure_logging, log
from server.observability.middleware import request_id_middleware
from server.ops import health, metrics, ready
from server.orgs.routes import AgentConfigController, MembersController, TeamsController
from server.projects.routes import ProjectsController
from server.reports.routes import ReportsController
from server.screenshots.routes import ScreenshotsController, ScreenshotUploadController
from server.security.global_limit import global_rate_limit_middleware
from server.security.ratelimit import MemoryRateLimiter, RateLimiter, RedisRateLimiter
from server.state import AppState
from server.storage import build_storage
from server.sync.routes import SyncController
from server.web import template_config, web_handlers
from shared.version import __version__


def _error(
    status: int, detail: str, extra: Any = None, headers: dict[str, str] | None = None
) -> Response[Any]:
    body: dict[str, Any] = {"statusCode": status, "detail": detail}
    if extra:
        body["extra"] = extra
    return Response(body, status_code=status, headers=headers)


def _domain_error(_: Request[Any, Any, Any], exc: DomainError) -> Response[Any]:
    headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, TooManyRequests) else None
    return _error(exc.status_code, exc.detail, exc.extra, headers)


def _validation_error(_: Request[Any, Any, Any], exc: ValidationException) -> Response[Any]:
    extra = exc.extra if isinstance(exc.extra, list | dict) else None
    detail = exc.detail
    if isinstance(extra, list) and extra and isinstance(extra[0], dict) and extra[0].get("message"):
        first = extra[0]
        where = f" at {first['key']}" if first.get("key") else ""
        detail = f"invalid request body{where}: {first['message']}"
    return _error(400, detail, extra)


def _http_error(_: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    return _error(exc.status_code, exc.detail, None, exc.headers)


def _unexpected(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    log.error("unhandled error", path=request.url.path, exc_info=exc)
    return _error(HTTP_500_INTERNAL_SERVER_ERROR, "internal server error; see the server log")


def build_state(settings: Settings) -> AppState:
    engine = create_engine(settings.database)
    redis = None
    limiter: RateLimiter
    if settings.redis.url:
        import redis.asyncio as aioredis

        redis = aioredis.from_url(settings.redis.url)
        limiter = RedisRateLimiter(redis, settings.redis.prefix)
    else:
        limiter = MemoryRateLimiter()
    hub = AppState(
        settings=settings,
        engine=engine,
        sessions=session_factory(engine),
        limiter=limiter,
        redis=redis,
        storage=build_storage(settings.storage),
    )
    load_jobs()
    # Redis configured → arq workers (hubnity-worker) run jobs, the server only
    # enqueues; else an in-process worker runs the same job functions.
    jobs: JobQueue
    if settings.redis.url:
        from server.jobs.arq_queue import ArqQueue

        jobs = ArqQueue(settings.redis.url, settings.redis.prefix)
    else:
        jobs = InProcessQueue({"state": hub})
    hub.jobs = jobs
    return hub


def create_app(settings: Settings | None = None, state: AppState | None = None) -> Litestar:
    settings = settings or get_settings()
    configure_logging(json=settings.log_json)

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        hub = state or build_state(settings)
        app.state.hub = hub
        if hub.jobs is not None:
            await hub.jobs.start()
        # Everything allocated at start-up lives for the whole process: move it
        # out of the cycle collector's generations so collections stay short.
        gc.freeze()
        try:
            yield
        finally:
            if hub.jobs is not None:
                await hub.jobs.close()
            if hub.redis is not None:
                await hub.redis.aclose()
            if hub.storage is not None:
                await hub.storage.close()
            await hub.engine.dispose()

    handlers: list[Any] = [
        health,
        ready,
        metrics,
        AuthController,
        MembersController,
        AgentConfigController,
        TeamsController,
        ProjectsController,
        SyncController,
        ReportsController,
        ScreenshotUploadController,
        ScreenshotsController,
        *web_handlers(),
    ]
    return Litestar(
        route_handlers=handlers,
        lifespan=[lifespan],
        dependencies={
            "db_session": Provide(provide_db_session),
            "principal": Provide(provide_principal),
            "app_state": Provide(provide_app_state, sync_to_thread=False),
        },
        exception_handlers={
            DomainError: _domain_error,
            ValidationException: _validation_error,
            NotFoundException: _http_error,
            HTTPException: _http_error,
            Exception: _unexpected,
        },
        middleware=[request_id_middleware, global_rate_limit_middleware],
        request_max_body_size=settings.security.body_size_limit,
        openapi_config=OpenAPIConfig(title="Hubnity", version=__version__, path="/schema"),
        cors_config=CORSConfig(allow_origins=[]),
        template_config=template_config(),
        debug=False,
    )
