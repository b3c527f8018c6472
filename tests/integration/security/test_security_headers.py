"""Security headers, generated from the route table, on SQLite and PostgreSQL.

- Every web page route (GET), signed in and signed out: an HTML answer carries
  the page policy (`frame-ancestors 'none'`, scripts and styles from the
  server only, no inline script or `<style>`, `base-uri`, `form-action`,
  `object-src 'none'`), `X-Frame-Options: DENY`, `nosniff` and a
  `Referrer-Policy` — error pages (403, 404) included; any other answer
  (redirect, image, download) carries `nosniff` and `default-src 'none';
  sandbox`.
- Every API route and method, with and without a token: `nosniff` and the
  sandbox policy, whatever the status (401, 404, 405 included).

The routes come from the app itself, so a page or an endpoint added later is
covered at once (docs/api.md, "Security headers"). Cookie flags:
tests/integration/web/test_web_session.py.
"""

from __future__ import annotations

import re
from typing import Any

import httpx
from litestar.routes import HTTPRoute

from tests.integration.security.test_isolation_matrix import _ids
from tests.integration.web.pages import web_sign_in
from tests.support.api import invite, register

_PARAM = re.compile(r"\{(\w+):\w+\}")
NOT_PAGES = ("/api/", "/static/", "/schema", "/health", "/ready", "/metrics")


def _policy(header: str) -> dict[str, list[str]]:
    directives = (part.split() for part in header.split(";") if part.strip())
    return {d[0]: d[1:] for d in directives}


def _page_problems(r: httpx.Response) -> list[str]:
    """What an HTML page's headers lack (empty: all present)."""
    csp = _policy(r.headers.get("content-security-policy", ""))
    found = []
    if csp.get("frame-ancestors") != ["'none'"]:
        found.append("frame-ancestors 'none'")
    script = csp.get("script-src", [])
    if "'self'" not in script or {"'unsafe-inline'", "'unsafe-eval'", "*"} & set(script):
        found.append(f"script-src 'self' only, got {script}")
    if "'unsafe-inline'" in csp.get("style-src", ["'unsafe-inline'"]):
        found.append("style-src without 'unsafe-inline' (no <style> elements)")
    for directive in ("base-uri", "form-action"):
        if not csp.get(directive):
            found.append(directive)
    if csp.get("object-src") != ["'none'"]:
        found.append("object-src 'none'")
    if r.headers.get("x-frame-options") != "DENY":
        found.append("X-Frame-Options: DENY")
    if r.headers.get("x-content-type-options") != "nosniff":
        found.append("nosniff")
    if r.headers.get("referrer-policy") not in ("same-origin", "no-referrer", "strict-origin"):
        found.append("Referrer-Policy")
    return found


def _bytes_problems(r: httpx.Response) -> list[str]:
    """What a non-page answer (JSON, redirect, image, file) lacks."""
    csp = _policy(r.headers.get("content-security-policy", ""))
    found = []
    if r.headers.get("x-content-type-options") != "nosniff":
        found.append("nosniff")
    if csp.get("default-src") != ["'none'"] or "sandbox" not in csp:
        found.append(f"default-src 'none'; sandbox, got {csp}")
    return found


def _problems(r: httpx.Response) -> list[str]:
    if r.headers.get("content-type", "").startswith("text/html"):
        return _page_problems(r)
    return _bytes_problems(r)


def _page_routes(app: Any) -> list[str]:
    return sorted(
        route.path
        for route in app.routes
        if isinstance(route, HTTPRoute)
        and "GET" in route.methods
        and not route.path.startswith(NOT_PAGES)
    )


def _api_routes(app: Any) -> list[tuple[str, str]]:
    return sorted(
        (method, route.path)
        for route in app.routes
        if isinstance(route, HTTPRoute) and route.path.startswith("/api/")
        for method in route.methods - {"OPTIONS", "HEAD"}
    )


def _url(template: str, ids: dict[str, str]) -> str:
    missing = [p for p in _PARAM.findall(template) if p not in ids]
    assert not missing, f"{template}: add a real row for {missing} to the ids"
    return _PARAM.sub(lambda m: ids[m.group(1)], template)


async def test_every_web_page_answers_with_the_page_headers(client) -> None:
    owner = await register(client)
    member = await invite(owner)
    ids = {**await _ids(owner, member), "variant": "full", "rest": "no/such/page"}
    pages = _page_routes(client.app)
    assert len(pages) >= 20, pages  # the table was read
    answers: dict[str, int] = {}
    missing = []
    try:
        for signed_in in (False, True):
            client.cookies.clear()
            if signed_in:
                await web_sign_in(client, owner.email)
            for template in pages:
                r = await client.get(_url(template, ids), follow_redirects=False)
                assert r.status_code < 500, (template, r.status_code, r.text[:300])
                if signed_in:
                    answers[template] = r.status_code
                if problems := _problems(r):
                    missing.append((signed_in, template, r.status_code, problems))
            # A page the owner may not see is an HTML error page with the same headers.
            if signed_in:
                await web_sign_in(client, member.email)
                r = await client.get("/app/settings")
                assert r.status_code == 403 and "text/html" in r.headers["content-type"]
                missing += [(True, "/app/settings as a member", 403, p) for p in _problems(r)]
    finally:
        client.cookies.clear()
    assert missing == [], "(signed in, route, status, what is missing)"
    # The walk reached the real pages, not only redirects to the sign-in form.
    assert answers["/app"] == answers["/app/reports"] == answers["/app/settings"] == 200
    assert answers["/app/{rest:path}"] == 404
    assert answers["/app/screenshots/{shot_id:str}/{variant:str}"] == 200
    assert sum(code == 200 for code in answers.values()) >= 20, answers


async def test_every_api_answer_is_nosniff_and_sandboxed(client) -> None:
    owner = await register(client)
    member = await invite(owner)
    ids = await _ids(owner, member)
    routes = _api_routes(client.app)
    assert len(routes) >= 50, routes
    missing = []
    statuses = set()
    for method, template in routes:
        url = _url(template, ids)
        # Without a token (mostly 401), and as the owner where it is a read.
        calls = [client.request(method, url, follow_redirects=False)]
        if method == "GET":
            calls.append(owner.get(url, follow_redirects=False))
        for call in calls:
            r = await call
            statuses.add(r.status_code)
            if problems := _bytes_problems(r):
                missing.append((method, template, r.status_code, problems))
    for method, path in (("GET", "/api/v1/no-such-thing"), ("PUT", "/api/v1/auth/me")):
        r = await owner.client.request(method, path, headers=owner.headers)
        statuses.add(r.status_code)
        missing += [(method, path, r.status_code, p) for p in _bytes_problems(r)]
    assert missing == [], "(method, route, status, what is missing)"
    assert {200, 401, 404, 405} <= statuses, statuses
