"""Fixing a refused item from the timer window, against a real server: time
tracked on a project the server does not know is parked, the sync line says
so, its click opens the list with the reason in words, and moving the entry
to another project gets it accepted."""

from __future__ import annotations

import os
import random
import time
import uuid

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest

from agent.core.agent import Agent
from agent.core.credentials import FileStore
from tests.e2e.agent.conftest import PASSWORD, Server, new_account

pytestmark = pytest.mark.slow


def _server_projects(server: Server, user_id: str) -> list[str]:
    with server.db() as db:
        rows = db.execute(
            "SELECT project_id FROM time_entries WHERE replace(user_id, '-', '') = ?",
            (user_id.replace("-", ""),),
        ).fetchall()
    return [str(uuid.UUID(str(p))) for (p,) in rows]


def test_a_parked_entry_is_fixed_from_the_timer_window(server: Server, tmp_path, qtbot) -> None:
    from PySide6.QtWidgets import QApplication

    from agent.ui.parked import ParkedDialog
    from agent.ui.tray import TrayController

    account = new_account(server)
    agent = Agent(
        tmp_path / "agent",
        rng=random.Random(9),
        store=FileStore(tmp_path / "agent" / "credentials.json"),
    )
    tray = TrayController(agent, QApplication.instance(), lambda: None)
    try:
        agent.sign_in(server.url, account.email, PASSWORD, start_uploads=False)
        agent.start_tracking(str(uuid.uuid4()))  # a project the server does not have
        time.sleep(1.2)
        agent.stop()
        agent.uploader.sync_once()
        assert agent.outbox.depth().parked == 1
        assert _server_projects(server, account.user_id) == []
        tray.refresh()
        win = tray.show_timer()
        qtbot.addWidget(win)
        assert win.sync.text().startswith("1 item needs attention")
        win.sync.click()
        dlg = tray.windows["parked"]
        assert isinstance(dlg, ParkedDialog)
        qtbot.addWidget(dlg)
        assert "no longer exists or was archived" in dlg.list.item(0).text()
        dlg.projects.setCurrentIndex(dlg.projects.findText("Website"))
        dlg.move_button.click()
        agent.uploader.sync_once()
        assert _server_projects(server, account.user_id) == [account.project_id]
        assert agent.outbox.depth().parked == 0 and agent.outbox.depth().total == 0
        tray.refresh()
        assert win.sync.text().startswith("Synced")
    finally:
        tray.timer.stop()
        tray.tray.hide()
        agent.shutdown()
