"""Cookie sessions for the web pages, and their CSRF tokens.

The cookie holds an opaque token whose SHA-256 is stored as a RefreshToken
row: sessions are server-side, so signing out (or "sign out everywhere" from
the API, or deactivating the person) ends them at once. The cookie is
HttpOnly, SameSite=Lax and Secure when the server is reached over https.

CSRF: every form carries a token. Signed in, it is an HMAC of the session
token (nothing to store, useless without the HttpOnly cookie); on the sign-in
form it is an HMAC of a random pre-session cookie (double submit).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta
from typing import Any

from litestar import Request, Response
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from server.auth.principal import Principal, load_principal
from server.db.base import utcnow
from server.db.models import RefreshToken
from server.runtime.state import AppState
from server.security.tokens import derive_key, hash_opaque_token

SESSION_COOKIE = "hubnity_session"
LOGIN_CSRF_COOKIE = "hubnity_login_csrf"
CSRF_FIELD = "_csrf"
CSRF_HEADER = "x-csrf-token"


class LoginRequired(Exception):
    """No valid session: the page answers with a redirect to the sign-in form."""


class CsrfRejected(Exception):
    """A form POST without a valid token (expired form or another site)."""


def is_secure(request: Request[Any, Any, Any], app_state: AppState) -> bool:
    public = app_state.settings.server.public_url or ""
    return request.url.scheme == "https" or public.startswith("https://")


def _mac(app_state: AppState, purpose: str, value: str) -> str:
    # A key of its own, derived from the secret: a CSRF MAC is never a valid
    # JWT signature, nor the other way round.
    key = derive_key(app_state.settings.security.jwt_secret, "web-csrf")
    return hmac.new(key, f"{purpose}:{value}".encode(), hashlib.sha256).hexdigest()


def csrf_for_session(app_state: AppState, session_token: str) -> str:
    return _mac(app_state, "csrf", session_token)


def csrf_for_login(app_state: AppState, login_cookie: str) -> str:
    return _mac(app_state, "login-csrf", login_cookie)


def check_csrf(expected: str | None, given: str | None) -> None:
    if not expected or not given or not hmac.compare_digest(expected, given):
        raise CsrfRejected


def check_login_csrf(
    request: Request[Any, Any, Any], app_state: AppState, given: str | None
) -> None:
    """Before a session exists: the form's token must match the pre-session cookie."""
    cookie = request.cookies.get(LOGIN_CSRF_COOKIE)
    check_csrf(csrf_for_login(app_state, cookie) if cookie else None, given)


def new_login_cookie() -> str:
    return secrets.token_urlsafe(24)


async def load_session(session: AsyncSession, token: str | None) -> tuple[Principal, str] | None:
    if not token:
        return None
    row = (
        await session.execute(
            select(RefreshToken.user_id, RefreshToken.organization_id).where(
                RefreshToken.token_hash == hash_opaque_token(token),
                RefreshToken.revoked_at.is_(None),
                RefreshToken.rotated_at.is_(None),
                RefreshToken.expires_at > utcnow(),
            )
        )
    ).first()
    if row is None:
        return None
    principal = await load_principal(session, row[0], row[1])
    return (principal, token) if principal else None


async def end_session(session: AsyncSession, token: str | None) -> None:
    if not token:
        return
    await session.execute(
        update(RefreshToken)
        .where(
            RefreshToken.token_hash == hash_opaque_token(token), RefreshToken.revoked_at.is_(None)
        )
        .values(revoked_at=utcnow())
    )
    await session.commit()


def set_session_cookie(
    response: Response[Any], request: Request[Any, Any, Any], app_state: AppState, token: str
) -> None:
    ttl = app_state.settings.security.refresh_ttl_seconds
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=ttl,
        path="/",
        httponly=True,
        samesite="lax",
        secure=is_secure(request, app_state),
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/")


def clear_session_cookie(response: Response[Any]) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/")


def set_login_cookie(
    response: Response[Any], request: Request[Any, Any, Any], app_state: AppState, value: str
) -> None:
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        value,
        max_age=int(timedelta(hours=2).total_seconds()),
        path="/",
        httponly=True,
        samesite="lax",
        secure=is_secure(request, app_state),
    )
