"""The tray (pytest-qt, offscreen) against a real server: sign in through the
window, pick a project from /projects/active, track, sync now."""

from __future__ import annotations

import os
import random

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest

from agent.core.agent import Agent
from agent.core.credentials import FileStore
from agent.core.tracker import State
from tests.e2e.agent.conftest import PASSWORD, Server, new_account, server_entries

pytestmark = pytest.mark.slow


def test_sign_in_window_then_track_from_the_project_menu(server: Server, tmp_path, qtbot) -> None:
    from PySide6.QtWidgets import QApplication

    from agent.ui.tray import TrayController

    account = new_account(server, screenshotIntervalSeconds=900, idleTimeoutSeconds=600)
    agent = Agent(
        tmp_path / "agent",
        rng=random.Random(2),
        store=FileStore(tmp_path / "agent" / "credentials.json"),
    )
    tray = TrayController(agent, QApplication.instance(), lambda: None)
    try:
        assert tray.sign_action.text() == "Sign in…"
        dlg = tray.show_sign_in()
        qtbot.addWidget(dlg)
        dlg.server.setText(server.url)
        dlg.email.setText(account.email)
        dlg.password.setText("wrong password")
        dlg.submit()
        qtbot.waitUntil(lambda: "Wrong email or password" in dlg.error.text(), timeout=15000)
        dlg.password.setText(PASSWORD)
        dlg.submit()
        qtbot.waitUntil(lambda: agent.api.signed_in and not dlg.isVisible(), timeout=15000)
        assert agent.policy.screenshot_interval_seconds == 900  # policy from the server
        assert agent.idle.timeout == 600
        tray.refresh()
        assert tray.sign_action.text() == "Sign out"
        website = next(a for a in tray.project_menu.actions() if a.text() == "Website")
        next(a for a in website.menu().actions() if a.text() == "Blog").trigger()
        assert agent.tracker.state is State.RUNNING
        assert (agent.tracker.project_id, agent.tracker.task_id) == (
            account.project_id,
            account.task_id,
        )
        tray.refresh()
        assert "Website / Blog" in tray.tray.toolTip()
        agent.tick()
        tray.sync_action.trigger()

        def arrived() -> bool:
            rows = list(server_entries(server, account.user_id).values())
            return len(rows) == 1 and rows[0][3] == "RUNNING"

        qtbot.waitUntil(arrived, timeout=20000)
        qtbot.waitUntil(lambda: agent.uploader.status.last_sync_at is not None, timeout=20000)
        tray.refresh()
        assert "last: never" not in tray.sync_action.text()
    finally:
        tray.timer.stop()
        tray.tray.hide()
        agent.shutdown()
