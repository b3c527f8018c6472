"""`hubnity-server`: serve (default), migrate, demo, create-organization, rotate-secret-key."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from typing import Any

from server.runtime.config import ConfigError, Settings, get_settings


def _migrate(settings: Settings) -> None:
    from server.db.migrate import upgrade

    upgrade(settings.database.url)


async def _demo(settings: Settings) -> None:
    from server.db.session import create_engine, session_factory
    from server.demo.seed import seed_demo
    from server.storage import build_storage

    engine = create_engine(settings.database)
    storage = build_storage(settings.storage)
    try:
        async with session_factory(engine)() as session:
            login = await seed_demo(session, settings.data_dir, storage=storage)
    finally:
        await storage.close()
        await engine.dispose()
    verb = "created" if login.created else "already present"
    print(f"Demo organization {verb}. Sign in as {login.email} / {login.password}")


OWNER_PASSWORD_ENV = "HUBNITY_OWNER_PASSWORD"  # noqa: S105 (a variable name)


class Refused(Exception):
    """A command refused its input (a weak password, an address in use...)."""


def _owner_password() -> str:
    """From HUBNITY_OWNER_PASSWORD, else asked twice on the terminal (never argv:
    a command line is visible to every user of the machine)."""
    import getpass

    password = os.environ.get(OWNER_PASSWORD_ENV)
    if password:
        return password
    if not sys.stdin.isatty():
        raise Refused(f"set {OWNER_PASSWORD_ENV}, or run on a terminal to be asked")
    password = getpass.getpass("Owner's password: ")
    if password != getpass.getpass("Repeat it: "):
        raise Refused("the two passwords are not the same")
    return password


async def _create_organization(settings: Settings, args: argparse.Namespace) -> str:
    """An organization and its owner, whether or not registration is open."""
    from server.auth.service import add_organization, validate_password
    from server.auth.signup import Signup, owner_fields
    from server.core.errors import DomainError
    from server.db.session import create_engine, session_factory
    from server.security.passwords import hash_password_async

    wanted = Signup(args.email, args.name, args.organization, args.timezone)
    password = _owner_password()
    engine = create_engine(settings.database)
    try:
        fields = owner_fields(wanted)
        validate_password(password, fields["email"], fields["name"])
        fields["password_hash"] = await hash_password_async(password)
        async with session_factory(engine)() as session:
            user = await add_organization(session, **fields)
            await session.commit()
    except DomainError as exc:
        raise Refused(exc.detail) from None
    finally:
        await engine.dispose()
    return (
        f"organization {user.organization_id} created; owner {user.id} ({user.email})\n"
        f"organization_id={user.organization_id}\nowner_id={user.id}"
    )


async def _rotate_secret_key(settings: Settings) -> str:
    """Re-encrypts every stored credential with the current key (one transaction).

    Without HUBNITY_SECRET_KEY a new key is generated into the data dir first;
    with it, set the new key there and the old one(s) in
    HUBNITY_SECRET_KEY_PREVIOUS for the duration of the command.
    """
    from server.db.session import create_engine, session_factory
    from server.integrations.credentials import reencrypt_all
    from server.security.secretbox import add_file_key, load_keyring, prune_file_keys

    security = settings.security
    if not security.secret_key:
        load_keyring(settings.data_dir)  # make sure a key file exists
        add_file_key(settings.data_dir)
    keyring = load_keyring(settings.data_dir, security.secret_key, security.previous_secret_keys)
    engine = create_engine(settings.database)
    try:
        async with session_factory(engine)() as session:
            changed, in_use = await reencrypt_all(session, keyring)
            await session.commit()
    finally:
        await engine.dispose()
    dropped = 0 if security.secret_key else prune_file_keys(settings.data_dir, in_use)
    return (
        f"secrets re-encrypted with key {keyring.current.key_id}: {changed} changed"
        + (f", {dropped} old key(s) removed from the key file" if dropped else "")
    )


def check_workers(settings: Settings, workers: int) -> None:
    """More than one process only where every process shares what must be shared."""
    if workers < 1:
        raise ConfigError("--workers must be at least 1")
    if workers == 1:
        return
    if settings.database.is_sqlite:
        raise ConfigError(
            "--workers above 1 needs PostgreSQL (DATABASE_URL): the embedded SQLite "
            "database has one writer, which one process serves best"
        )
    if not settings.redis.url:
        raise ConfigError(
            "--workers above 1 needs Redis (REDIS_URL): rate limits and the job queue "
            "must be shared by all processes"
        )


def _serve(settings: Settings, host: str | None, port: int | None, workers: int) -> None:
    import uvicorn

    from server.demo.seed import read_demo_login
    from server.security.slow_clients import HTTP_PROTOCOL

    check_workers(settings, workers)
    if settings.database.is_sqlite and not settings.production:
        _migrate(settings)  # embedded mode migrates itself; production runs `migrate`
    bind_host = host or settings.server.host
    bind_port = port if port is not None else settings.server.port
    print(f"Hubnity server on http://{bind_host}:{bind_port}  (data: {settings.data_dir})")
    login = read_demo_login(settings.data_dir)
    if login:
        print(f"Demo login: {login.email} / {login.password}")
    sys.stdout.flush()
    # X-Forwarded-For decides the client address of every per-IP limit, so it
    # is read only from the proxies FORWARDED_ALLOW_IPS names; unset, nobody
    # (uvicorn alone would trust any 127.0.0.1 peer, and a local client could
    # rotate the header past the login limit).
    trusted = os.environ.get("FORWARDED_ALLOW_IPS", "").strip()
    options: dict[str, Any] = {
        "host": bind_host,
        "port": bind_port,
        "log_level": "warning",
        "access_log": False,
        "proxy_headers": bool(trusted),
        "forwarded_allow_ips": trusted or None,
        "timeout_graceful_shutdown": 10,
        # Slow clients: headers within HEADER_READ_TIMEOUT (server/security/slow_clients.py).
        "http": HTTP_PROTOCOL,
    }
    if workers > 1:
        # uvicorn's supervisor: N processes accept on one socket, each builds
        # its app from the same environment; a worker that dies is replaced.
        uvicorn.run("server.app:create_app", factory=True, workers=workers, **options)
        return
    from server.app import create_app

    uvicorn.run(create_app(settings), **options)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="hubnity-server", description="Hubnity server")
    parser.add_argument(
        "command",
        nargs="?",
        default="serve",
        choices=["serve", "migrate", "demo", "create-organization", "rotate-secret-key"],
    )
    owner = parser.add_argument_group(
        "create-organization",
        f"a new organization and its owner (the password from {OWNER_PASSWORD_ENV}, "
        "else asked); works with registration closed",
    )
    owner.add_argument("--organization", help="the organization's name")
    owner.add_argument("--email", help="the owner's email address (their sign-in)")
    owner.add_argument("--name", help="the owner's name")
    owner.add_argument("--timezone", default="UTC", help="IANA zone (default UTC)")
    parser.add_argument("--host", help="bind address (default HUBNITY_HOST or 127.0.0.1)")
    parser.add_argument("--port", type=int, help="port (default HUBNITY_PORT or 8000)")
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        help="server processes (default 1; above 1 needs PostgreSQL and Redis)",
    )
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    args = parser.parse_args(argv)
    if args.version:
        from shared.version import __version__

        print(__version__)
        return 0
    try:
        settings = get_settings()
        # The embedded database, keys and local storage live here: a data dir
        # named in HUBNITY_DATA_DIR that does not exist yet is created.
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        if args.command == "migrate":
            _migrate(settings)
            print("database is at the latest schema")
        elif args.command == "rotate-secret-key":
            if settings.database.is_sqlite:
                _migrate(settings)
            print(asyncio.run(_rotate_secret_key(settings)))
        elif args.command == "create-organization":
            missing = [f"--{k}" for k in ("organization", "email", "name") if not getattr(args, k)]
            if missing:
                parser.error(f"create-organization needs {', '.join(missing)}")
            if settings.database.is_sqlite:
                _migrate(settings)
            print(asyncio.run(_create_organization(settings, args)))
        elif args.command == "demo":
            if settings.database.is_sqlite:
                _migrate(settings)
            asyncio.run(_demo(settings))
        else:
            _serve(settings, args.host, args.port, args.workers)
    except ConfigError as exc:
        print(f"hubnity-server: configuration error: {exc}", file=sys.stderr)
        return 2
    except Refused as exc:
        print(f"hubnity-server {args.command}: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except OSError as exc:
        print(f"hubnity-server: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
