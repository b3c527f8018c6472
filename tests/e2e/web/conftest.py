"""A real hubnity-server process with the demo organization, and Debian's Chromium."""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.process import run_server, server_command
from tests.support.tools import require_tool

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts" / "web"


@dataclass
class Site:
    url: str
    owner: str
    password: str
    data_dir: Path

    def login_of(self, local: str) -> str:
        return f"{local}@demo.hubnity.local"


@pytest.fixture(scope="session")
def site() -> Iterator[Site]:
    with tempfile.TemporaryDirectory(prefix="hubnity-web-") as tmp:
        data_dir = Path(tmp)
        env = {**os.environ, "HUBNITY_DATA_DIR": str(data_dir), "LOG_JSON": "true"}
        out = subprocess.run(
            [*server_command(), "demo"],
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
            check=True,
        ).stdout
        m = re.search(r"Sign in as (\S+) / (\S+)", out)
        assert m, out
        with run_server(data_dir, env={"LOGIN_RATE_LIMIT": "1000/min"}) as server:
            yield Site(server.url, m.group(1), m.group(2), data_dir)


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[object]:
    chromium = require_tool("chromium", "render the web pages")
    from playwright.async_api import async_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    async with async_playwright() as pw:
        b = await pw.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_ARGS)
        yield b
        await b.close()


async def sign_in(  # type: ignore[no-untyped-def]
    browser, site: Site, email: str, *, width: int = 1280, height: int = 860, lands: str = "/app"
):
    context = await browser.new_context(
        viewport={"width": width, "height": height}, accept_downloads=True
    )
    page = await context.new_page()
    await page.goto(f"{site.url}/app")
    assert "/login" in page.url  # not signed in: sent to the sign-in form
    await page.fill("input[name=email]", email)
    await page.fill("input[name=password]", site.password)
    await page.click("button[type=submit]")
    await page.wait_for_url(f"{site.url}{lands}")
    return context, page
