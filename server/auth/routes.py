"""HTTP routes for /api/v1/auth."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post, put
from litestar.status_codes import (
    HTTP_200_OK,
    HTTP_201_CREATED,
    HTTP_202_ACCEPTED,
    HTTP_204_NO_CONTENT,
)
from sqlalchemy.ext.asyncio import AsyncSession

from server.auth import invitations, passwords, service, signin, signup
from server.auth.principal import Principal
from server.auth.schemas import (
    AcceptInviteRequest,
    ChangePasswordRequest,
    RegisterConfirm,
    RegisterRequest,
    ResetConfirm,
    ResetRequest,
)
from server.http.deps import client_ip, sign_in_limit
from server.http.openapi import ERRORS
from server.mail.outbox import Outbox
from server.runtime.state import AppState
from shared.enums import Role
from shared.schemas import LoginRequest, LogoutRequest, Me, OrgRef, RefreshRequest, TokenPair


def me_of(principal: Principal) -> Me:
    user, org = principal.user, principal.organization
    return Me(
        id=str(user.id),
        email=user.email,
        name=user.name,
        role=Role(user.role),
        timezone=user.timezone,
        organization=OrgRef(id=str(org.id), name=org.name),
    )


class AuthController(Controller):
    path = "/api/v1/auth"
    tags = ["auth"]

    @post(
        "/register",
        status_code=HTTP_202_ACCEPTED,
        before_request=sign_in_limit("register"),
        opt={ERRORS: [403]},
    )
    async def register(
        self,
        data: RegisterRequest,
        db_session: AsyncSession,
        app_state: AppState,
        outbox: Outbox,
        request: Request[Any, Any, Any],
    ) -> dict[str, str]:
        """The same answer whether or not the address has an account: the link
        that finishes the sign-up is mailed (server/auth/signup.py)."""
        wanted = signup.Signup(
            email=data.email,
            name=data.name,
            organization_name=data.organization_name,
            timezone=data.timezone,
        )
        await signup.request_signup(db_session, app_state, outbox, wanted, client_ip(request))
        return {"detail": signup.SIGNUP_ACCEPTED}

    @post(
        "/register/confirm",
        status_code=HTTP_201_CREATED,
        before_request=sign_in_limit("signup"),
        opt={ERRORS: [403]},
    )
    async def confirm_register(
        self,
        data: RegisterConfirm,
        db_session: AsyncSession,
        app_state: AppState,
        request: Request[Any, Any, Any],
    ) -> TokenPair:
        issued = await signup.confirm_signup(
            db_session,
            app_state.settings.security,
            token=data.token,
            password=data.password,
            ip=client_ip(request),
        )
        return issued.pair

    @post("/login", status_code=HTTP_200_OK, before_request=sign_in_limit("login"))
    async def login(
        self,
        data: LoginRequest,
        db_session: AsyncSession,
        app_state: AppState,
        request: Request[Any, Any, Any],
    ) -> TokenPair:
        issued = await signin.sign_in(
            db_session,
            app_state.settings.security,
            app_state.settings.ldap,
            login_name=data.email,
            password=data.password,
            ip=client_ip(request),
        )
        return issued.pair

    @post("/refresh", status_code=HTTP_200_OK)
    async def refresh(
        self,
        data: RefreshRequest,
        db_session: AsyncSession,
        app_state: AppState,
        request: Request[Any, Any, Any],
    ) -> TokenPair:
        return await service.refresh(
            db_session,
            app_state.settings.security,
            token=data.refresh_token,
            ip=client_ip(request),
        )

    @post("/accept-invite", status_code=HTTP_200_OK, before_request=sign_in_limit("invite"))
    async def accept_invite(
        self,
        data: AcceptInviteRequest,
        db_session: AsyncSession,
        app_state: AppState,
        request: Request[Any, Any, Any],
    ) -> TokenPair:
        ip = client_ip(request)
        issued = await invitations.accept_invite(
            db_session,
            app_state.settings.security,
            token=data.token,
            password=data.password,
            ip=ip,
        )
        return issued.pair

    @get("/me")
    async def me(self, principal: Principal) -> Me:
        return me_of(principal)

    @post("/logout", status_code=HTTP_204_NO_CONTENT)
    async def logout(
        self, data: LogoutRequest, db_session: AsyncSession, principal: Principal
    ) -> None:
        await service.logout(
            db_session, principal.user, token=data.refresh_token, everywhere=data.all
        )

    @put("/password", status_code=HTTP_200_OK)
    async def change_password(
        self,
        data: ChangePasswordRequest,
        db_session: AsyncSession,
        app_state: AppState,
        principal: Principal,
        request: Request[Any, Any, Any],
    ) -> TokenPair | None:
        return await passwords.change_password(
            db_session,
            app_state.settings.security,
            principal.user,
            current=data.current_password,
            new=data.new_password,
            ip=client_ip(request),
        )

    @post("/password-reset", status_code=HTTP_202_ACCEPTED, before_request=sign_in_limit("reset"))
    async def request_reset(
        self,
        data: ResetRequest,
        app_state: AppState,
        outbox: Outbox,
        request: Request[Any, Any, Any],
    ) -> dict[str, str]:
        await passwords.request_reset(app_state, outbox, data.email, client_ip(request))
        return {"detail": passwords.RESET_ACCEPTED}

    @post(
        "/password-reset/confirm",
        status_code=HTTP_204_NO_CONTENT,
        before_request=sign_in_limit("reset"),
    )
    async def confirm_reset(
        self,
        data: ResetConfirm,
        db_session: AsyncSession,
        app_state: AppState,
        request: Request[Any, Any, Any],
    ) -> None:
        await passwords.confirm_reset(
            db_session,
            app_state.settings.security,
            token=data.token,
            password=data.new_password,
            email=data.email,
            ip=client_ip(request),
        )
