"""LDAP sign-in against a real OpenLDAP slapd started by the tests, on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from server.db.models import AuditLog, User
from tests.support.api import PASSWORD, Account, register
from tests.support.process import free_port
from tests.support.slapd import USERS, Directory, slapd


@pytest.fixture(scope="session")
def directory() -> Iterator[Directory]:
    with slapd() as d:
        yield d


@dataclass
class LdapApp:
    client: Any
    owner: Account
    directory: Directory


async def _app(backend: str, data_dir: Path, env: dict[str, str]) -> Any:
    from litestar.testing import AsyncTestClient

    from server.app import create_app
    from tests.conftest import make_settings

    return AsyncTestClient(app=create_app(make_settings(backend, data_dir, **env)), timeout=60)


@pytest.fixture(scope="session")
async def ldap_app(
    backend: str, session_tmp: Path, directory: Directory, client: Any
) -> AsyncIterator[LdapApp]:
    owner = await register(client, "Directory Org")
    data_dir = session_tmp / f"ldap-{uuid.uuid4().hex[:6]}"
    async with await _app(backend, data_dir, directory.env(owner.org_id)) as c:
        owner.client = c
        yield LdapApp(c, owner, directory)


async def _login(app: LdapApp, login: str, password: str) -> Any:
    return await app.client.post("/api/v1/auth/login", json={"email": login, "password": password})


def _password(login: str) -> str:
    return USERS[login][2]


async def test_first_sign_in_creates_the_member_with_the_role_of_their_groups(ldap_app, db):
    r = await _login(ldap_app, "ada", _password("ada"))
    assert r.status_code == 200, r.text
    me = (
        await ldap_app.client.get(
            "/api/v1/auth/me", headers={"Authorization": f"Bearer {r.json()['accessToken']}"}
        )
    ).json()
    assert me["email"] == "ada@hubnity.test" and me["name"] == "Ada Lovelace"
    assert me["role"] == "ADMIN" and me["organization"]["id"] == ldap_app.owner.org_id
    async with db() as s:
        user = (await s.execute(select(User).where(User.email == "ada@hubnity.test"))).scalar_one()
        created = (
            (
                await s.execute(
                    select(AuditLog.action).where(
                        AuditLog.target_id == str(user.id),
                        AuditLog.action == "member.created_from_directory",
                    )
                )
            )
            .scalars()
            .all()
        )
    assert user.auth_source == "ldap" and user.password_hash is None  # never stored
    assert len(created) == 1
    # The second sign-in finds the same person.
    r = await _login(ldap_app, "ada", _password("ada"))
    assert r.status_code == 200
    members = (await ldap_app.owner.get("/api/v1/members")).json()["items"]
    ada = [m for m in members if m["email"] == "ada@hubnity.test"]
    assert len(ada) == 1 and ada[0]["invited"] is False


async def test_groups_map_to_roles_and_the_directory_stays_authoritative(ldap_app):
    r = await _login(ldap_app, "grace", _password("grace"))
    assert r.status_code == 200
    grace = next(
        m
        for m in (await ldap_app.owner.get("/api/v1/members")).json()["items"]
        if m["email"] == "grace@hubnity.test"
    )
    assert grace["role"] == "MANAGER"
    assert (await _login(ldap_app, "linus", _password("linus"))).status_code == 200
    r = await ldap_app.owner.patch(f"/api/v1/members/{grace['id']}", json={"role": "MEMBER"})
    assert r.status_code == 200
    await _login(ldap_app, "grace", _password("grace"))
    r = await ldap_app.owner.get(f"/api/v1/members/{grace['id']}")
    assert r.json()["role"] == "MANAGER"  # the directory's groups win at sign-in


@pytest.mark.parametrize(
    "login",
    ["*", "ada)(uid=*", "ada,ou=people", "*)(|(uid=*", "ada\\", "#ada", " ", "ad*"],
)
async def test_injection_characters_in_the_login_are_escaped(ldap_app, login):
    r = await _login(ldap_app, login, _password("ada"))
    assert r.status_code == 401, (login, r.text)


async def test_wrong_or_empty_password_and_deactivated_people_are_refused(ldap_app):
    assert (await _login(ldap_app, "ada", "not the password")).status_code == 401
    # An empty password would be an "unauthenticated bind" the server accepts.
    r = await ldap_app.client.post("/api/v1/auth/login", json={"email": "ada", "password": ""})
    assert r.status_code == 401
    r = await _login(ldap_app, "nomail", _password("nomail"))
    assert r.status_code == 400 and "no email address" in r.json()["detail"]
    assert (await _login(ldap_app, "linus", _password("linus"))).status_code == 200
    linus = next(
        m
        for m in (await ldap_app.owner.get("/api/v1/members")).json()["items"]
        if m["email"] == "linus@hubnity.test"
    )
    await ldap_app.owner.patch(f"/api/v1/members/{linus['id']}", json={"active": False})
    assert (await _login(ldap_app, "linus", _password("linus"))).status_code == 401
    await ldap_app.owner.patch(f"/api/v1/members/{linus['id']}", json={"active": True})
    assert (await _login(ldap_app, "linus", _password("linus"))).status_code == 200


async def test_local_accounts_still_sign_in_and_directory_accounts_have_no_local_password(
    ldap_app,
):
    r = await _login(ldap_app, ldap_app.owner.email, PASSWORD)
    assert r.status_code == 200
    r = await _login(ldap_app, "ada", _password("ada"))
    headers = {"Authorization": f"Bearer {r.json()['accessToken']}"}
    r = await ldap_app.client.put(
        "/api/v1/auth/password",
        json={"currentPassword": _password("ada"), "newPassword": "a local password now"},
        headers=headers,
    )
    assert r.status_code == 400 and "directory" in r.json()["detail"]
    # The directory email as a password login does not work either.
    r = await _login(ldap_app, "ada@hubnity.test", _password("ada"))
    assert r.status_code == 401


async def test_tls_and_a_directory_that_is_down(backend, session_tmp, directory, ldap_app):
    org = ldap_app.owner.org_id
    cases = [
        # StartTLS on ldap:// and implicit TLS on ldaps://, both verified against the CA.
        (
            directory.env(
                org, LDAP_URL=directory.url.replace("127.0.0.1", "localhost"), LDAP_START_TLS="true"
            ),
            200,
            None,
        ),
        (directory.env(org, LDAP_URL=directory.ldaps_url), 200, None),
        # A certificate nobody vouches for is not trusted.
        (
            {**directory.env(org, LDAP_URL=directory.ldaps_url), "LDAP_CA_FILE": ""},
            503,
            "cannot be reached",
        ),
        # Nothing listens: a clear 503, not "wrong password".
        (
            directory.env(org, LDAP_URL=f"ldap://127.0.0.1:{free_port()}", LDAP_TIMEOUT="2"),
            503,
            "cannot be reached",
        ),
    ]
    for env, status, detail in cases:
        data_dir = session_tmp / f"ldap-tls-{uuid.uuid4().hex[:6]}"
        async with await _app(backend, data_dir, env) as c:
            r = await c.post(
                "/api/v1/auth/login", json={"email": "grace", "password": _password("grace")}
            )
            assert r.status_code == status, (env, r.text)
            if detail:
                assert detail in r.json()["detail"]


async def test_web_sign_in_with_a_directory_login(ldap_app):
    from tests.integration.web.test_web_session import _sign_in

    page = await ldap_app.client.get("/login")
    assert "Email or directory login" in page.text and 'type="text" name="email"' in page.text
    r = await _sign_in(ldap_app.client, "grace", "wrong password")
    assert r.status_code == 401 and "do not match" in r.text
    r = await _sign_in(ldap_app.client, "grace", _password("grace"))
    assert r.status_code == 303 and r.headers["location"] == "/app/reports"
    account = await ldap_app.client.get("/app/account")
    assert "Grace Hopper" in account.text and "directory (LDAP)" in account.text
    ldap_app.client.cookies.clear()


async def test_web_sign_in_says_when_the_directory_is_down(backend, session_tmp, ldap_app):
    from tests.integration.web.test_web_session import _sign_in

    env = ldap_app.directory.env(
        ldap_app.owner.org_id, LDAP_URL=f"ldap://127.0.0.1:{free_port()}", LDAP_TIMEOUT="2"
    )
    async with await _app(backend, session_tmp / f"ldap-down-{uuid.uuid4().hex[:6]}", env) as c:
        r = await _sign_in(c, "grace", _password("grace"))
        assert r.status_code == 503 and "cannot be reached" in r.text


async def test_directory_accounts_answer_like_unknown_addresses(backend, session_tmp, ldap_app):
    """No answer tells a directory login, a directory account's email or a local
    account from an unknown one: each is counted and blocked alike, with the LDAP
    directory on (the directory bind is tried) and off (no distinct message)."""
    import asyncio

    from tests.support.lockout import BLOCK, TRIES, assert_alike, lockout_env

    for login in ("ada", "grace"):  # they exist here (and ada's count starts again)
        assert (await _login(ldap_app, login, _password(login))).status_code == 200
    owner, nobody = ldap_app.owner.email, f"nobody{uuid.uuid4().hex[:6]}"
    on = lockout_env(**ldap_app.directory.env(ldap_app.owner.org_id))
    async with await _app(backend, session_tmp / f"ldap-lock-{uuid.uuid4().hex[:6]}", on) as c:
        app = LdapApp(c, ldap_app.owner, ldap_app.directory)
        answers: dict[str, list[Any]] = {login: [] for login in ("ada", nobody, owner)}
        for i in range(TRIES):
            for login, got in answers.items():
                got.append(await _login(app, login, f"wrong guess {i}"))
        assert_alike(answers["ada"], answers[nobody])
        assert_alike(answers[owner], answers[nobody])
        # The directory login is blocked for real, even with the right password ...
        assert (await _login(app, "ada", _password("ada"))).status_code == 429
        await asyncio.sleep(BLOCK + 0.2)
        # ... until the block ends; then the directory bind signs ada in.
        assert (await _login(app, "ada", _password("ada"))).status_code == 200
        assert (await _login(app, owner, PASSWORD)).status_code == 200
    # Without LDAP_URL, a directory account's email is just a failed sign-in
    # (grace's: no other test signs in with it, so its count starts at zero).
    off = lockout_env()
    async with await _app(backend, session_tmp / f"ldap-off-{uuid.uuid4().hex[:6]}", off) as c:
        app = LdapApp(c, ldap_app.owner, ldap_app.directory)
        directory_email, unknown = "grace@hubnity.test", f"{nobody}@example.test"
        grace, other = [], []
        for i in range(TRIES):
            grace.append(await _login(app, directory_email, f"wrong guess {i}"))
            other.append(await _login(app, unknown, f"wrong guess {i}"))
        assert_alike(grace, other)
        await asyncio.sleep(BLOCK + 0.2)
