"""Litestar dependency providers: the only glue between HTTP and services."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Any

from litestar import Request
from litestar.datastructures import State
from litestar.types import BeforeRequestHookHandler
from sqlalchemy.ext.asyncio import AsyncSession

from server.auth.principal import Principal, load_principal
from server.core.errors import SIGNED_OUT, Unauthorized
from server.mail.outbox import Outbox
from server.runtime.state import AppState
from server.security.limits import limit_sign_in
from server.security.tokens import AccessClaims, InvalidTokenError, decode_access_token


def app_state_of(state: State) -> AppState:
    """The application state the lifespan put on Litestar's `app.state`."""
    app_state: AppState = state.app_state
    return app_state


async def provide_db_session(state: State) -> AsyncGenerator[AsyncSession, None]:
    async with app_state_of(state).sessions() as session:
        yield session


def provide_app_state(state: State) -> AppState:
    return app_state_of(state)


def bearer_token(request: Request[Any, Any, Any]) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return None


async def provide_principal(
    request: Request[Any, Any, Any], db_session: AsyncSession, state: State
) -> Principal:
    claims = verified_claims(request, app_state_of(state).settings.security.jwt_secret)
    principal = await load_principal(
        db_session, claims.user_id, claims.organization_id, claims.session_id
    )
    if principal is None:
        raise Unauthorized(SIGNED_OUT)
    return principal


def verified_claims(request: Request[Any, Any, Any], jwt_secret: str) -> AccessClaims:
    """The bearer token's claims, verified, without any database read (the sync
    checks its caller in its own transaction, `ingest_batch`)."""
    token = bearer_token(request)
    if token is None:
        raise Unauthorized("missing bearer token")
    try:
        return decode_access_token(token, jwt_secret)
    except InvalidTokenError as exc:
        raise Unauthorized(str(exc)) from None


def client_ip(request: Request[Any, Any, Any]) -> str:
    return request.client.host if request.client else "unknown"


def sign_in_limit(kind: str) -> BeforeRequestHookHandler:
    """A `before_request` hook: the per-IP limit of one sign-in path (429 above it)."""

    async def hook(request: Request[Any, Any, Any]) -> None:
        await limit_sign_in(app_state_of(request.app.state), kind, client_ip(request))

    return hook


def public_base_url(request: Request[Any, Any, Any]) -> str:
    """Where people reach this server: HUBNITY_PUBLIC_URL, else the request's own address."""
    configured = app_state_of(request.app.state).settings.server.public_url
    return (configured or str(request.base_url)).rstrip("/")


def provide_outbox(request: Request[Any, Any, Any], state: State) -> Outbox:
    return Outbox(app_state_of(state).jobs, public_base_url(request))
