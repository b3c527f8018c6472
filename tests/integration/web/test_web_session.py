"""Web sign-in, cookie flags, CSRF and role rules, on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from pathlib import Path

from tests.conftest import make_settings
from tests.integration.reports.helpers import person
from tests.support.api import PASSWORD, Account, register


def _csrf(html: str) -> str:
    m = re.search(r'name="_csrf" value="([^"]+)"', html)
    assert m, html[:500]
    return m.group(1)


def _cookie(response, name: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """The attributes of one Set-Cookie (lower-case names; flags map to "")."""
    line = next(c for c in response.headers.get_list("set-cookie") if c.startswith(f"{name}="))
    attrs = [part.strip().split("=", 1) for part in line.split(";")[1:]]
    return {a[0].lower(): (a[1] if len(a) > 1 else "") for a in attrs}


def _assert_safe_cookie(response, name: str, secure: bool) -> None:  # type: ignore[no-untyped-def]
    attrs = _cookie(response, name)
    assert "httponly" in attrs, (name, attrs)
    assert attrs.get("samesite", "").lower() == "lax", (name, attrs)
    assert attrs.get("path") == "/", (name, attrs)
    assert ("secure" in attrs) is secure, (name, attrs)


async def _sign_in(client, email: str, password: str = PASSWORD):  # type: ignore[no-untyped-def]
    client.cookies.clear()
    page = await client.get("/login")
    assert page.status_code == 200
    _assert_safe_cookie(page, "hubnity_login_csrf", secure=False)
    return await client.post(
        "/login",
        data={
            "_csrf": _csrf(page.text),
            "email": email,
            "password": password,
            "next": "/app/reports",
        },
        follow_redirects=False,
    )


async def test_sign_in_sets_a_safe_cookie_and_sign_out_ends_it(client) -> None:
    owner = await register(client)
    r = await client.get("/app", follow_redirects=False)
    assert r.status_code in (302, 303) and r.headers["location"] == "/login?next=%2Fapp"
    r = await _sign_in(client, owner.email, "wrong password")
    assert r.status_code == 401 and "do not match" in r.text
    r = await _sign_in(client, owner.email)
    assert r.status_code == 303 and r.headers["location"] == "/app/reports"
    _assert_safe_cookie(r, "hubnity_session", secure=False)
    page = await client.get("/app")
    assert page.status_code == 200 and "Owner" in page.text
    assert "script-src 'self'" in page.headers["content-security-policy"]
    # A sign-in post without its pre-session cookie token is refused.
    r = await client.post("/login", data={"_csrf": "x"})
    assert r.status_code == 403
    r = await client.post("/logout", data={"_csrf": _csrf(page.text)}, follow_redirects=False)
    assert r.status_code == 303
    assert (await client.get("/app", follow_redirects=False)).status_code in (302, 303)
    client.cookies.clear()


async def test_api_logout_everywhere_ends_web_sessions(client) -> None:
    owner = await register(client)
    await _sign_in(client, owner.email)
    assert (await client.get("/app")).status_code == 200
    r = await owner.post("/api/v1/auth/logout", json={"all": True})
    assert r.status_code == 204
    assert (await client.get("/app", follow_redirects=False)).status_code in (302, 303)
    client.cookies.clear()


async def test_forms_need_the_csrf_token(client) -> None:
    owner = await register(client)
    await _sign_in(client, owner.email)
    page = await client.get("/app/settings")
    form = {
        "interval": "5",
        "blur": "2",
        "idle": "3",
        "screenshots": "on",
        "delete_window": "0",
        "retention": "90",
        "timezone": "Europe/Paris",
    }
    assert (await client.post("/app/settings/policy", data=form)).status_code == 403
    r = await client.post("/app/settings/policy", data={**form, "_csrf": "f" * 64})
    assert r.status_code == 403
    policy = (await owner.get("/api/v1/agent/config")).json()
    assert policy["blurLevel"] == 0
    r = await client.post("/app/settings/policy", data={**form, "_csrf": _csrf(page.text)})
    assert r.status_code == 200 and "Tracking policy saved" in r.text
    policy = (await owner.get("/api/v1/agent/config")).json()
    assert (policy["screenshotIntervalSeconds"], policy["blurLevel"]) == (300, 2)
    assert policy["allowScreenshotDelete"] is False
    # Bad input re-renders the page with a readable error.
    r = await client.post(
        "/app/settings/policy", data={**form, "interval": "often", "_csrf": _csrf(page.text)}
    )
    assert r.status_code == 400 and "whole number" in r.text
    client.cookies.clear()


async def test_member_pages_and_other_organizations(client) -> None:
    owner = await register(client)
    member: Account = await person(owner, "Mo Member")
    colleague = await person(owner, "Cy Colleague")
    stranger = await register(client, org_name="Elsewhere")
    await _sign_in(client, member.email)
    r = await client.get("/app/settings")
    assert r.status_code == 403 and "Only administrators" in r.text
    assert (await client.get(f"/app/people/{colleague.user_id}")).status_code == 404
    assert (await client.get(f"/app/people/{stranger.user_id}")).status_code == 404
    assert (await client.get(f"/app/people/{member.user_id}")).status_code == 200
    assert (await client.get("/app/people/not-an-id")).status_code == 404
    dash = await client.get("/app")
    assert "Mo Member" in dash.text and "Cy Colleague" not in dash.text
    client.cookies.clear()


async def test_secure_cookie_behind_https(backend: str, session_tmp: Path) -> None:
    from litestar.testing import AsyncTestClient

    from server.app import create_app

    settings = make_settings(
        backend, session_tmp / "https-web", HUBNITY_PUBLIC_URL="https://hubnity.example.com"
    )
    async with AsyncTestClient(app=create_app(settings)) as c:
        owner = await register(c)
        page = await c.get("/login")
        _assert_safe_cookie(page, "hubnity_login_csrf", secure=True)
        value = page.headers["set-cookie"].split(";", 1)[0]
        # The client would not send a Secure cookie over http: send it by hand.
        r = await c.post(
            "/login",
            headers={"cookie": value},
            follow_redirects=False,
            data={"_csrf": _csrf(page.text), "email": owner.email, "password": PASSWORD},
        )
        assert r.status_code == 303, r.text
        _assert_safe_cookie(r, "hubnity_session", secure=True)
        # The pages' headers do not depend on the scheme.
        page = await c.get("/login")
        assert page.headers["x-frame-options"] == "DENY"
        assert "frame-ancestors 'none'" in page.headers["content-security-policy"]


async def test_invitation_link_sets_a_password_and_signs_in(client) -> None:
    owner = await register(client)
    await _sign_in(client, owner.email)
    page = await client.get("/app/settings")
    r = await client.post(
        "/app/settings/invite",
        data={
            "_csrf": _csrf(page.text),
            "name": "Ivy Invitee",
            "email": "ivy@example.test",
            "role": "MEMBER",
        },
    )
    assert r.status_code == 200, r.text
    link = re.search(r'data-testid="invitation-link" href="([^"]+)"', r.text).group(1)
    path = link.split("testserver.local", 1)[1]
    client.cookies.clear()
    form = await client.get(path)
    assert form.status_code == 200 and "Join your team" in form.text
    token = re.search(r'name="token" value="([^"]+)"', form.text).group(1)
    data = {"_csrf": _csrf(form.text), "token": token, "password": PASSWORD}
    r = await client.post("/invite", data={**data, "confirm": "something else"})
    assert r.status_code == 400 and "not the same" in r.text
    r = await client.post("/invite", data={**data, "confirm": PASSWORD}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/app"
    dash = await client.get("/app")
    assert dash.status_code == 200 and "Ivy Invitee" in dash.text
    client.cookies.clear()
    form = await client.get(path)
    r = await client.post("/invite", data={**data, "confirm": PASSWORD, "_csrf": _csrf(form.text)})
    assert r.status_code == 400 and "already used" in r.text
    client.cookies.clear()


async def test_unknown_pages_read_like_the_site(client) -> None:
    owner = await register(client)
    await _sign_in(client, owner.email)
    r = await client.get("/app/no/such/page")
    assert r.status_code == 404 and "does not exist" in r.text
    assert r.headers["content-type"].startswith("text/html")
    assert (await client.get("/app")).status_code == 200
    assert (await client.get("/app/reports")).status_code == 200
    client.cookies.clear()
