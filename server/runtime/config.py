"""Settings from environment variables (12-factor), validated once at start.

One small dataclass per concern; `get_settings()` is cached. A bad value raises
`ConfigError` with a one-line message that the CLI prints without a traceback.
"""

from __future__ import annotations

import os
import re
import secrets
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from platformdirs import user_data_dir

# ConfigError, Rate, parse_size and LdapSettings are imported from here by callers.
from server.runtime.body_limits import BodyLimits, load_body_limits
from server.runtime.env import ConfigError as ConfigError
from server.runtime.env import Rate as Rate
from server.runtime.env import env_bool as _env_bool
from server.runtime.env import env_int as _env_int
from server.runtime.env import env_str as _env
from server.runtime.env import parse_size as parse_size
from server.runtime.ldap_config import LdapSettings as LdapSettings
from server.runtime.ldap_config import load_ldap


@dataclass(frozen=True)
class DatabaseSettings:
    url: str
    """SQLAlchemy async URL: sqlite+aiosqlite:///path or postgresql+asyncpg://..."""
    echo: bool = False
    # Per process (docs/deploy.md, "Capacity"); None keeps the engine's default.
    pool_size: int | None = None
    max_overflow: int | None = None
    # Seconds a request waits for a pooled connection before a 503 "busy".
    pool_timeout: float = 10.0

    @property
    def is_sqlite(self) -> bool:
        return self.url.startswith("sqlite")


@dataclass(frozen=True)
class RedisSettings:
    url: str | None
    """Unset → rate limits, idempotency and jobs stay in-process."""
    prefix: str = "hubnity:"


@dataclass(frozen=True)
class StorageSettings:
    local_dir: Path
    s3_endpoint: str | None = None
    s3_bucket: str | None = None
    s3_access_key: str | None = None
    s3_secret_key: str | None = None
    s3_region: str | None = None
    s3_public_endpoint: str | None = None
    """Address clients use for presigned URLs when S3_ENDPOINT is internal
    (e.g. http://minio:9000 inside compose); defaults to S3_ENDPOINT."""
    screenshot_max_bytes: int = 20 * 1024 * 1024
    #: The upload request makes the thumbnail of an unblurred screenshot
    #: itself (server/screenshots/inline.py); off: every one goes to a job.
    inline_thumbnails: bool = True

    @property
    def uses_s3(self) -> bool:
        return self.s3_bucket is not None


@dataclass(frozen=True)
class SecuritySettings:
    jwt_secret: str = field(repr=False)
    access_ttl_seconds: int = 15 * 60
    refresh_ttl_seconds: int = 30 * 24 * 3600
    login_rate: Rate = Rate(5, 60)
    sync_rate: Rate = Rate(60, 60)
    # Report exports per person: each is a job and a file on disk.
    export_rate: Rate = Rate(20, 3600)
    global_rate: Rate | None = None
    # CSV imports (POST /api/v1/imports/csv) stream to disk up to this size.
    import_max_bytes: int = 200 * 1024 * 1024
    allow_registration: bool = True
    # Per login name (registered or not), beside the per-IP login rate: after
    # `lockout_threshold` failures in a row each further one blocks sign-in for
    # base * 2^k seconds (capped), never for good; a success resets it
    # (server/auth/lockout.py).
    lockout_threshold: int = 5
    lockout_base_seconds: int = 30
    lockout_max_seconds: int = 15 * 60
    reset_email_rate: Rate = Rate(3, 3600)
    # Encrypts stored third-party credentials (server/security/secretbox.py).
    # Unset → a key generated once into <data dir>/secret_keys.
    secret_key: str | None = field(default=None, repr=False)
    # Keys being rotated away from: still decrypt, never encrypt.
    previous_secret_keys: tuple[str, ...] = field(default=(), repr=False)


@dataclass(frozen=True)
class MailSettings:
    """SMTP_URL unset → mail is written to the log and <data dir>/mail (embedded default)."""

    smtp_url: str | None = field(default=None, repr=False)
    sender: str = "Hubnity <hubnity@localhost>"
    outbox_dir: Path | None = None
    timeout_seconds: int = 20


@dataclass(frozen=True)
class ServerSettings:
    host: str = "127.0.0.1"
    port: int = 8000
    public_url: str | None = None
    body_idle_timeout: float = 30.0  # seconds a request body may stall (408 after)


@dataclass(frozen=True)
class Settings:
    env: str
    data_dir: Path
    database: DatabaseSettings
    redis: RedisSettings
    storage: StorageSettings
    security: SecuritySettings
    server: ServerSettings
    mail: MailSettings = field(default_factory=MailSettings)
    ldap: LdapSettings = field(default_factory=LdapSettings)
    # Request body limits by kind of route (server/runtime/body_limits.py).
    limits: BodyLimits = field(default_factory=BodyLimits)
    log_json: bool = True

    @property
    def production(self) -> bool:
        return self.env == "production"


_DB_URL = re.compile(r"^(sqlite\+aiosqlite|postgresql\+asyncpg)://")


def _normalize_db_url(url: str) -> str:
    # Users paste libpq-style URLs; map them onto the async drivers we ship.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url[len(prefix) :]
    if url.startswith("sqlite:///"):
        return "sqlite+aiosqlite:///" + url[len("sqlite:///") :]
    return url


def _jwt_secret(env: str, data_dir: Path) -> str:
    secret = _env("JWT_SECRET")
    if secret:
        if len(secret) < 32:
            raise ConfigError("JWT_SECRET must be at least 32 characters")
        return secret
    if env == "production":
        raise ConfigError("JWT_SECRET is required when HUBNITY_ENV=production")
    # Embedded mode: generate once and keep it so restarts don't log everyone out.
    path = data_dir / "jwt_secret"
    if path.exists():
        return path.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(value)
    return value


def _redis_url() -> str | None:
    url = _env("REDIS_URL")
    if url:
        if not url.startswith(("redis://", "rediss://", "unix://")):
            raise ConfigError(f"REDIS_URL={url!r} must start with redis://, rediss:// or unix://")
        return url
    host = _env("REDIS_HOST")
    if host:
        return f"redis://{host}:{_env_int('REDIS_PORT', 6379, 1)}/0"
    return None


_SMTP = re.compile(r"^(smtp|smtps|smtp\+starttls)://[^/]+", re.IGNORECASE)


def _mail(data_dir: Path) -> MailSettings:
    url = _env("SMTP_URL")
    if url and not _SMTP.match(url):
        raise ConfigError(
            "SMTP_URL must be smtp://host:port, smtp+starttls://user:pass@host:587 "
            "or smtps://user:pass@host:465"
        )
    return MailSettings(
        smtp_url=url,
        sender=_env("SMTP_FROM", "Hubnity <hubnity@localhost>") or "",
        outbox_dir=data_dir / "mail",
        timeout_seconds=_env_int("SMTP_TIMEOUT", 20, 1),
    )


def load_settings() -> Settings:
    env = (_env("HUBNITY_ENV", "development") or "development").lower()
    if env not in ("development", "production", "test"):
        raise ConfigError(f"HUBNITY_ENV={env!r} must be development, production or test")
    data_dir = Path(_env("HUBNITY_DATA_DIR") or user_data_dir("hubnity-server", "Hubnity"))
    db_url = _normalize_db_url(
        _env("DATABASE_URL") or f"sqlite+aiosqlite:///{data_dir / 'hubnity.db'}"
    )
    if not _DB_URL.match(db_url):
        raise ConfigError(
            f"DATABASE_URL must be sqlite+aiosqlite:///path or postgresql+asyncpg://user@host/db "
            f"(got scheme {db_url.split(':', 1)[0]!r})"
        )
    global_rate = _env("GLOBAL_RATE_LIMIT")
    s3_bucket = _env("S3_BUCKET")
    s3_endpoint = _env("S3_ENDPOINT")
    if s3_endpoint and not s3_bucket:
        raise ConfigError("S3_ENDPOINT is set but S3_BUCKET is not")
    return Settings(
        env=env,
        data_dir=data_dir,
        database=DatabaseSettings(
            url=db_url,
            echo=_env_bool("DATABASE_ECHO", False),
            pool_size=_env_int("DB_POOL_SIZE", 0, 1) if _env("DB_POOL_SIZE") else None,
            max_overflow=_env_int("DB_MAX_OVERFLOW", 0, 0) if _env("DB_MAX_OVERFLOW") else None,
            pool_timeout=_env_int("DB_POOL_TIMEOUT", 10, 1),
        ),
        redis=RedisSettings(url=_redis_url(), prefix=_env("REDIS_PREFIX", "hubnity:") or ""),
        storage=StorageSettings(
            local_dir=Path(_env("STORAGE_DIR") or data_dir / "storage"),
            s3_endpoint=s3_endpoint,
            s3_bucket=s3_bucket,
            s3_access_key=_env("S3_ACCESS_KEY"),
            s3_secret_key=_env("S3_SECRET_KEY"),
            s3_region=_env("S3_REGION"),
            s3_public_endpoint=_env("S3_PUBLIC_ENDPOINT"),
            screenshot_max_bytes=parse_size(
                "SCREENSHOT_MAX_BYTES", _env("SCREENSHOT_MAX_BYTES", "20mb") or ""
            ),
            inline_thumbnails=_env_bool("SCREENSHOT_INLINE_THUMBNAILS", True),
        ),
        security=SecuritySettings(
            jwt_secret=_jwt_secret(env, data_dir),
            access_ttl_seconds=_env_int("ACCESS_TOKEN_TTL", 15 * 60, 1),
            login_rate=Rate.parse("LOGIN_RATE_LIMIT", _env("LOGIN_RATE_LIMIT", "5/min") or ""),
            sync_rate=Rate.parse("SYNC_RATE_LIMIT", _env("SYNC_RATE_LIMIT", "60/min") or ""),
            export_rate=Rate.parse("EXPORT_RATE_LIMIT", _env("EXPORT_RATE_LIMIT", "20/hour") or ""),
            global_rate=Rate.parse("GLOBAL_RATE_LIMIT", global_rate) if global_rate else None,
            allow_registration=_env_bool("ALLOW_REGISTRATION", True),
            lockout_threshold=_env_int("LOGIN_LOCKOUT_THRESHOLD", 5, 1),
            lockout_base_seconds=_env_int("LOGIN_LOCKOUT_SECONDS", 30, 1),
            lockout_max_seconds=_env_int("LOGIN_LOCKOUT_MAX_SECONDS", 900, 1),
            reset_email_rate=Rate.parse(
                "PASSWORD_RESET_RATE_LIMIT", _env("PASSWORD_RESET_RATE_LIMIT", "3/hour") or ""
            ),
            import_max_bytes=parse_size(
                "IMPORT_MAX_BYTES", _env("IMPORT_MAX_BYTES", "200mb") or ""
            ),
            secret_key=_env("HUBNITY_SECRET_KEY"),
            previous_secret_keys=tuple(
                k.strip()
                for k in (_env("HUBNITY_SECRET_KEY_PREVIOUS") or "").split(",")
                if k.strip()
            ),
        ),
        server=ServerSettings(
            host=_env("HUBNITY_HOST", "127.0.0.1") or "127.0.0.1",
            port=_env_int("HUBNITY_PORT", 8000, 1),
            public_url=_env("HUBNITY_PUBLIC_URL"),
            body_idle_timeout=float(_env_int("BODY_IDLE_TIMEOUT", 30, 1)),
        ),
        mail=_mail(data_dir),
        ldap=load_ldap(),
        limits=load_body_limits(),
        log_json=_env_bool("LOG_JSON", True),
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()
