from __future__ import annotations

from tests.support.api import PASSWORD, register, unique_email


async def test_register_login_me(client):
    owner = await register(client, "Acme")
    r = await owner.get("/api/v1/auth/me")
    assert r.status_code == 200
    me = r.json()
    assert me["role"] == "OWNER" and me["organization"]["name"] == "Acme"
    r = await client.post("/api/v1/auth/login", json={"email": owner.email.upper(), "password": PASSWORD})
    assert r.status_code == 200
    assert r.json()["tokenType"] == "Bearer" and r.json()["expiresIn"] == 900
