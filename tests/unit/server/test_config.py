"""Configuration is validated at start with one-line messages."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from server.runtime.config import ConfigError, Rate, load_settings, parse_size


@pytest.fixture
def env(monkeypatch, tmp_path):
    for key in list(os.environ):
        if key.startswith(("HUBNITY_", "S3_", "REDIS_", "JWT_")) or key in ("DATABASE_URL",):
            monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("HUBNITY_DATA_DIR", str(tmp_path))
    return monkeypatch


def test_defaults_are_the_embedded_mode(env, tmp_path):
    s = load_settings()
    assert s.database.url == f"sqlite+aiosqlite:///{tmp_path / 'hubnity.db'}"
    assert s.redis.url is None and not s.storage.uses_s3
    assert s.server.host == "127.0.0.1" and s.server.port == 8000
    assert s.limits.upload == 50 * 1024 * 1024 and s.limits.default == 64 * 1024
    assert s.limits.sync == 48 * 1024 * 1024
    assert s.security.sync_rate == Rate(60, 60) and s.security.login_rate == Rate(5, 60)
    assert s.security.allow_registration is True
    # The generated JWT secret is kept, so a restart does not sign everyone out.
    assert load_settings().security.jwt_secret == s.security.jwt_secret
    assert (tmp_path / "jwt_secret").stat().st_mode & 0o777 == 0o600


def test_postgres_urls_are_normalized_and_redis_host_port(env):
    env.setenv("DATABASE_URL", "postgres://u@db/app_state")
    env.setenv("REDIS_HOST", "cache")
    env.setenv("REDIS_PORT", "6380")
    s = load_settings()
    assert s.database.url == "postgresql+asyncpg://u@db/app_state"
    assert s.redis.url == "redis://cache:6380/0"
    # Pool sizes: the engine's defaults unless set; 0 overflow is allowed.
    assert (s.database.pool_size, s.database.max_overflow) == (None, None)
    env.setenv("DB_POOL_SIZE", "30")
    env.setenv("DB_MAX_OVERFLOW", "0")
    db = load_settings().database
    assert (db.pool_size, db.max_overflow, db.pool_timeout) == (30, 0, 10)


@pytest.mark.parametrize(
    ("key", "value", "fragment"),
    [
        ("DATABASE_URL", "mysql://x/y", "DATABASE_URL"),
        ("BODY_SIZE_LIMIT", "fifty", "BODY_SIZE_LIMIT"),
        ("BODY_LIMIT_DEFAULT", "lots", "BODY_LIMIT_DEFAULT"),
        ("BODY_LIMIT_SYNC", "0", "BODY_LIMIT_SYNC"),
        ("SYNC_RATE_LIMIT", "0/min", "SYNC_RATE_LIMIT"),
        ("HUBNITY_PORT", "http", "HUBNITY_PORT"),
        ("ALLOW_REGISTRATION", "maybe", "ALLOW_REGISTRATION"),
        ("REDIS_URL", "localhost:6379", "REDIS_URL"),
        ("HUBNITY_ENV", "staging", "HUBNITY_ENV"),
        ("DB_POOL_SIZE", "0", "DB_POOL_SIZE"),
        ("DB_MAX_OVERFLOW", "-1", "DB_MAX_OVERFLOW"),
        ("DB_POOL_TIMEOUT", "soon", "DB_POOL_TIMEOUT"),
    ],
)
def test_bad_values_raise_config_error_naming_the_variable(env, key, value, fragment):
    env.setenv(key, value)
    with pytest.raises(ConfigError, match=fragment):
        load_settings()


def test_production_requires_jwt_secret(env):
    env.setenv("HUBNITY_ENV", "production")
    with pytest.raises(ConfigError, match="JWT_SECRET is required"):
        load_settings()
    env.setenv("JWT_SECRET", "short")
    with pytest.raises(ConfigError, match="at least 32"):
        load_settings()


def test_sizes_and_rates_parse():
    assert parse_size("X", "512kb") == 512 * 1024
    assert parse_size("X", "1048576") == 1048576
    assert Rate.parse("X", "100/s") == Rate(100, 1)
    assert Rate.parse("X", "5") == Rate(5, 60)


def test_cli_prints_a_one_line_error_not_a_traceback(tmp_path):
    env = {**os.environ, "HUBNITY_DATA_DIR": str(tmp_path), "DATABASE_URL": "mysql://nope"}
    proc = subprocess.run(
        [sys.executable, "-m", "server.cli", "migrate"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert proc.stderr.strip().count("\n") == 0 and "DATABASE_URL" in proc.stderr
    env = {**os.environ, "HUBNITY_DATA_DIR": str(tmp_path), "HUBNITY_ENV": "production"}
    env.pop("JWT_SECRET", None)
    proc = subprocess.run(
        [sys.executable, "-m", "server.cli"], env=env, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 2 and "JWT_SECRET is required" in proc.stderr
