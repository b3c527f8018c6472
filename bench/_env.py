"""The benchmarks' own environment: server settings, PostgreSQL and Redis.

Benches import nothing from tests/: they build settings through the server's
public config API (`load_settings()` on an environment made here) and reach
the local services themselves. Services can be pointed elsewhere with
HUBNITY_BENCH_PG_HOST / _PG_PORT / _PG_USER and HUBNITY_BENCH_REDIS_URL.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

PG_HOST = os.environ.get("HUBNITY_BENCH_PG_HOST", "127.0.0.1")
PG_PORT = int(os.environ.get("HUBNITY_BENCH_PG_PORT", "5432"))
PG_USER = os.environ.get("HUBNITY_BENCH_PG_USER", "postgres")
REDIS_URL = os.environ.get("HUBNITY_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")

# Limits that never throttle a bench, and a fixed secret (no file in the data dir).
BENCH_ENV = {
    "LOGIN_RATE_LIMIT": "100000/min",
    "SYNC_RATE_LIMIT": "100000/min",
    "JWT_SECRET": "bench-secret-bench-secret-bench-secret-0123",
}

# Settings the server reads besides HUBNITY_* and S3_*: none may leak in from the
# shell that runs a bench (a developer's DATABASE_URL, say).
_SERVER_VARIABLES = frozenset({
    "DATABASE_URL", "DATABASE_ECHO", "JWT_SECRET", "REDIS_URL", "REDIS_HOST", "REDIS_PORT",
    "REDIS_PREFIX", "STORAGE_DIR", "BODY_SIZE_LIMIT", "SCREENSHOT_MAX_BYTES",
    "SYNC_RATE_LIMIT", "LOGIN_RATE_LIMIT", "GLOBAL_RATE_LIMIT", "ALLOW_REGISTRATION", "LOG_JSON",
})


def server_env(**overrides: str) -> dict[str, str]:
    """This process's environment without any server setting, plus BENCH_ENV and `overrides`."""
    env = {k: v for k, v in os.environ.items()
           if k not in _SERVER_VARIABLES and not k.startswith(("HUBNITY_", "S3_"))}
    return {**env, **BENCH_ENV, **overrides}


@contextmanager
def _environ(env: Mapping[str, str]) -> Iterator[None]:
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def bench_settings(db_url: str, data_dir: Path, **env: str) -> Any:
    """`server.runtime.config.load_settings()` on server_env() with this database and data dir."""
    from server.runtime.config import load_settings

    with _environ(server_env(DATABASE_URL=db_url, HUBNITY_DATA_DIR=str(data_dir), **env)):
        return load_settings()


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=2):
            return True
    except OSError:
        return False


def require_service(name: str, host: str, port: int) -> None:
    if not _reachable(host, port):
        raise SystemExit(f"{name} is not reachable on {host}:{port}; start it "
                         "(bash scripts/services.sh) and run the bench again")


def require_redis() -> None:
    host_port = REDIS_URL.split("//", 1)[1].split("/", 1)[0].rsplit("@", 1)[-1]
    host, _, port = host_port.partition(":")
    require_service("Redis", host, int(port or 6379))


def pg_dsn(database: str = "postgres") -> str:
    return f"postgresql://{PG_USER}@{PG_HOST}:{PG_PORT}/{database}"


def create_pg_database(prefix: str = "hubnity_bench") -> tuple[str, str]:
    """A fresh database; returns (name, async SQLAlchemy URL)."""
    import psycopg

    require_service("PostgreSQL", PG_HOST, PG_PORT)
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(pg_dsn(), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return name, f"postgresql+asyncpg://{PG_USER}@{PG_HOST}:{PG_PORT}/{name}"


def drop_pg_database(name: str) -> None:
    import psycopg

    with psycopg.connect(pg_dsn(), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
