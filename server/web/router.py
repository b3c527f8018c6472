"""Wires the web pages into the Litestar app: templates, static files, routers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from litestar import Router
from litestar.contrib.jinja import JinjaTemplateEngine
from litestar.di import Provide
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig

from server.core.errors import DomainError
from server.web.admin_routes import AdminForms
from server.web.analytics_routes import AnalyticsPages
from server.web.approval_routes import ApprovalPages
from server.web.audit_routes import AuditPages
from server.web.auth_routes import AuthPages, provide_web_user
from server.web.catalog_routes import CustomerPages, ProjectPages
from server.web.connection_routes import ConnectionPages
from server.web.data_routes import DataPages
from server.web.entry_routes import EntryForms
from server.web.errors import csrf_rejected, domain_error, login_required
from server.web.format import FILTERS
from server.web.integration_routes import IntegrationPages
from server.web.password_routes import PasswordPages
from server.web.routes import Pages
from server.web.session import CsrfRejected, LoginRequired
from server.web.settings_routes import SettingsPages
from server.web.signup_routes import SignupPages
from server.web.task_routes import TaskPages
from server.web.time_routes import TimePages
from server.web.timer_routes import TimerForms

HERE = Path(__file__).parent
# The pages' security headers (CSP, framing, nosniff) are the app's, set for
# every response in one place: server/http/security_headers.py.


def _engine_callback(engine: JinjaTemplateEngine) -> None:
    engine.engine.filters.update(FILTERS)
    engine.engine.globals["duration_of"] = FILTERS["duration"]


def template_config() -> TemplateConfig[JinjaTemplateEngine]:
    return TemplateConfig(
        directory=HERE / "templates", engine=JinjaTemplateEngine, engine_callback=_engine_callback
    )


def web_handlers() -> list[Any]:
    pages = Router(
        path="/",
        route_handlers=[
            AuthPages,
            PasswordPages,
            SignupPages,
            Pages,
            SettingsPages,
            AdminForms,
            CustomerPages,
            ProjectPages,
            TaskPages,
            TimePages,
            ApprovalPages,
            AnalyticsPages,
            AuditPages,
            DataPages,
            IntegrationPages,
            ConnectionPages,
            TimerForms,
            EntryForms,
        ],
        dependencies={"web": Provide(provide_web_user)},
        exception_handlers={
            LoginRequired: login_required,
            CsrfRejected: csrf_rejected,
            DomainError: domain_error,
        },
        include_in_schema=False,
    )
    static = create_static_files_router(
        path="/static",
        directories=[HERE / "static"],
        include_in_schema=False,
        cache_control=None,
    )
    return [pages, static]
