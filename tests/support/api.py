"""A thin API client for tests: registers organizations and calls endpoints."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from tests.support.signup import sign_up_async, sign_up_in_app

PASSWORD = "correct horse battery"


@dataclass
class Account:
    client: Any  # httpx.AsyncClient or litestar AsyncTestClient
    email: str
    access: str
    refresh: str
    user_id: str = ""
    org_id: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access}"}

    async def get(self, url: str, **kw: Any) -> httpx.Response:
        return await self.client.get(url, headers={**self.headers, **kw.pop("headers", {})}, **kw)

    async def post(self, url: str, **kw: Any) -> httpx.Response:
        return await self.client.post(url, headers={**self.headers, **kw.pop("headers", {})}, **kw)

    async def patch(self, url: str, **kw: Any) -> httpx.Response:
        return await self.client.patch(url, headers={**self.headers, **kw.pop("headers", {})}, **kw)

    async def put(self, url: str, **kw: Any) -> httpx.Response:
        return await self.client.put(url, headers={**self.headers, **kw.pop("headers", {})}, **kw)

    async def delete(self, url: str, **kw: Any) -> httpx.Response:
        return await self.client.delete(
            url, headers={**self.headers, **kw.pop("headers", {})}, **kw
        )


def unique_email(tag: str = "user") -> str:
    return f"{tag}-{uuid.uuid4().hex[:10]}@example.test"


async def _fill(account: Account) -> Account:
    me = (await account.get("/api/v1/auth/me")).json()
    account.user_id = me["id"]
    account.org_id = me["organization"]["id"]
    return account


async def register(
    client: Any, org_name: str = "Acme", timezone: str = "UTC", *, data_dir: Path | None = None
) -> Account:
    """A new organization's owner, through the real sign-up (register, the mailed
    link, confirm): of the in-process app behind a Litestar test client, or, with
    `data_dir`, of the server process `client` (httpx) talks to, whose mail goes there."""
    email = unique_email("owner")
    if data_dir is None:
        body = await sign_up_in_app(
            client, email, PASSWORD, organization=org_name, timezone=timezone
        )
    else:
        body = await sign_up_async(
            client, data_dir, email, PASSWORD, organization=org_name, timezone=timezone
        )
    return await _fill(Account(client, email, body["accessToken"], body["refreshToken"]))


async def invite(owner: Account, role: str = "MEMBER", name: str = "Member") -> Account:
    email = unique_email(role.lower())
    r = await owner.post("/api/v1/members", json={"email": email, "name": name, "role": role})
    assert r.status_code == 201, r.text
    token = r.json()["invitationToken"]
    r = await owner.client.post(
        "/api/v1/auth/accept-invite", json={"token": token, "password": PASSWORD}
    )
    assert r.status_code == 200, r.text
    body = r.json()
    return await _fill(Account(owner.client, email, body["accessToken"], body["refreshToken"]))


async def create_project(admin: Account, name: str | None = None) -> dict[str, Any]:
    r = await admin.post("/api/v1/projects", json={"name": name or f"P-{uuid.uuid4().hex[:6]}"})
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]
