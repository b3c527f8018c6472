"""What an attacker tries first, kept refused: forged and unsigned tokens,
deeply nested and oversized JSON, open redirects after sign-in, and markup in
names shown on the web pages. On SQLite and PostgreSQL."""

from __future__ import annotations

import base64
import json
import re

import jwt

from tests.support.api import PASSWORD, create_project, register


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


async def test_forged_and_unsigned_tokens_are_refused(client):
    owner = await register(client)
    claims = jwt.decode(owner.access, options={"verify_signature": False})
    unsigned = f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(claims)}."
    forged = jwt.encode(claims, "not-the-server-secret-but-long-enough!!", algorithm="HS256")
    header, _payload, signature = owner.access.split(".")
    other = {**claims, "sub": claims["sub"][:-1] + ("0" if claims["sub"][-1] != "0" else "1")}
    tampered = f"{header}.{_b64(other)}.{signature}"
    for token in (unsigned, forged, tampered, "garbage", ""):
        r = await client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 401, (token[:40], r.status_code)
    assert (await owner.get("/api/v1/auth/me")).status_code == 200


async def test_deeply_nested_and_malformed_json_is_a_400(client):
    owner = await register(client)
    deep = "[" * 100_000 + "]" * 100_000
    for body in (deep, '{"deviceId": "d", "entries": [', '{"deviceId": "d"' + "}" * 50_000):
        r = await client.post(
            "/api/v1/sync/batch",
            content=body,
            headers={**owner.headers, "Content-Type": "application/json"},
        )
        assert r.status_code == 400, (body[:30], r.status_code, r.text[:200])
        assert r.json()["detail"]


async def test_sign_in_never_redirects_off_site(client):
    owner = await register(client)
    for target in (
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example",
        "\\\\evil.example",
        "javascript:alert(1)",
        "/%2F%2Fevil.example",
    ):
        client.cookies.clear()
        page = await client.get("/login")
        csrf = re.search(r'name="_csrf" value="([^"]+)"', page.text).group(1)
        r = await client.post(
            "/login",
            data={"_csrf": csrf, "email": owner.email, "password": PASSWORD, "next": target},
            follow_redirects=False,
        )
        location = r.headers.get("location", "")
        assert (
            r.status_code == 303
            and location.startswith("/")
            and not location.startswith(("//", "/\\"))
        ), (target, location)
    client.cookies.clear()


async def test_names_with_markup_are_escaped_on_the_pages(client):
    owner = await register(client)
    evil = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    project = await create_project(owner, evil)
    customer = (await owner.post("/api/v1/customers", json={"name": evil})).json()
    task = (
        await owner.post(
            f"/api/v1/projects/{project['id']}/tasks",
            json={"name": evil, "description": evil, "tags": [evil[:40]], "ticketKey": evil[:60]},
        )
    ).json()
    r = await owner.patch(f"/api/v1/tasks/{task['id']}", json={"assigneeId": owner.user_id})
    assert r.status_code == 200
    r = await owner.patch(f"/api/v1/members/{owner.user_id}", json={"name": evil})
    assert r.status_code == 200
    client.cookies.clear()
    page = await client.get("/login")
    csrf = re.search(r'name="_csrf" value="([^"]+)"', page.text).group(1)
    await client.post("/login", data={"_csrf": csrf, "email": owner.email, "password": PASSWORD})
    for path in (
        "/app",
        "/app/settings",
        "/app/reports",
        f"/app/people/{owner.user_id}",
        "/app/customers",
        f"/app/customers/{customer['id']}",
        "/app/projects",
        f"/app/projects/{project['id']}",
        "/app/tasks",
        f"/app/tasks/{task['id']}",
        "/app/time",
        "/app/approvals",
        "/app/analytics",
        f"/app/analytics/projects/{project['id']}",
    ):
        page = await client.get(path)
        html = page.text
        assert page.status_code == 200 and "&lt;script&gt;" in html, path
        assert "<script>alert" not in html and "<img src=x" not in html, path
    client.cookies.clear()
