"""Reaching the local PostgreSQL and Redis; in CI a missing service is a failure."""

from __future__ import annotations

import os
import socket
import uuid

import pytest

PG_HOST = os.environ.get("HUBNITY_TEST_PG_HOST", "127.0.0.1")
PG_PORT = int(os.environ.get("HUBNITY_TEST_PG_PORT", "5432"))
PG_USER = os.environ.get("HUBNITY_TEST_PG_USER", "postgres")
REDIS_URL = os.environ.get("HUBNITY_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=2):
            return True
    except OSError:
        return False


def require_service(name: str, host: str, port: int) -> None:
    if _reachable(host, port):
        return
    message = f"{name} is not reachable on {host}:{port}"
    if in_ci():
        pytest.fail(f"{message}; CI must run it (see .ci/run)", pytrace=False)
    pytest.skip(f"SKIPPED LOUDLY: {message}; start it to run these tests")


def require_postgres() -> None:
    require_service("PostgreSQL", PG_HOST, PG_PORT)


def require_redis() -> None:
    host_port = REDIS_URL.split("//", 1)[1].split("/", 1)[0]
    host, _, port = host_port.partition(":")
    require_service("Redis", host, int(port or 6379))


def pg_admin_dsn() -> str:
    return f"postgresql://{PG_USER}@{PG_HOST}:{PG_PORT}/postgres"


def create_pg_database(prefix: str = "hubnity_test") -> tuple[str, str]:
    """Creates a fresh database; returns (name, async SQLAlchemy URL)."""
    import psycopg

    require_postgres()
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(pg_admin_dsn(), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return name, f"postgresql+asyncpg://{PG_USER}@{PG_HOST}:{PG_PORT}/{name}"


def drop_pg_database(name: str) -> None:
    import psycopg

    with psycopg.connect(pg_admin_dsn(), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
