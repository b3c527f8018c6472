"""The real `hubnity` console script against a real `hubnity-server` process,
on SQLite and PostgreSQL. Access tokens live 2 seconds on these servers, so
the CLI's transparent refresh is exercised all along."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.api import PASSWORD, unique_email
from tests.support.process import VENV_BIN, ServerProcess, run_server
from tests.support.services import create_pg_database, drop_pg_database
from tests.support.signup import sign_up

ACCESS_TTL = 2
SERVER_ENV = {
    "JWT_SECRET": "e2e-secret-e2e-secret-e2e-secret-0123456789",
    "ACCESS_TOKEN_TTL": str(ACCESS_TTL),
    "LOGIN_RATE_LIMIT": "100000/min",
    "SYNC_RATE_LIMIT": "100000/min",
    "EXPORT_RATE_LIMIT": "1000/hour",
}


def cli_command() -> list[str]:
    exe = VENV_BIN / "hubnity"
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "cli"]


@contextmanager
def real_server(kind: str, data_dir: Path) -> Iterator[ServerProcess]:
    env = dict(SERVER_ENV)
    name = None
    if kind == "postgres":
        from server.db.migrate import upgrade

        name, url = create_pg_database("hubnity_cli")
        upgrade(url)
        env["DATABASE_URL"] = url
    try:
        with run_server(data_dir, env) as srv:
            yield srv
    finally:
        if name:
            drop_pg_database(name)


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    with real_server(request.param, tmp_path_factory.mktemp("cli-server")) as srv:
        yield srv


@dataclass
class Org:
    """An organization registered over the API, with its owner's tokens."""

    server: str
    email: str
    access: str
    refresh: str
    name: str

    @property
    def headers(self) -> dict[str, str]:
        # A fresh token each time: the server's tokens live only seconds here.
        r = httpx.post(
            f"{self.server}/api/v1/auth/login", json={"email": self.email, "password": PASSWORD}
        )
        assert r.status_code == 200, r.text
        return {"Authorization": f"Bearer {r.json()['accessToken']}"}

    def get(self, path: str, **kw: Any) -> Any:
        r = httpx.get(f"{self.server}{path}", headers=self.headers, **kw)
        assert r.status_code == 200, r.text
        return r.json()

    def post(self, path: str, body: Any) -> Any:
        r = httpx.post(f"{self.server}{path}", json=body, headers=self.headers)
        assert r.status_code in (200, 201), r.text
        return r.json()

    def invite(self, role: str = "MEMBER", name: str = "Member") -> Org:
        """Someone else in this organization, signed up through an invitation."""
        email = unique_email(role.lower())
        body = self.post("/api/v1/members", {"email": email, "name": name, "role": role})
        r = httpx.post(
            f"{self.server}/api/v1/auth/accept-invite",
            json={"token": body["invitationToken"], "password": PASSWORD},
        )
        assert r.status_code == 200, r.text
        pair = r.json()
        return Org(self.server, email, pair["accessToken"], pair["refreshToken"], self.name)


def register(server: ServerProcess, org_name: str) -> Org:
    email = unique_email("owner")
    body = sign_up(
        server.url, server.data_dir, email, PASSWORD, name=f"Owner of {org_name}",
        organization=org_name,
    )
    return Org(server.url, email, body["accessToken"], body["refreshToken"], org_name)


@dataclass
class Cli:
    home: Path

    @property
    def config_dir(self) -> Path:
        return self.home / "xdg-config" / "hubnity"

    def env(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("HUBNITY_")}
        env.update(
            HOME=str(self.home),
            XDG_CONFIG_HOME=str(self.home / "xdg-config"),
            XDG_DATA_HOME=str(self.home / "xdg-data"),
            # No desktop keyring here: keyring's own switch makes that certain,
            # so the tokens go to the 0600 file fallback.
            PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring",
            COLUMNS="200",
        )
        env.update(extra or {})
        return env

    def run(
        self,
        *args: str,
        stdin: str | None = None,
        env: dict[str, str] | None = None,
        timeout: float = 120,
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*cli_command(), *args],
            input=stdin,
            capture_output=True,
            text=True,
            env=self.env(env),
            cwd=self.home,
            timeout=timeout,
        )

    def ok(self, *args: str, **kw: Any) -> str:
        proc = self.run(*args, **kw)
        assert proc.returncode == 0, (args, proc.returncode, proc.stdout, proc.stderr)
        return proc.stdout

    def json(self, *args: str, **kw: Any) -> Any:
        return json.loads(self.ok(*args, "--json", **kw))

    def login(self, profile: str, org: Org) -> None:
        self.ok(
            "login",
            "--profile",
            profile,
            "--server",
            org.server,
            "--email",
            org.email,
            "--password-stdin",
            stdin=PASSWORD + "\n",
        )

    def credentials(self) -> dict[str, Any]:
        raw = json.loads((self.config_dir / "credentials.json").read_text())
        return {name: json.loads(value) for name, value in raw.items()}


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    home = tmp_path / "home"
    home.mkdir()
    return Cli(home)
