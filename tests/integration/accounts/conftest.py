"""An app that sends its mail to a real SMTP server in the test process (aiosmtpd)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import make_settings
from tests.support.smtp import Inbox, smtp_server


@dataclass
class MailedApp:
    client: Any
    inbox: Inbox
    db_url: str


@pytest.fixture(scope="session")
def inbox() -> Iterator[Inbox]:
    with smtp_server() as server:
        yield server


async def mailed_app(db_url: str, data_dir: Path, inbox: Inbox, **env: str) -> Any:
    """An AsyncTestClient context for an app on `db_url` mailing to `inbox`."""
    from litestar.testing import AsyncTestClient

    from server.app import create_app

    settings = make_settings(
        db_url, data_dir, SMTP_URL=inbox.url(), SMTP_FROM="Hubnity <noreply@hubnity.test>", **env
    )
    return AsyncTestClient(app=create_app(settings), timeout=60)


@pytest.fixture(scope="session")
async def mailed(backend: str, session_tmp: Path, inbox: Inbox) -> AsyncIterator[MailedApp]:
    data_dir = session_tmp / f"mailed-{'pg' if backend.startswith('postgresql') else 'sqlite'}"
    async with await mailed_app(backend, data_dir, inbox) as client:
        yield MailedApp(client, inbox, backend)
