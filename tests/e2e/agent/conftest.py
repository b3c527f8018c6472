"""A real `hubnity-server` process that a test can stop and start again on
the same port and data dir, an account with a project, and a reader of the
server's own rows (its SQLite database, or PostgreSQL for `db_server`) to
compare with the agent's record."""

from __future__ import annotations

import io
import os
import re
import socket
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.signup import sign_up

VENV_BIN = Path(sys.executable).parent
PASSWORD = "correct horse battery staple 42"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    def __init__(self, data_dir: Path, database_url: str | None = None) -> None:
        self.data_dir = data_dir
        self.database_url = database_url  # None: the embedded SQLite database
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = data_dir / "server.log"

    def start(self) -> None:
        exe = VENV_BIN / "hubnity-server"
        cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "server.cli"]
        env = {
            **os.environ,
            "HUBNITY_DATA_DIR": str(self.data_dir),
            "LOG_JSON": "true",
            "JWT_SECRET": "agent-e2e-secret-agent-e2e-secret-0123456789",
            "SYNC_RATE_LIMIT": "100000/min",
            "LOGIN_RATE_LIMIT": "100000/min",
        }
        env.pop("DATABASE_URL", None)
        env.pop("REDIS_URL", None)
        if self.database_url:
            env["DATABASE_URL"] = self.database_url
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(
                [*cmd, "--port", str(self.port)], env=env, stdout=log, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{self.url}/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"server did not start:\n{self.log.read_text()[-3000:]}")
            time.sleep(0.1)

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
            self.proc = None

    def db(self) -> sqlite3.Connection:
        return sqlite3.connect(f"file:{self.data_dir / 'hubnity.db'}?mode=ro", uri=True)

    def rows(self, sql: str, param: str) -> list[Any]:
        """Rows of SQLite-flavoured `sql` with its one `?` parameter, on
        whichever database the server uses (UUID columns compared as text)."""
        if not self.database_url:
            with self.db() as db:
                return db.execute(sql, (param,)).fetchall()
        import psycopg

        pg = re.sub(r"replace\(([\w.]+), '-', ''\)", r"replace(\1::text, '-', '')", sql)
        dsn = self.database_url.replace("postgresql+asyncpg://", "postgresql://")
        with psycopg.connect(dsn) as conn:
            return conn.execute(pg.replace("?", "%s"), (param,)).fetchall()


@dataclass
class Account:
    email: str
    user_id: str
    access: str
    project_id: str
    task_id: str
    other_project_id: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access}"}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    srv = Server(tmp_path_factory.mktemp("server"))
    srv.start()
    yield srv
    srv.stop()


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def db_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    """`server` on either database: the embedded SQLite one or a fresh,
    migrated PostgreSQL database (production runs migrations as a step)."""
    if request.param == "sqlite":
        srv = Server(tmp_path_factory.mktemp("server"))
        srv.start()
        yield srv
        srv.stop()
        return
    from server.db.migrate import upgrade
    from tests.support.services import create_pg_database, drop_pg_database

    name, url = create_pg_database("hubnity_agent_e2e")
    try:
        upgrade(url)
        srv = Server(tmp_path_factory.mktemp("server"), url)
        srv.start()
        yield srv
        srv.stop()
    finally:
        drop_pg_database(name)


def new_account(server: Server, **policy: object) -> Account:
    email = f"agent-{uuid.uuid4().hex[:10]}@e2e.hubnity.test"
    pair = sign_up(
        server.url,
        server.data_dir,
        email,
        PASSWORD,
        name="Agent Tester",
        organization=f"Agent E2E {uuid.uuid4().hex[:6]}",
    )
    access = pair["accessToken"]
    h = {"Authorization": f"Bearer {access}"}
    me = httpx.get(f"{server.url}/api/v1/auth/me", headers=h).json()
    p1 = httpx.post(f"{server.url}/api/v1/projects", json={"name": "Website"}, headers=h)
    p2 = httpx.post(f"{server.url}/api/v1/projects", json={"name": "Internal"}, headers=h)
    assert p1.status_code == 201 and p2.status_code == 201, (p1.text, p2.text)
    t = httpx.post(
        f"{server.url}/api/v1/projects/{p1.json()['id']}/tasks", json={"name": "Blog"}, headers=h
    )
    assert t.status_code == 201, t.text
    if policy:
        r = httpx.patch(f"{server.url}/api/v1/agent/config", json=policy, headers=h)
        assert r.status_code == 200, r.text
    return Account(email, me["id"], access, p1.json()["id"], t.json()["id"], p2.json()["id"])


def jpeg(color: tuple[int, int, int] = (30, 120, 200)) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (64, 48), color).save(buf, "JPEG")
    return buf.getvalue()


def user_rows(server: Server, user_id: str, sql: str) -> list[Any]:
    """The rows of `sql`, whose one `?` is compared with `replace(<user_id
    column>, '-', '')`: the server's SQLite keeps UUIDs as 32 hex digits."""
    return server.rows(sql, user_id.replace("-", ""))


def as_key(value: object) -> str:
    """A UUID column as the agent writes it."""
    return str(uuid.UUID(str(value)))


def utc(value: object) -> datetime:
    """A time column (naive UTC on SQLite) as an aware datetime."""
    t = datetime.fromisoformat(str(value))
    return t.replace(tzinfo=UTC) if t.tzinfo is None else t.astimezone(UTC)


def server_entries(server: Server, user_id: str) -> dict[str, tuple[int, str, str | None, str]]:
    """key -> (revision, start, end, status) as the server stored them (UTC, normalized)."""

    def norm(v: object) -> str | None:
        return None if v is None else utc(v).isoformat(timespec="milliseconds")

    rows = user_rows(
        server,
        user_id,
        "SELECT idempotency_key, revision, start_time, end_time, status FROM time_entries "
        "WHERE replace(user_id, '-', '') = ?",
    )
    return {as_key(k): (r, norm(s), norm(e), st) for k, r, s, e, st in rows}  # type: ignore[misc]


def server_activity(server: Server, user_id: str) -> dict[tuple[str, str], tuple[int, int, int]]:
    rows = user_rows(
        server,
        user_id,
        "SELECT t.idempotency_key, a.minute, a.keyboard_clicks, a.mouse_movements,"
        " a.active_seconds FROM activity_buckets a JOIN time_entries t"
        " ON t.id = a.time_entry_id WHERE replace(a.user_id, '-', '') = ?",
    )
    return {(as_key(k), utc(m).isoformat()): (kb, mm, act) for k, m, kb, mm, act in rows}


def server_screenshot_keys(server: Server, user_id: str) -> list[str]:
    rows = user_rows(
        server,
        user_id,
        "SELECT idempotency_key FROM screenshots WHERE replace(user_id, '-', '') = ?",
    )
    return [as_key(k) for (k,) in rows]


def server_screenshots(server: Server, user_id: str) -> dict[str, tuple[str, str, str]]:
    """key -> (sha256 of the bytes received, content type, capturedAt in ms)."""
    rows = user_rows(
        server,
        user_id,
        "SELECT idempotency_key, sha256, content_type, captured_at FROM screenshots"
        " WHERE replace(user_id, '-', '') = ?",
    )
    return {
        as_key(k): (sha, ctype, utc(at).isoformat(timespec="milliseconds"))
        for k, sha, ctype, at in rows
    }


def agent_entries(outbox) -> dict[str, tuple[int, str, str | None, str]]:  # type: ignore[no-untyped-def]
    from datetime import UTC

    def norm(t):  # type: ignore[no-untyped-def]
        return None if t is None else t.astimezone(UTC).isoformat(timespec="milliseconds")

    return {e.key: (e.revision, norm(e.start), norm(e.end), e.status) for e in outbox.all_entries()}


def agent_activity(outbox) -> dict[tuple[str, str], tuple[int, int, int]]:  # type: ignore[no-untyped-def]
    return {
        (a.entry_key, a.minute.isoformat()): (
            a.keyboard,
            a.mouse_moves + a.mouse_clicks,
            a.active_seconds,
        )
        for a in outbox.all_activity()
    }
