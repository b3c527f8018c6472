"""Builds the Litestar application from settings: the one place framework config lives."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from litestar import Litestar
from litestar.config.cors import CORSConfig
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig

from server.activities.routes import ActivitiesController
from server.analytics.routes import AnalyticsController
from server.audit.routes import AuditController
from server.auth.routes import AuthController
from server.customers.routes import CustomersController
from server.http.allow import fix_allow_headers
from server.http.body_limits import apply_body_limits
from server.http.dependency_order import resolve_dependencies_in_turn
from server.http.deps import (
    provide_app_state,
    provide_db_session,
    provide_outbox,
    provide_principal,
)
from server.http.errors import EXCEPTION_HANDLERS
from server.http.openapi import install as install_openapi
from server.http.security_headers import add_security_headers
from server.http.strict_body import StrictBodyRequest
from server.insight.routes import InsightController
from server.integrations.connection_routes import (
    MyConnectionsController,
    OwnConnectionController,
)
from server.integrations.routes import (
    ImportsController,
    IntegrationConflictsController,
    IntegrationRunsController,
    IntegrationsController,
)
from server.jobs import catalog
from server.members.routes import MembersController
from server.observability.logging import configure_logging
from server.observability.middleware import request_id_middleware
from server.observability.routes import health, metrics, ready
from server.policy.routes import AgentConfigController
from server.projects.routes import ProjectsController
from server.reports.routes import ReportsController
from server.rights.routes import DataRightsController
from server.runtime.config import Settings, get_settings
from server.runtime.state import AppState, build_state, close_state, start_state
from server.screenshots.routes import ScreenshotsController, ScreenshotUploadController
from server.security.global_limit import GlobalRateLimit
from server.security.slow_clients import body_idle_timeout
from server.sync.routes import SyncController
from server.tasks.routes import TasksController
from server.teams.routes import TeamsController
from server.time_entries.routes import TimeEntriesController
from server.timer.routes import TimerController
from server.timesheets.routes import TimesheetsController
from server.web import template_config, web_handlers
from shared.version import __version__


def create_app(settings: Settings | None = None, state: AppState | None = None) -> Litestar:
    settings = settings or get_settings()
    configure_logging(json=settings.log_json)

    catalog.load_all()

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        app_state = state or build_state(settings)
        app.state.app_state = app_state
        await start_state(app_state)
        # Everything allocated at start-up lives for the whole process: move it
        # out of the cycle collector's generations so collections stay short.
        gc.freeze()
        try:
            yield
        finally:
            await close_state(app_state)

    handlers: list[Any] = [
        health,
        ready,
        metrics,
        AuthController,
        MembersController,
        AgentConfigController,
        TeamsController,
        CustomersController,
        ActivitiesController,
        ProjectsController,
        TasksController,
        TimesheetsController,
        TimeEntriesController,
        TimerController,
        SyncController,
        ReportsController,
        InsightController,
        AnalyticsController,
        ScreenshotUploadController,
        ScreenshotsController,
        DataRightsController,
        AuditController,
        IntegrationsController,
        IntegrationConflictsController,
        IntegrationRunsController,
        ImportsController,
        OwnConnectionController,
        MyConnectionsController,
        *web_handlers(),
    ]
    app = Litestar(
        route_handlers=handlers,
        lifespan=[lifespan],
        dependencies={
            "db_session": Provide(provide_db_session),
            "principal": Provide(provide_principal),
            "app_state": Provide(provide_app_state, sync_to_thread=False),
            "outbox": Provide(provide_outbox, sync_to_thread=False),
        },
        exception_handlers=EXCEPTION_HANDLERS,
        request_class=StrictBodyRequest,
        middleware=[
            body_idle_timeout(settings.server.body_idle_timeout),
            request_id_middleware,
            GlobalRateLimit(),
        ],
        # Small unless a route names a larger kind (server/http/body_limits.py).
        request_max_body_size=settings.limits.default,
        # nosniff, framing, referrer and CSP on every response, errors included.
        before_send=[add_security_headers],
        openapi_config=OpenAPIConfig(title="Hubnity", version=__version__, path="/schema"),
        cors_config=CORSConfig(allow_origins=[]),
        template_config=template_config(),
        debug=False,
    )
    fix_allow_headers(app)
    apply_body_limits(app, settings.limits)
    resolve_dependencies_in_turn(app)
    install_openapi(app)
    return app
