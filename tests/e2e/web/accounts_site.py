"""A real server with the demo organization whose mail goes to an aiosmtpd server
in the test process, on SQLite or on a fresh PostgreSQL database."""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.e2e.web.conftest import Site
from tests.support.process import run_server, server_command
from tests.support.services import create_pg_database, drop_pg_database
from tests.support.smtp import Inbox, smtp_server


@dataclass
class MailSite(Site):
    inbox: Inbox
    database: str
    db_url: str  # a synchronous SQLAlchemy URL of the server's database, for checks


@contextmanager
def mail_site(database: str, **env: str) -> Iterator[MailSite]:
    pg_name = None
    with tempfile.TemporaryDirectory(prefix="hubnity-web-mail-") as tmp, smtp_server() as inbox:
        data_dir = Path(tmp)
        extra = {
            "SMTP_URL": inbox.url(),
            "SMTP_FROM": "Hubnity <noreply@hubnity.test>",
            "LOGIN_RATE_LIMIT": "1000/min",
            **env,
        }
        sync_url = f"sqlite:///{data_dir / 'hubnity.db'}"
        if database == "postgres":
            pg_name, url = create_pg_database("hubnity_web")
            extra["DATABASE_URL"] = url
            sync_url = url.replace("+asyncpg", "+psycopg")
        run_env = {**os.environ, "HUBNITY_DATA_DIR": str(data_dir), "LOG_JSON": "true", **extra}
        try:
            if pg_name:
                subprocess.run(
                    [*server_command(), "migrate"],
                    env=run_env,
                    check=True,
                    timeout=180,
                    capture_output=True,
                )
            out = subprocess.run(
                [*server_command(), "demo"],
                env=run_env,
                capture_output=True,
                text=True,
                timeout=180,
                check=True,
            ).stdout
            m = re.search(r"Sign in as (\S+) / (\S+)", out)
            assert m, out
            with run_server(data_dir, env=extra) as server:
                yield MailSite(
                    server.url, m.group(1), m.group(2), data_dir, inbox, database, sync_url
                )
        finally:
            if pg_name:
                drop_pg_database(pg_name)
