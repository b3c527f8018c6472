"""`hubnity-server --workers N`: several processes stay one server.

With PostgreSQL and Redis (the only setup that allows it), requests spread
over real worker processes, and what must be shared is: the sync rate limit
counts one user's requests across processes, the per-user lock serializes one
user's batches across processes (no overlapping entries, each key stored
once). SQLite or a missing Redis refuse to start with a readable message.
"""

from __future__ import annotations

import os
import subprocess
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from tests.support.api import PASSWORD, unique_email
from tests.support.process import ServerProcess, free_port, serve, server_command
from tests.support.services import REDIS_URL, create_pg_database, drop_pg_database, require_redis
from tests.support.signup import create_organization
from tests.support.sync import BASE, batch, entry

SECRET = "workers-secret-workers-secret-workers-0123"
SYNC = "/api/v1/sync/batch"
RATE = 12


def _children(pid: int) -> list[int]:
    found = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                stat = (d / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(d.name))
    return found


def _bytes_read(pid: int) -> int:
    """Bytes the process read through system calls (sockets included): an idle
    worker reads nothing, one that served a request read at least its body."""
    for line in Path(f"/proc/{pid}/io").read_text().splitlines():
        if line.startswith("rchar:"):
            return int(line.split()[1])
    raise AssertionError(f"no rchar in /proc/{pid}/io")


@pytest.fixture
def two_workers(tmp_path):
    require_redis()
    from server.db.migrate import upgrade

    name, url = create_pg_database("hubnity_workers")
    upgrade(url)
    port = free_port()
    env = {
        **os.environ,
        "HUBNITY_DATA_DIR": str(tmp_path / "data"),
        "DATABASE_URL": url,
        "REDIS_URL": REDIS_URL,
        "REDIS_PREFIX": f"hubnity-test-{uuid.uuid4().hex[:8]}:",
        "JWT_SECRET": SECRET,
        "SYNC_RATE_LIMIT": f"{RATE}/hour",
        "LOG_JSON": "true",
    }
    argv = [*server_command(), "--port", str(port), "--workers", "2"]
    try:
        with serve(argv, env, port, tmp_path / "server.log") as srv:
            yield srv
    finally:
        drop_pg_database(name)


def _sign_up(server: ServerProcess) -> dict[str, str]:
    """An owner made by `hubnity-server create-organization`: the sign-up mail
    is a job, and no `hubnity-worker` runs Redis's queue here."""
    pair = create_organization(
        server_command(), server.env, server.url, unique_email(), PASSWORD,
        name="Wanda", organization="Workers",
    )
    return {"Authorization": f"Bearer {pair['accessToken']}"}


def _post_each_on_a_new_connection(base: str, headers: dict[str, str], bodies: list[dict]):
    def send(body: dict) -> httpx.Response:
        with httpx.Client(timeout=60) as c:  # a new connection: any worker may accept it
            return c.post(f"{base}{SYNC}", json=body, headers=headers)

    with ThreadPoolExecutor(max_workers=len(bodies)) as pool:
        return list(pool.map(send, bodies))


def test_two_workers_share_rate_limit_and_per_user_lock(two_workers):
    base = two_workers.url
    workers = [
        p
        for p in _children(two_workers.proc.pid)
        if "spawn_main" in Path(f"/proc/{p}/cmdline").read_text()
    ]
    assert len(workers) == 2, workers
    if time.time() % 3600 > 3600 - 30:  # keep the hour's rate window for the whole test
        time.sleep(31)
    before = {p: _bytes_read(p) for p in workers}

    # Per-user lock: eight different entries over the same hour, sent at once on
    # eight connections. Exactly one may be stored; the others are overlaps.
    owner = _sign_up(two_workers)
    clashing = [batch([entry(BASE + timedelta(minutes=i), 60)]) for i in range(8)]
    answers = [r.json() for r in _post_each_on_a_new_connection(base, owner, clashing)]
    assert sum(a["processed"] for a in answers) == 1, answers
    reasons = [c["reason"] for a in answers for c in a["conflicts"]]
    assert reasons == ["overlap"] * 7, answers

    # Rate limit: RATE sync requests per minute per user, counted across workers
    # (8 used above). Eight more: exactly four pass, four get 429 + Retry-After.
    later = [batch([entry(BASE + timedelta(days=1, hours=i), 30)]) for i in range(8)]
    responses = _post_each_on_a_new_connection(base, owner, later)
    codes = sorted(r.status_code for r in responses)
    assert codes == [200] * (RATE - 8) + [429] * 4, codes
    assert all(int(r.headers["retry-after"]) >= 1 for r in responses if r.status_code == 429)

    # Both processes served: the test above was not one worker in disguise.
    # An idle worker reads ~50 bytes a second (timers); a served sync reads KiBs.
    assert all(_bytes_read(p) > before[p] + 3000 for p in workers), before


@pytest.mark.parametrize("database", ["sqlite", "postgres-without-redis"])
def test_workers_need_postgres_and_redis(tmp_path, database):
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "REDIS_URL", "REDIS_HOST", "REDIS_PORT")
    } | {"HUBNITY_DATA_DIR": str(tmp_path), "JWT_SECRET": SECRET}
    if database != "sqlite":
        env["DATABASE_URL"] = "postgresql+asyncpg://postgres@127.0.0.1:5432/never_connected"
    proc = subprocess.run(
        [*server_command(), "--port", str(free_port()), "--workers", "2"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    needed = "PostgreSQL" if database == "sqlite" else "Redis"
    assert f"--workers above 1 needs {needed}" in proc.stderr
