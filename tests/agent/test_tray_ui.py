"""Tray, menus and windows with pytest-qt on the offscreen platform."""

from __future__ import annotations

import os
import random
import socket

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest

from agent.core.agent import Agent
from agent.core.clock import FakeClock
from agent.core.shots import CaptureResult
from agent.core.tracker import State
from shared.schemas import ActiveProject, TaskOut, TrackingPolicy

P1, P2 = "11111111-1111-1111-1111-111111111111", "22222222-2222-2222-2222-222222222222"
T1 = "33333333-3333-3333-3333-333333333333"


def _thumb() -> bytes:
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (40, 20), (200, 30, 30)).save(buf, "JPEG")
    return buf.getvalue()


@pytest.fixture
def agent(data_dir, clock: FakeClock):
    a = Agent(
        data_dir,
        clock=clock,
        rng=random.Random(1),
        capturer=lambda blur: CaptureResult(_thumb(), "image/jpeg", 40, 20, _thumb()),
    )
    a.projects = [
        ActiveProject(id=P1, name="Website", tasks=[TaskOut(id=T1, project_id=P1, name="Blog")]),
        ActiveProject(id=P2, name="Internal"),
    ]
    yield a
    a.shutdown()


@pytest.fixture
def tray(qtbot, agent: Agent):
    from PySide6.QtWidgets import QApplication

    from agent.ui.tray import TrayController

    quits: list[bool] = []
    t = TrayController(agent, QApplication.instance(), lambda: quits.append(True))
    yield t
    t.timer.stop()
    t.tray.hide()


def test_menu_has_every_command(tray) -> None:
    texts = [a.text() for a in tray.menu.actions() if a.text()]
    for expected in (
        "Start",
        "Pause",
        "Stop",
        "Sync now",
        "Recent screenshots…",
        "Settings…",
        "Quit",
    ):
        assert any(t.startswith(expected) for t in texts), (expected, texts)
    assert any(t.startswith("Project") for t in texts)
    assert any(t.startswith("Today 0:00") for t in texts)
    assert any(t in ("Sign in…", "Sign out") for t in texts)


def test_start_pause_stop_from_menu_change_state_and_icon(tray, agent, clock) -> None:
    from agent.ui.icons import TrayState

    tray.start_action.trigger()
    assert agent.tracker.state is State.RUNNING
    assert agent.tracker.project_id == P1  # first project when none chosen
    clock.advance(3720)
    tray.refresh()
    assert tray.tray_state is TrayState.TRACKING
    assert "today 1:02" in tray.tray.toolTip()
    assert not tray.start_action.isEnabled() and tray.pause_action.isEnabled()
    tray.pause_action.trigger()
    tray.refresh()
    assert agent.tracker.state is State.PAUSED and tray.tray_state is TrayState.PAUSED
    assert tray.start_action.text() == "Resume"
    tray.stop_action.trigger()
    tray.refresh()
    assert agent.tracker.state is State.STOPPED and tray.tray_state is TrayState.STOPPED


def test_project_and_task_picker_switches_running_entry(tray, agent, clock) -> None:
    tray.start_action.trigger()
    clock.advance(60)
    website = next(a for a in tray.project_menu.actions() if a.text() == "Website")
    blog = next(a for a in website.menu().actions() if a.text() == "Blog")
    blog.trigger()
    assert (agent.tracker.project_id, agent.tracker.task_id) == (P1, T1)
    internal = next(a for a in tray.project_menu.actions() if a.text() == "Internal")
    internal.trigger()
    assert agent.tracker.project_id == P2
    assert len(agent.outbox.all_entries()) == 3
    tray.refresh()
    assert tray.project_menu.title() == "Project: Internal"


def test_error_icon_when_capture_fails(tray, agent) -> None:
    from agent.ui.icons import TrayState

    agent.screenshots.problem = "the captured screen is completely black"
    tray.refresh()
    assert tray.tray_state is TrayState.ATTENTION
    assert "completely black" in tray.tray.toolTip()


def test_sign_in_window_reports_clear_errors(tray, qtbot) -> None:
    dlg = tray.show_sign_in()
    qtbot.addWidget(dlg)
    dlg.submit()
    assert "Fill in" in dlg.error.text()
    with socket.socket() as s:  # a port where nothing listens
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    dlg.server.setText(f"http://127.0.0.1:{port}")
    dlg.email.setText("me@example.com")
    dlg.password.setText("secret")
    dlg.submit()
    qtbot.waitUntil(lambda: "Cannot reach the server" in dlg.error.text(), timeout=10000)
    assert dlg.buttons.isEnabled()


def test_screenshots_window_deletes_before_upload(tray, agent, qtbot) -> None:
    agent.apply_policy(TrackingPolicy(allow_screenshot_delete=True))
    agent.start_tracking(P1)
    agent.capture_now()
    agent.capture_now()
    tray.shots_action.trigger()
    win = tray.windows["screenshots"]
    qtbot.addWidget(win)
    win.confirm = lambda _parent, _text: True
    assert len(win.delete_buttons) == 2
    key, button = next(iter(win.delete_buttons.items()))
    button.click()
    assert agent.outbox.get_screenshot(key).state == "deleted"
    assert len(win.delete_buttons) == 1


def test_idle_dialog_discard(tray, agent, clock, qtbot) -> None:
    agent.apply_policy(TrackingPolicy(idle_timeout_seconds=300))
    agent.start_tracking(P1)
    for _ in range(1200):  # away for 20 minutes
        clock.advance(1)
        agent.tick()
    agent.counter.key()  # back
    agent.tick()
    tray.refresh()
    dlg = tray._idle_dialog
    assert dlg is not None and agent.idle_pending is not None
    qtbot.addWidget(dlg)
    dlg.discard.click()
    assert agent.idle_pending is None
    clock.advance(60)
    agent.stop()
    # The second of the start click stays; the 20 idle minutes are gone.
    assert sum(e.seconds(clock.now()) for e in agent.outbox.all_entries()) == 61


def test_settings_dialog_saves_quota(tray, agent, qtbot) -> None:
    tray.settings_action.trigger()
    dlg = tray.windows["settings"]
    qtbot.addWidget(dlg)
    dlg.quota.setValue(64)
    dlg.idle_default.setCurrentText("discard")
    dlg.save()
    assert agent.outbox.quota_bytes == 64 * 1024 * 1024
    assert agent.settings.idle_default == "discard"


def test_the_tray_asks_what_you_work_on_and_shows_it(tray, agent, qtbot) -> None:
    from agent.ui.tray import NOTE_PROMPT

    assert tray.note_action.text() == NOTE_PROMPT
    tray.start()
    tray.note_action.trigger()
    win = tray.timer_window
    assert win is not None and win.isVisible()
    qtbot.waitUntil(win.note.hasFocus)
    qtbot.keyClicks(win.note, "Fixing the login page")
    win.note.editingFinished.emit()
    assert agent.tracker.current is not None
    assert agent.tracker.current.description == "Fixing the login page"
    stored = agent.outbox.get_entry(agent.tracker.current.key)
    assert stored is not None and stored.description == "Fixing the login page"
    tray.refresh()
    assert tray.note_action.text() == "Working on: Fixing the login page"
