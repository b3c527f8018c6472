"""The timer window (pytest-qt, offscreen): search and pick a project with
the keyboard, start, note, stop, totals, weekly limit, sync state, tasks,
remembered place, palettes."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from datetime import timedelta

import pytest
from PySide6.QtCore import Qt

from agent.core.outbox import QueueDepth
from agent.core.tracker import State
from agent.ui.features import ServerExtras
from agent.ui.prefs import UiPrefs
from tests.agent.conftest import P1, P2, P3, T1


@pytest.fixture
def window(qtbot, ui_agent):
    from agent.ui.timer import TimerWindow

    win = TimerWindow(ui_agent, UiPrefs.load(ui_agent.data_dir))
    qtbot.addWidget(win)
    win.present()
    return win


def _names(win) -> list[str]:
    return win.picker.project_names()


def test_type_to_find_a_project_enter_starts_it_note_reaches_the_entry(
    window, ui_agent, clock, qtbot
) -> None:
    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert window.picker.search.hasFocus()
    qtbot.keyClicks(window.picker.search, "mob")
    assert _names(window) == ["Mobile app"]
    qtbot.keyClick(window.picker.search, Qt.Key.Key_Return)
    assert ui_agent.tracker.state is State.RUNNING
    assert ui_agent.tracker.project_id == P3
    qtbot.keyClick(window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert window.note.hasFocus()
    qtbot.keyClicks(window.note, "Release notes for 2.1")
    qtbot.keyClick(window.note, Qt.Key.Key_Return)
    running = ui_agent.outbox.get_entry(ui_agent.tracker.current.key)
    assert running.description == "Release notes for 2.1"
    clock.advance(125)
    window.refresh(ui_agent.snapshot())
    assert window.clock.text() == "0:02:05"
    assert window.toggle.text() == "Stop"
    assert "Mobile app" in window.what.text()
    qtbot.keyClick(window, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert ui_agent.tracker.state is State.STOPPED
    (entry,) = ui_agent.outbox.all_entries()
    assert (entry.project_id, entry.description, entry.status) == (
        P3,
        "Release notes for 2.1",
        "STOPPED",
    )
    assert window.toggle.text() == "Start"


def test_arrow_keys_move_through_matches(window, ui_agent, qtbot) -> None:
    qtbot.keyClicks(window.picker.search, "A")  # any case: Internal, Mobile app
    names = _names(window)
    assert names == ["Internal", "Mobile app"]
    qtbot.keyClick(window.picker.search, Qt.Key.Key_Down)
    qtbot.keyClick(window.picker.search, Qt.Key.Key_Return)
    assert ui_agent.tracker.project_id == P3


def test_search_finds_a_project_by_its_task(window) -> None:
    window.picker.search.setText("blog")
    assert _names(window) == ["Website"]
    window.picker.search.setText("zzz")
    assert _names(window) == []
    assert window.picker.list.item(0).text() == "No project matches"


def test_recent_projects_come_first(window, ui_agent, clock) -> None:
    assert _names(window) == ["Internal", "Mobile app", "Website"]  # by name
    ui_agent.start_tracking(P3)
    clock.advance(60)
    ui_agent.switch(P1, None)
    clock.advance(60)
    ui_agent.stop()
    window.refresh(ui_agent.snapshot())
    assert _names(window) == ["Website", "Mobile app", "Internal"]
    headers = [window.picker.list.item(i).text() for i in range(window.picker.list.count())]
    assert headers[0] == "Recent" and "All projects" in headers


def test_task_pick_switches_and_pause_resume_shortcut(window, ui_agent, clock, qtbot) -> None:
    window.picker.search.setText("web")
    qtbot.keyClick(window.picker.search, Qt.Key.Key_Return)
    tasks = [window.picker.tasks.item(i).text() for i in range(window.picker.tasks.count())]
    assert tasks == ["(no task)", "Blog"]
    window.picker.tasks.setCurrentRow(1)
    window.picker._pick_task()
    assert (ui_agent.tracker.project_id, ui_agent.tracker.task_id) == (P1, T1)
    qtbot.keyClick(window, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    assert ui_agent.tracker.state is State.PAUSED
    assert window.pause.text() == "Resume"
    qtbot.keyClick(window, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    assert ui_agent.tracker.state is State.RUNNING


def test_mark_done_only_where_the_server_reports_task_status(window, ui_agent, qtbot) -> None:
    window.picker.search.setText("web")
    window.picker._pick()
    assert not window.picker.done_button.isVisibleTo(window)  # no status from the server
    window.extras = ServerExtras(task_status={T1: "OPEN"})
    window.refresh(ui_agent.snapshot())
    window.picker._pick()
    assert window.picker.done_button.isVisibleTo(window)
    window.picker.tasks.setCurrentRow(1)
    with qtbot.waitSignal(window.mark_done) as sig:
        window.picker.done_button.click()
    assert sig.args == [P1, T1]
    window.extras = ServerExtras(task_status={T1: "DONE"})
    window.refresh(ui_agent.snapshot())
    assert "done" in window.picker.tasks.item(1).text()


def test_today_and_week_totals_and_the_weekly_limit(window, ui_agent, clock) -> None:
    # Thursday 15 Jan 2026, 09:00 UTC; Monday's 2 h count for the week, not for today.
    clock.set_wall(-3 * 86400)
    ui_agent.start_tracking(P1)
    clock.advance(7200)
    ui_agent.stop()
    clock.set_wall(3 * 86400)
    ui_agent.start_tracking(P2)
    clock.advance(1800)
    window.refresh(ui_agent.snapshot())
    assert window.today.text() == "Today 0:30"
    assert window.week.text() == "This week 2:30"
    assert not window.limit.isVisibleTo(window)  # the server has no weekly limit
    window.extras = ServerExtras(weekly_limit_seconds=40 * 3600)
    window.refresh(ui_agent.snapshot())
    assert window.limit.isVisibleTo(window)
    assert window.limit.text() == "of 40:00 weekly limit, 37:30 left"


def test_sync_state_in_words_and_attention_opens_the_parked_list(
    window, ui_agent, clock, qtbot
) -> None:
    snap = ui_agent.snapshot()
    window.refresh(snap)
    assert window.sync.text().startswith("Not signed in")
    snap.signed_in, snap.online = True, False
    snap.depth = QueueDepth(3, 2, 0, 0, 0, 0)
    window.refresh(snap)
    assert window.sync.text() == "Offline, 5 items waiting"
    snap.online, snap.depth = True, QueueDepth(0, 0, 0, 0, 0, 0)
    snap.last_sync_at = clock.now() - timedelta(minutes=4)
    window.refresh(snap)
    assert window.sync.text() == "Synced 4 min ago"
    with qtbot.waitSignal(window.sync_requested):
        window.sync.click()
    snap.depth = QueueDepth(0, 0, 0, 0, 2, 0)
    window.refresh(snap)
    assert window.sync.text().startswith("2 items need attention")
    with qtbot.waitSignal(window.open_parked):
        window.sync.click()


def test_the_window_remembers_its_place(qtbot, ui_agent) -> None:
    from agent.ui.timer import TimerWindow

    first = TimerWindow(ui_agent, UiPrefs.load(ui_agent.data_dir))
    qtbot.addWidget(first)
    first.present()
    first.setGeometry(137, 91, 430, 650)
    first.close()
    again = TimerWindow(ui_agent, UiPrefs.load(ui_agent.data_dir))
    qtbot.addWidget(again)
    again.present()
    assert (again.geometry().x(), again.geometry().y()) == (137, 91)
    assert (again.width(), again.height()) == (430, 650)


def test_escape_closes_and_the_note_survives(window, ui_agent, qtbot) -> None:
    window.note.setText("Reviewing PRs")
    qtbot.keyClick(window, Qt.Key.Key_Escape)
    assert not window.isVisible()
    assert ui_agent.tracker.description == "Reviewing PRs"
    window.present()
    assert window.note.text() == "Reviewing PRs"


def test_light_and_dark_palettes(monkeypatch) -> None:
    from PySide6.QtGui import QPalette
    from PySide6.QtWidgets import QApplication

    from agent.ui import theme

    app = QApplication.instance()
    monkeypatch.setenv("HUBNITY_THEME", "dark")
    theme.apply(app)
    dark = app.palette().color(QPalette.ColorRole.Window)
    monkeypatch.setenv("HUBNITY_THEME", "light")
    theme.apply(app)
    light = app.palette().color(QPalette.ColorRole.Window)
    assert dark.lightness() < 80 < 200 < light.lightness()
    text = app.palette().color(QPalette.ColorRole.WindowText)
    assert abs(text.lightness() - light.lightness()) > 150  # readable
