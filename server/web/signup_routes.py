"""The page a mailed sign-up link opens: confirm, and the new owner is signed in."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from server.auth import signup
from server.core.errors import BadRequest, DomainError
from server.http.deps import client_ip
from server.runtime.state import AppState
from server.security.limits import limit_sign_in
from server.web import session as web_session
from server.web.auth_routes import Form, signed_out_page
from server.web.session import CSRF_FIELD


def _page(
    request: Request[Any, Any, Any],
    app_state: AppState,
    status: int,
    *,
    token: str,
    error: str | None = None,
    organization: str | None = None,
    email: str | None = None,
) -> Template:
    return signed_out_page(
        request,
        app_state,
        "signup_confirm.html",
        status,
        token=token,
        error=error,
        organization=organization,
        email=email,
    )


def _sentence(exc: DomainError) -> str:
    return exc.detail[:1].upper() + exc.detail[1:] + "."


class SignupPages(Controller):
    path = "/signup"

    async def _form(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        app_state: AppState,
        token: str,
        failure: DomainError | None = None,
    ) -> Template:
        """The form while the link is good (with `failure`'s reason, if any),
        else the page with the reason the link cannot be used."""
        try:
            signup.check_open(app_state.settings.security)
            row = await signup.find_signup(db_session, token)
        except DomainError as exc:
            shown = failure or exc
            return _page(request, app_state, shown.status_code, token=token, error=_sentence(shown))
        return _page(
            request,
            app_state,
            failure.status_code if failure else 200,
            token=token,
            error=_sentence(failure) if failure else None,
            organization=row.organization_name,
            email=row.email,
        )

    @get("/confirm")
    async def confirm_form(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        app_state: AppState,
        token: str = "",
    ) -> Template:
        return await self._form(request, db_session, app_state, token)

    @post("/confirm")
    async def confirm(
        self,
        request: Request[Any, Any, Any],
        data: Form,
        db_session: AsyncSession,
        app_state: AppState,
    ) -> Response[Any]:
        web_session.check_login_csrf(request, app_state, data.get(CSRF_FIELD))
        token = data.get("token", "")
        password = data.get("password", "")
        ip = client_ip(request)
        try:
            await limit_sign_in(app_state, "signup", ip)
            if password != data.get("confirm", ""):
                raise BadRequest("the two passwords differ")
            issued = await signup.confirm_signup(
                db_session, app_state.settings.security, token=token, password=password, ip=ip
            )
        except DomainError as exc:
            # Shown with the form again while the link is still good.
            await db_session.rollback()
            return await self._form(request, db_session, app_state, token, exc)
        # The owner's refresh-token row is the web session, as after signing in.
        response = Redirect(path="/app", status_code=303)
        web_session.set_session_cookie(response, request, app_state, issued.pair.refresh_token)
        return response
