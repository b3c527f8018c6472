"""Sign-in and sign-out pages, and the `web` dependency every page uses."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from server.auth import invitations, signin
from server.auth.principal import Principal
from server.core.errors import DomainError, TooManyRequests, Unauthorized
from server.http.deps import client_ip
from server.runtime.state import AppState
from server.security.limits import limit_sign_in
from server.teams.service import managed_team_ids
from server.web import session as web_session
from server.web import timer_bar
from server.web.session import CSRF_FIELD, LOGIN_CSRF_COOKIE, SESSION_COOKIE
from server.web.timer_bar import TimerBar

Form = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]


@dataclass(frozen=True)
class WebUser:
    principal: Principal
    csrf: str
    manages_team: bool = False  # a team MANAGER: sees their team's time and approvals
    timer: TimerBar | None = None  # the bar on top of every page (pages, not form posts)

    @property
    def is_admin(self) -> bool:
        return self.principal.is_admin

    @property
    def is_manager(self) -> bool:
        """Sees other people's time: ADMIN/OWNER, or the manager of a team."""
        return self.principal.is_admin or self.manages_team or self.principal.role == "MANAGER"


async def provide_web_user(
    request: Request[Any, Any, Any], db_session: AsyncSession, app_state: AppState
) -> WebUser:
    loaded = await web_session.load_session(db_session, request.cookies.get(SESSION_COOKIE))
    if loaded is None:
        raise web_session.LoginRequired
    principal, token = loaded
    manages = not principal.is_admin and bool(await managed_team_ids(db_session, principal))
    bar = await timer_bar.load(db_session, principal) if _is_page(request) else None
    web = WebUser(principal, web_session.csrf_for_session(app_state, token), manages, bar)
    request.state.web_user = web  # error pages keep the signed-in navigation
    return web


# Not pages: images, export downloads and JSON polls carry no timer bar.
_NOT_PAGES = ("/app/screenshots/", "/app/exports/")


def _is_page(request: Request[Any, Any, Any]) -> bool:
    return (
        request.method == "GET"
        and not request.url.path.startswith(_NOT_PAGES)
        and "application/json" not in request.headers.get("accept", "")
    )


def check_form(web: WebUser, form: dict[str, str], request: Request[Any, Any, Any]) -> None:
    given = form.get(CSRF_FIELD) or request.headers.get(web_session.CSRF_HEADER)
    web_session.check_csrf(web.csrf, given)


def safe_next(target: str | None) -> str:
    # Only local paths: an open redirect after sign-in is a phishing tool.
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/app"


def signed_out_page(
    request: Request[Any, Any, Any], app_state: AppState, name: str, status: int, **context: Any
) -> Template:
    """A page for someone not signed in, with the pre-session CSRF cookie and token."""
    cookie = request.cookies.get(LOGIN_CSRF_COOKIE) or web_session.new_login_cookie()
    page = Template(
        template_name=name,
        status_code=status,
        context={"web": None, "csrf": web_session.csrf_for_login(app_state, cookie), **context},
    )
    web_session.set_login_cookie(page, request, app_state, cookie)
    return page


def _login_page(
    request: Request[Any, Any, Any],
    app_state: AppState,
    *,
    error: str | None = None,
    email: str = "",
    status: int = 200,
) -> Template:
    next_page = safe_next(request.query_params.get("next"))
    done = request.query_params.get("done")
    message = "Your password was changed. Sign in with the new one." if done == "reset" else None
    return signed_out_page(
        request,
        app_state,
        "login.html",
        status,
        error=error,
        email=email,
        next=next_page,
        message=message,
        directory=app_state.settings.ldap.enabled,
    )


def _invite_page(
    request: Request[Any, Any, Any],
    app_state: AppState,
    *,
    token: str,
    error: str | None = None,
    status: int = 200,
) -> Template:
    return signed_out_page(request, app_state, "invite.html", status, error=error, token=token)


class AuthPages(Controller):
    path = "/"

    @get("/")
    async def root(self) -> Redirect:
        return Redirect(path="/app")

    @get("/login")
    async def login_form(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, app_state: AppState
    ) -> Response[Any]:
        if await web_session.load_session(db_session, request.cookies.get(SESSION_COOKIE)):
            return Redirect(path=safe_next(request.query_params.get("next")))
        return _login_page(request, app_state)

    @post("/login")
    async def login(
        self,
        request: Request[Any, Any, Any],
        data: Form,
        db_session: AsyncSession,
        app_state: AppState,
    ) -> Response[Any]:
        web_session.check_login_csrf(request, app_state, data.get(CSRF_FIELD))
        email = data.get("email", "").strip()
        ip = client_ip(request)
        try:
            await limit_sign_in(app_state, "login", ip)
            issued = await signin.sign_in(
                db_session,
                app_state.settings.security,
                app_state.settings.ldap,
                login_name=email,
                password=data.get("password", ""),
                ip=ip,
            )
        except TooManyRequests as exc:
            page = _login_page(
                request,
                app_state,
                email=email,
                status=429,
                error=f"Too many attempts. Try again in {exc.retry_after} s.",
            )
            page.headers["Retry-After"] = str(exc.retry_after)
            return page
        except Unauthorized:
            return _login_page(
                request,
                app_state,
                email=email,
                status=401,
                error="That email and password do not match an account.",
            )
        except DomainError as exc:  # the directory is down, or refuses this account
            return _login_page(
                request,
                app_state,
                email=email,
                status=exc.status_code,
                error=exc.detail[:1].upper() + exc.detail[1:] + ".",
            )
        # The refresh-token row issued by the login is the server-side session.
        response = Redirect(path=safe_next(data.get("next")), status_code=303)
        web_session.set_session_cookie(response, request, app_state, issued.pair.refresh_token)
        return response

    @get("/invite")
    async def invite_form(
        self, request: Request[Any, Any, Any], app_state: AppState, token: str = ""
    ) -> Template:
        return _invite_page(request, app_state, token=token)

    @post("/invite")
    async def accept_invite(
        self,
        request: Request[Any, Any, Any],
        data: Form,
        db_session: AsyncSession,
        app_state: AppState,
    ) -> Response[Any]:
        web_session.check_login_csrf(request, app_state, data.get(CSRF_FIELD))
        token = data.get("token", "")
        password = data.get("password", "")
        if password != data.get("confirm", ""):
            return _invite_page(
                request,
                app_state,
                token=token,
                status=400,
                error="The two passwords are not the same.",
            )
        ip = client_ip(request)
        try:
            await limit_sign_in(app_state, "invite", ip)
            issued = await invitations.accept_invite(
                db_session, app_state.settings.security, token=token, password=password, ip=ip
            )
        except DomainError as exc:
            return _invite_page(
                request,
                app_state,
                token=token,
                status=exc.status_code,
                error=exc.detail[:1].upper() + exc.detail[1:] + ".",
            )
        response = Redirect(path="/app", status_code=303)
        web_session.set_session_cookie(response, request, app_state, issued.pair.refresh_token)
        return response

    @post("/logout")
    async def logout(
        self,
        request: Request[Any, Any, Any],
        data: Form,
        web: WebUser,
        db_session: AsyncSession,
    ) -> Redirect:
        check_form(web, data, request)
        await web_session.end_session(db_session, request.cookies.get(SESSION_COOKIE))
        response = Redirect(path="/login", status_code=303)
        web_session.clear_session_cookie(response)
        return response
