"""The tray icon and its menu. Polls `Agent.snapshot()` once a second and
turns menu clicks into agent commands; holds no logic of its own."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import QObject, QTimer
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QApplication, QMenu, QSystemTrayIcon

from agent.core.agent import Agent
from agent.core.snapshot import Snapshot
from agent.core.tracker import State
from agent.ui.icons import TrayState, icon_for
from agent.ui.idle import IdleDialog
from agent.ui.screenshots import ScreenshotsWindow
from agent.ui.settings import SettingsDialog
from agent.ui.signin import SignInDialog
from agent.ui.worker import Call


def hm(seconds: float) -> str:
    s = int(seconds)
    return f"{s // 3600}:{s % 3600 // 60:02d}"


def tray_state(snap: Snapshot) -> TrayState:
    if snap.auth_required or snap.capture_problem or snap.depth.parked:
        return TrayState.ERROR
    if snap.signed_in and not snap.online:
        return TrayState.OFFLINE
    if snap.state is State.RUNNING:
        return TrayState.TRACKING
    if snap.state is State.PAUSED:
        return TrayState.PAUSED
    return TrayState.STOPPED


def tooltip(snap: Snapshot) -> str:
    lines = [f"Hubnity — today {hm(snap.today_seconds)}"]
    if snap.state is State.RUNNING:
        lines.append(f"Tracking {snap.project_name or 'no project'} ({hm(snap.elapsed_seconds)})")
    elif snap.state is State.PAUSED:
        lines.append("Paused")
    if not snap.signed_in or snap.auth_required:
        lines.append("Sign in to upload your time")
    elif not snap.online:
        lines.append(f"Offline — {snap.depth.total} item(s) waiting")
    if snap.capture_problem:
        lines.append(f"Screenshots: {snap.capture_problem}")
    if snap.depth.parked:
        lines.append(f"{snap.depth.parked} item(s) refused by the server")
    return "\n".join(lines)


class TrayController(QObject):
    def __init__(self, agent: Agent, app: QApplication, on_quit: Callable[[], None]) -> None:
        super().__init__()
        self.agent = agent
        self.app = app
        self._on_quit = on_quit
        self.tray = QSystemTrayIcon(icon_for(TrayState.STOPPED))
        self.menu = QMenu()
        self.status_action = self._add("Today 0:00", None, enabled=False)
        self.menu.addSeparator()
        self.start_action = self._add("Start", self.start)
        self.pause_action = self._add("Pause", agent.pause)
        self.stop_action = self._add("Stop", agent.stop)
        self.project_menu = self.menu.addMenu("Project")
        self.menu.addSeparator()
        self.sync_action = self._add("Sync now", self.sync_now)
        self.shots_action = self._add("Recent screenshots…", self.show_screenshots)
        self.settings_action = self._add("Settings…", self.show_settings)
        self.sign_action = self._add("Sign out", self.sign_in_or_out)
        self.menu.addSeparator()
        self.quit_action = self._add("Quit", self.quit)
        self.tray.setContextMenu(self.menu)
        self.tray.activated.connect(self._activated)
        self.windows: dict[str, object] = {}
        self._projects_shown: list[tuple[str | None, str | None]] | None = None
        self._idle_dialog: IdleDialog | None = None
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.refresh)
        self.timer.start(1000)
        self.snapshot: Snapshot | None = None
        self.refresh()
        self.tray.show()

    def _add(self, text: str, slot: Callable[[], None] | None, *, enabled: bool = True) -> QAction:
        action = self.menu.addAction(text)
        action.setEnabled(enabled)
        if slot is not None:
            action.triggered.connect(lambda _=False: slot())
        return action

    # --- refresh -----------------------------------------------------------------------

    def refresh(self) -> None:
        snap = self.agent.snapshot()
        self.snapshot = snap
        state = tray_state(snap)
        self.tray.setIcon(icon_for(state))
        self.tray.setToolTip(tooltip(snap))
        self.tray_state = state
        self.status_action.setText(
            f"Today {hm(snap.today_seconds)}"
            + (f" — {snap.project_name}" if snap.project_name else "")
        )
        running = snap.state is State.RUNNING
        self.start_action.setText("Resume" if snap.state is State.PAUSED else "Start")
        self.start_action.setEnabled(not running)
        self.pause_action.setEnabled(running)
        self.stop_action.setEnabled(snap.state is not State.STOPPED)
        last = snap.last_sync_at.astimezone().strftime("%H:%M") if snap.last_sync_at else "never"
        pending = f", {snap.depth.total} waiting" if snap.depth.total else ""
        self.sync_action.setText(f"Sync now (last: {last}{pending})")
        self.sync_action.setEnabled(snap.signed_in)
        self.sign_action.setText(
            "Sign out" if snap.signed_in and not snap.auth_required else "Sign in…"
        )
        self._rebuild_projects(snap)
        for notice in snap.notices:
            self.tray.showMessage("Hubnity", notice, QSystemTrayIcon.MessageIcon.Information, 8000)
        if snap.idle_pending is not None and self._idle_dialog is None:
            self._idle_dialog = IdleDialog(self.agent, snap.idle_pending)
            self._idle_dialog.finished.connect(self._idle_closed)
            self._idle_dialog.show()

    def _idle_closed(self) -> None:
        self._idle_dialog = None

    def _rebuild_projects(self, snap: Snapshot) -> None:
        wanted: list[tuple[str | None, str | None]] = [(p.id, None) for p in self.agent.projects]
        wanted += [(p.id, t.id) for p in self.agent.projects for t in p.tasks]
        current = (snap.project_id, snap.task_id)
        key = [*wanted, current]
        if key == self._projects_shown:
            return
        self._projects_shown = key
        self.project_menu.clear()
        self.project_menu.setTitle(f"Project: {snap.project_name or 'choose…'}")
        if not self.agent.projects:
            self.project_menu.addAction("(no active projects)").setEnabled(False)
        for p in self.agent.projects:
            target = self.project_menu.addMenu(p.name) if p.tasks else self.project_menu
            choices = [(p.name if not p.tasks else "(no task)", None)] + [
                (t.name, t.id) for t in p.tasks
            ]
            for label, task_id in choices:
                action = target.addAction(label)
                action.setCheckable(True)
                action.setChecked(current == (p.id, task_id))
                action.triggered.connect(
                    lambda _=False, pid=p.id, tid=task_id: self.choose(pid, tid)
                )

    # --- commands ----------------------------------------------------------------------------

    def start(self) -> None:
        snap = self.snapshot
        if snap is not None and snap.project_id is None and self.agent.projects:
            self.agent.start_tracking(self.agent.projects[0].id, None)
        else:
            self.agent.start_tracking()
        self.refresh()

    def choose(self, project_id: str, task_id: str | None) -> None:
        if self.agent.tracker.state is State.RUNNING:
            self.agent.switch(project_id, task_id)
        else:
            self.agent.start_tracking(project_id, task_id)
        self.refresh()

    def sync_now(self) -> None:
        self.agent.sync_now()
        call = Call(self.agent.refresh_now, self)
        call.done.connect(lambda *_: self.refresh())
        call.start()
        self.windows["refresh"] = call

    def show_screenshots(self) -> None:
        win = ScreenshotsWindow(self.agent)
        self.windows["screenshots"] = win
        win.show()

    def show_settings(self) -> None:
        dlg = SettingsDialog(self.agent)
        self.windows["settings"] = dlg
        dlg.show()

    def sign_in_or_out(self) -> None:
        snap = self.snapshot
        if snap is not None and snap.signed_in and not snap.auth_required:
            self.agent.sign_out()
            self.refresh()
            self.show_sign_in()
        else:
            self.show_sign_in()

    def show_sign_in(self) -> SignInDialog:
        dlg = SignInDialog(self.agent)
        dlg.signed_in.connect(self.refresh)
        self.windows["signin"] = dlg
        dlg.show()
        return dlg

    def _activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason == QSystemTrayIcon.ActivationReason.Trigger:
            self.menu.popup(self.tray.geometry().center())

    def quit(self) -> None:
        self.timer.stop()
        self.tray.hide()
        self._on_quit()
        self.app.quit()


def last_sync_text(at: datetime | None) -> str:
    return at.astimezone().strftime("%H:%M") if at else "never"
