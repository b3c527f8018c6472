"""`hubnity-server create-organization`: a self-hoster's first organization,
with registration closed, the password never on the command line."""

from __future__ import annotations

import os
import re
import subprocess

import httpx

from tests.support.api import PASSWORD
from tests.support.process import run_server, server_command


def _create(env: dict[str, str], *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*server_command(), "create-organization", *extra],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        stdin=subprocess.DEVNULL,
    )


def test_create_organization_with_registration_closed(tmp_path):
    data_dir = tmp_path / "data"
    env = {
        **{k: v for k, v in os.environ.items() if k != "DATABASE_URL"},
        "HUBNITY_DATA_DIR": str(data_dir),
        "ALLOW_REGISTRATION": "false",
        "JWT_SECRET": "e2e-secret-e2e-secret-e2e-secret-0123456789",
    }
    args = (
        "--organization",
        "Self Hosted Ltd",
        "--email",
        "Boss@Example.test",
        "--name",
        "Bo Boss",
        "--timezone",
        "Europe/Berlin",
    )
    # No password in the environment and no terminal to ask on: refused, nothing made.
    done = _create(env, *args)
    assert done.returncode == 1 and "HUBNITY_OWNER_PASSWORD" in done.stderr, done.stderr
    weak = _create({**env, "HUBNITY_OWNER_PASSWORD": "password"}, *args)
    assert weak.returncode == 1 and "password" in weak.stderr, weak.stderr
    missing = _create({**env, "HUBNITY_OWNER_PASSWORD": PASSWORD}, "--organization", "X")
    assert missing.returncode == 2 and "--email" in missing.stderr

    done = _create({**env, "HUBNITY_OWNER_PASSWORD": PASSWORD}, *args)
    assert done.returncode == 0, done.stderr
    org_id = re.search(r"^organization_id=(\S+)$", done.stdout, re.M)
    owner_id = re.search(r"^owner_id=(\S+)$", done.stdout, re.M)
    assert org_id and owner_id, done.stdout
    again = _create({**env, "HUBNITY_OWNER_PASSWORD": PASSWORD}, *args)
    assert again.returncode == 1 and "already exists" in again.stderr, again.stderr

    with run_server(
        data_dir, {"ALLOW_REGISTRATION": "false", "JWT_SECRET": env["JWT_SECRET"]}
    ) as srv:
        r = httpx.post(
            f"{srv.url}/api/v1/auth/login",
            json={"email": "boss@example.test", "password": PASSWORD},
            timeout=60,
        )
        assert r.status_code == 200, r.text
        me = httpx.get(
            f"{srv.url}/api/v1/auth/me",
            headers={"Authorization": f"Bearer {r.json()['accessToken']}"},
            timeout=60,
        ).json()
        assert me["id"] == owner_id.group(1) and me["role"] == "OWNER"
        assert me["organization"] == {"id": org_id.group(1), "name": "Self Hosted Ltd"}
        assert me["timezone"] == "Europe/Berlin"
        # The API's own sign-up stays closed.
        r = httpx.post(
            f"{srv.url}/api/v1/auth/register",
            json={
                "email": "x@example.test",
                "name": "X",
                "organizationName": "X",
            },
            timeout=60,
        )
        assert r.status_code == 403
