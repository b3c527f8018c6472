"""The sign-in window (pytest-qt, offscreen) against a real server: wrong
password, the account lockout, "forgot password" opening the server's own
reset page, and a good sign-in that opens the timer window."""

from __future__ import annotations

import os
import random

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import httpx
import pytest

from agent.core.agent import Agent
from agent.core.credentials import FileStore
from tests.e2e.agent.conftest import PASSWORD, Server, new_account

pytestmark = pytest.mark.slow


@pytest.fixture
def agent(tmp_path):
    a = Agent(
        tmp_path / "agent",
        rng=random.Random(5),
        store=FileStore(tmp_path / "agent" / "credentials.json"),
    )
    yield a
    a.shutdown()


def _fill(dlg, url: str, email: str, password: str) -> None:
    dlg.server.setText(url)
    dlg.email.setText(email)
    dlg.password.setText(password)


def test_wrong_password_then_locked_account_then_reset_page(server: Server, agent, qtbot):
    from agent.ui.signin import SignInDialog

    account = new_account(server)
    opened: list[str] = []
    dlg = SignInDialog(agent, open_url=lambda url: opened.append(url.toString()))
    qtbot.addWidget(dlg)
    _fill(dlg, server.url, account.email, "not the password")
    dlg.submit()
    qtbot.waitUntil(lambda: dlg.error.text() == "Wrong email or password.", timeout=15000)
    for _ in range(6):  # past the server's lockout threshold (5 in a row)
        dlg.submit()
        qtbot.waitUntil(lambda: dlg.submit_button.isEnabled(), timeout=15000)
    assert "account is locked" in dlg.error.text(), dlg.error.text()
    assert not agent.api.signed_in
    dlg.forgot.click()
    qtbot.waitUntil(lambda: opened == [server.url + "/forgot"], timeout=15000)
    page = httpx.get(opened[0])
    assert page.status_code == 200 and "<form" in page.text


def test_good_sign_in_opens_the_timer_with_the_servers_projects(server: Server, agent, qtbot):
    from PySide6.QtWidgets import QApplication

    from agent.ui.tray import TrayController

    account = new_account(server)
    tray = TrayController(agent, QApplication.instance(), lambda: None)
    try:
        dlg = tray.show_sign_in()
        qtbot.addWidget(dlg)
        _fill(dlg, server.url, account.email, PASSWORD)
        dlg.submit()
        qtbot.waitUntil(lambda: tray.timer_window is not None, timeout=15000)
        win = tray.timer_window
        qtbot.addWidget(win)
        assert win.isVisible() and agent.api.signed_in
        qtbot.waitUntil(
            lambda: win.picker.project_names() == ["Internal", "Website"], timeout=15000
        )
        assert agent.settings.server_url == server.url  # remembered for next time
    finally:
        tray.timer.stop()
        tray.tray.hide()
