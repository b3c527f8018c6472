"""Password pages: forgot (ask for a link), reset (from the mailed link), and a
signed-in person's own account page (change password)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from server.auth import passwords
from server.core.errors import DomainError
from server.http.deps import client_ip
from server.mail.outbox import Outbox
from server.runtime.state import AppState
from server.security.limits import limit_sign_in
from server.web import session as web_session
from server.web.auth_routes import Form, WebUser, check_form, signed_out_page
from server.web.routes import page
from server.web.session import CSRF_FIELD, SESSION_COOKIE


def _sentence(exc: DomainError) -> str:
    return exc.detail[:1].upper() + exc.detail[1:] + "."


class PasswordPages(Controller):
    path = "/"

    @get("/forgot")
    async def forgot_form(self, request: Request[Any, Any, Any], app_state: AppState) -> Template:
        return signed_out_page(request, app_state, "forgot.html", 200, sent=False, email="")

    @post("/forgot")
    async def forgot(
        self,
        request: Request[Any, Any, Any],
        data: Form,
        app_state: AppState,
        outbox: Outbox,
    ) -> Template:
        web_session.check_login_csrf(request, app_state, data.get(CSRF_FIELD))
        email = data.get("email", "").strip()
        ip = client_ip(request)
        try:
            await limit_sign_in(app_state, "reset", ip)
            await passwords.request_reset(app_state, outbox, email, ip)
        except DomainError as exc:
            return signed_out_page(
                request,
                app_state,
                "forgot.html",
                exc.status_code,
                sent=False,
                email=email,
                error=_sentence(exc),
            )
        # The same page whether or not the address has an account.
        return signed_out_page(request, app_state, "forgot.html", 200, sent=True, email=email)

    @get("/reset")
    async def reset_form(
        self, request: Request[Any, Any, Any], app_state: AppState, token: str = ""
    ) -> Template:
        return signed_out_page(request, app_state, "reset.html", 200, token=token)

    @post("/reset")
    async def reset(
        self,
        request: Request[Any, Any, Any],
        data: Form,
        db_session: AsyncSession,
        app_state: AppState,
    ) -> Response[Any]:
        web_session.check_login_csrf(request, app_state, data.get(CSRF_FIELD))
        token = data.get("token", "")
        password = data.get("password", "")
        error, status = None, 400
        if password != data.get("confirm", ""):
            error = "The two passwords are not the same."
        else:
            ip = client_ip(request)
            try:
                await limit_sign_in(app_state, "reset", ip)
                await passwords.confirm_reset(
                    db_session, app_state.settings.security, token=token, password=password, ip=ip
                )
            except DomainError as exc:
                error, status = _sentence(exc), exc.status_code
        if error:
            return signed_out_page(
                request, app_state, "reset.html", status, token=token, error=error
            )
        return Redirect(path="/login?done=reset", status_code=303)

    @get("/app/account")
    async def account(self, web: WebUser) -> Template:
        return page("account.html", web, nav="account")

    @post("/app/account/password")
    async def change_password(
        self,
        request: Request[Any, Any, Any],
        data: Form,
        web: WebUser,
        db_session: AsyncSession,
        app_state: AppState,
    ) -> Template:
        check_form(web, data, request)
        user = web.principal.user
        new = data.get("password", "")
        try:
            if new != data.get("confirm", ""):
                return _account(web, "The two new passwords are not the same.", 400)
            await passwords.change_password(
                db_session,
                app_state.settings.security,
                user,
                current=data.get("current", ""),
                new=new,
                ip=client_ip(request),
                keep_session=request.cookies.get(SESSION_COOKIE),
            )
        except DomainError as exc:
            await db_session.rollback()
            await db_session.refresh(user)
            await db_session.refresh(web.principal.organization)
            return _account(web, _sentence(exc), exc.status_code)
        tpl = page(
            "account.html",
            web,
            nav="account",
            message="Password changed. Your other sessions and devices were signed out.",
        )
        return tpl


def _account(web: WebUser, error: str, status: int) -> Template:
    tpl = page("account.html", web, nav="account", error=error)
    tpl.status_code = status
    return tpl
