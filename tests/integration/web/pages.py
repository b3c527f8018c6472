"""Signing in to the web pages from a test client, and posting their forms."""

from __future__ import annotations

import re
from typing import Any

from tests.support.api import PASSWORD


def csrf_of(html: str) -> str:
    m = re.search(r'name="_csrf" value="([^"]+)"', html)
    assert m, html[:500]
    return m.group(1)


async def web_sign_in(client: Any, email: str) -> str:
    """Signs in (a fresh cookie jar) and returns the session's CSRF token."""
    client.cookies.clear()
    page = await client.get("/login")
    r = await client.post(
        "/login", data={"_csrf": csrf_of(page.text), "email": email, "password": PASSWORD}
    )
    assert r.status_code == 200, r.text[:300]
    return csrf_of(r.text)


async def post_form(client: Any, csrf: str, path: str, **fields: str) -> Any:
    """Posts a form without following the redirect: 303 means it went through."""
    return await client.post(path, data={"_csrf": csrf, **fields}, follow_redirects=False)
