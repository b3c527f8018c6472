"""App tracking from a real agent to the person page in Chromium: a real Qt
window on Xvfb is in front (focused through EWMH), the agent's X11 probe and
recorder count it per minute under the organization's `titles` policy with
redaction patterns, the uploader sends it to a real server, and the person
page shows the application, the redacted title, and the mouse-jiggler flag of
the stretch where the only input was a pointer nudged back and forth."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest

from agent.core.agent import Agent
from agent.core.clock import FakeClock
from agent.core.credentials import FileStore
from agent.platform.x11_window import X11Foreground
from tests.agent.ewmh import MiniWM
from tests.agent.xdisplay import xdotool, xvfb
from tests.e2e.web.conftest import ARTIFACTS, Site, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.x11]
ROOT = Path(__file__).resolve().parents[3]
TITLE = "Quarterly plan 2026 - confidential"


def _window(display: str) -> tuple[subprocess.Popen[str], int, str]:
    env = {**os.environ, "DISPLAY": display}
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.agent.qt_window", TITLE],
        cwd=ROOT,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    proc.stdout.readline()
    found = subprocess.run(
        ["xdotool", "search", "--sync", "--name", TITLE],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    exe = os.path.basename(os.readlink(f"/proc/{proc.pid}/exe"))
    return proc, int(found.stdout.split()[0]), exe


def _record(site: Site, tmp: Path, display: str) -> tuple[str, str, str]:
    """Signs the agent in as the demo owner and records 40 minutes that ended
    20 minutes ago: 10 of typing, then 30 of a jiggler. Returns (user id, date, app)."""
    with httpx.Client(base_url=site.url) as http:
        tokens = http.post(
            "/api/v1/auth/login", json={"email": site.owner, "password": site.password}
        ).json()
        auth = {"Authorization": f"Bearer {tokens['accessToken']}"}
        r = http.patch(
            "/api/v1/agent/config",
            headers=auth,
            json={"appTracking": "titles", "redactionPatterns": [r"\d{4}", "(?i)confidential"]},
        )
        assert r.status_code == 200, r.text
        me = http.get("/api/v1/auth/me", headers=auth).json()
    start = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(minutes=60)
    clock = FakeClock(start)
    agent = Agent(tmp / "agent", clock=clock, store=FileStore(tmp / "agent" / "credentials.json"))
    win, win_id, exe = _window(display)
    probe = X11Foreground(display)
    try:
        agent.sign_in(site.url, site.owner, site.password, start_uploads=False)
        assert agent.policy.app_tracking == "titles"
        agent.recorder.apps.probe = probe
        xdotool(display, "windowactivate", "--sync", str(win_id))
        agent.start_tracking(None)
        for second in range(40 * 60):
            if second < 600 and second % 2 == 0:
                agent.counter.key()  # someone typing
            elif second >= 600 and second % 5 == 0:
                agent.counter.move(400 + (second // 5) % 2, 300)  # a jiggler
            clock.advance(1)
            agent.tick()
        agent.stop()
        agent.uploader.sync_once()
        assert agent.outbox.depth().total == 0
    finally:
        probe.close()
        assert win.stdin is not None
        win.stdin.close()
        win.wait(10)
        agent.shutdown()
    local = start.astimezone(ZoneInfo(me["timezone"])).date().isoformat()
    return me["id"], local, exe


async def test_person_page_shows_the_agents_apps_and_a_jiggler_flag(
    browser, site: Site, tmp_path: Path
) -> None:
    with xvfb() as display:
        wm = MiniWM(display)
        try:
            user_id, day, exe = _record(site, tmp_path, display)
        finally:
            wm.close()
    context, page = await sign_in(browser, site, site.owner)
    try:
        await page.goto(f"{site.url}/app/people/{user_id}?date={day}")
        apps = page.get_by_test_id("apps")
        names = await apps.locator(".app-name").all_inner_texts()
        assert exe in names
        titles = await apps.locator(".app-title").all_inner_texts()
        assert "Quarterly plan *** - ***" in titles
        assert not any("confidential" in t.lower() for t in titles)
        flags = page.get_by_test_id("flags")
        assert "Mouse-jiggler pattern" in await flags.inner_text()
        text = await flags.locator(".flag.jiggler p").inner_text()
        assert "without a single key press, click or scroll" in text
        await page.screenshot(path=str(ARTIFACTS / "person-apps-flags.png"), full_page=True)
    finally:
        await context.close()
