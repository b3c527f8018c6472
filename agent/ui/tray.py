"""The tray icon, its menu and the windows. Polls `Agent.snapshot()` once a
second; a click on the icon opens the timer window; menu clicks become agent
commands. Holds no tracking logic of its own."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import QObject, QTimer
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QApplication, QMenu, QSystemTrayIcon, QWidget

from agent.core.agent import Agent
from agent.core.snapshot import Snapshot
from agent.core.tracker import State
from agent.ui.features import ServerExtras, fetch_extras, mark_task_done
from agent.ui.fmt import time_text
from agent.ui.icons import TrayState, app_icon, icon_for
from agent.ui.idle import IdleDialog, SleepDialog
from agent.ui.notices import Notice, NoticePlanner
from agent.ui.parked import ParkedDialog
from agent.ui.prefs import UiPrefs
from agent.ui.screenshots import ScreenshotsWindow
from agent.ui.settings import SettingsDialog
from agent.ui.signin import SignInDialog
from agent.ui.timer import TimerWindow
from agent.ui.viewmodel import hm, sync_line
from agent.ui.worker import Call

EXTRAS_EVERY_SECONDS = 600


NOTE_PROMPT = "What are you working on…"


def note_label(note: str | None) -> str:
    """The tray's note item: the current note (cut to fit a menu), or the question."""
    if not note:
        return NOTE_PROMPT
    return f"Working on: {note if len(note) <= 40 else note[:39] + '…'}"


def tray_state(snap: Snapshot, idle: bool = False) -> TrayState:
    if snap.auth_required or snap.capture_problem or snap.storage_problem or snap.depth.parked:
        return TrayState.ATTENTION
    if snap.signed_in and not snap.online:
        return TrayState.OFFLINE
    if snap.state is State.RUNNING:
        return TrayState.IDLE if idle else TrayState.TRACKING
    if snap.state is State.PAUSED:
        return TrayState.PAUSED
    return TrayState.STOPPED


def tooltip(snap: Snapshot, now: datetime) -> str:
    lines = [f"Hubnity — today {hm(snap.today_seconds)}"]
    if snap.state is State.RUNNING:
        lines.append(f"Tracking {snap.project_name or 'no project'} ({hm(snap.elapsed_seconds)})")
        if snap.idle_pending is not None:
            lines.append("You were away: choose what to do with that time")
    elif snap.state is State.PAUSED:
        lines.append("Paused")
    lines.append(sync_line(snap, now).text)
    if snap.capture_problem:
        lines.append(f"Screenshots: {snap.capture_problem}")
    if snap.storage_problem:
        lines.append(snap.storage_problem)
    return "\n".join(lines)


class TrayController(QObject):
    def __init__(self, agent: Agent, app: QApplication, on_quit: Callable[[], None]) -> None:
        super().__init__()
        self.agent = agent
        self.app = app
        self._on_quit = on_quit
        self.prefs = UiPrefs.load(agent.data_dir)
        self.extras = ServerExtras()
        self.planner = NoticePlanner(self.prefs)
        self.tray = QSystemTrayIcon(icon_for(TrayState.STOPPED))
        self.menu = QMenu()
        self.open_action = self._add("Open Hubnity", None)
        self.open_action.triggered.connect(lambda _=False: self.show_timer())
        self.status_action = self._add("Today 0:00", None, enabled=False)
        self.menu.addSeparator()
        self.start_action = self._add("Start", self.start)
        self.pause_action = self._add("Pause", agent.pause)
        self.stop_action = self._add("Stop", agent.stop)
        self.project_menu = self.menu.addMenu("Project")
        self.note_action = self._add(NOTE_PROMPT, self.edit_note)
        self.menu.addSeparator()
        self.sync_action = self._add("Sync now", self.sync_now)
        self.shots_action = self._add("Recent screenshots…", self.show_screenshots)
        self.settings_action = self._add("Settings…", self.show_settings)
        self.sign_action = self._add("Sign out", self.sign_in_or_out)
        self.menu.addSeparator()
        self.quit_action = self._add("Quit", self.quit)
        self.tray.setContextMenu(self.menu)
        self.tray.activated.connect(self._activated)
        self.tray.messageClicked.connect(self._message_clicked)
        self.windows: dict[str, QObject] = {}
        self.timer_window: TimerWindow | None = None
        self.last_notice: Notice | None = None
        self._projects_shown: list[tuple[str | None, str | None]] | None = None
        self._idle_dialog: IdleDialog | None = None
        self._extras_at = -float(EXTRAS_EVERY_SECONDS)
        self._was_running = False
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.refresh)
        self.timer.start(1000)
        self.snapshot: Snapshot | None = None
        self.tray_state = TrayState.STOPPED
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
        now = self.agent.clock.now()
        idle = self.agent.idle.idle or snap.idle_pending is not None
        state = tray_state(snap, idle)
        self.tray.setIcon(icon_for(state))
        self.tray.setToolTip(tooltip(snap, now))
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
        last = time_text(snap.last_sync_at) if snap.last_sync_at else "never"
        pending = f", {snap.depth.total} waiting" if snap.depth.total else ""
        self.sync_action.setText(f"Sync now (last: {last}{pending})")
        self.sync_action.setEnabled(snap.signed_in)
        self.sign_action.setText(
            "Sign out" if snap.signed_in and not snap.auth_required else "Sign in…"
        )
        self.note_action.setText(note_label(self.agent.tracker.description))
        self._rebuild_projects(snap)
        self._notify(snap, now)
        if snap.idle_pending is not None and self._idle_dialog is None:
            self._idle_dialog = IdleDialog(self.agent, snap.idle_pending)
            self._idle_dialog.finished.connect(self._idle_closed)
            self._idle_dialog.show()
        self._was_running = running
        if self.timer_window is not None and self.timer_window.isVisible():
            self.timer_window.extras = self.extras
            self.timer_window.refresh(snap)
        if snap.signed_in and self.agent.clock.monotonic() - self._extras_at > EXTRAS_EVERY_SECONDS:
            self.refresh_extras()

    def _notify(self, snap: Snapshot, now: datetime) -> None:
        shot = None
        if self.extras.notify_screenshots:
            recent = self.agent.outbox.recent_screenshots(1)
            if recent:
                shot = (recent[0].key, recent[0].captured_at, recent[0].blur_level)
        for notice in self.planner.plan(
            snap,
            now.astimezone(),
            notify_screenshots=self.extras.notify_screenshots,
            latest_shot=shot,
        ):
            self.last_notice = notice
            icon = (
                QSystemTrayIcon.MessageIcon.Warning
                if notice.kind in ("attention", "signin")
                else QSystemTrayIcon.MessageIcon.Information
            )
            self.tray.showMessage("Hubnity", notice.text, icon, 8000)
            if notice.kind == "core" and "asleep" in notice.text and snap.state is State.STOPPED:
                self.show_window("sleep", SleepDialog(self.agent, notice.text), activate=False)

    def _message_clicked(self) -> None:
        kind = self.last_notice.kind if self.last_notice else ""
        if kind == "attention":
            self.show_parked()
        elif kind == "signin":
            self.show_sign_in()
        elif kind == "screenshot":
            self.show_screenshots()
        else:
            self.show_timer()

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

    def refresh_extras(self) -> None:
        """What the server offers beyond the contract (weekly limit, task status)."""
        self._extras_at = self.agent.clock.monotonic()
        api = self.agent.api
        call = Call(lambda: fetch_extras(api), self)
        call.done.connect(self._extras_arrived)
        call.start()
        self.windows["extras"] = call

    def _extras_arrived(self, extras: object, exc: BaseException | None) -> None:
        if exc is None and isinstance(extras, ServerExtras):
            self.extras = extras
            if self.timer_window is not None:
                self.timer_window.extras = extras

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
        self._extras_at = -EXTRAS_EVERY_SECONDS

    def mark_done(self, project_id: str, task_id: str) -> None:
        api = self.agent.api
        call = Call(lambda: mark_task_done(api, project_id, task_id), self)
        call.done.connect(self._marked)
        call.start()
        self.windows["mark_done"] = call

    def _marked(self, _result: object, exc: BaseException | None) -> None:
        text = f"Could not mark the task done: {exc}" if exc else "Task marked done."
        self.tray.showMessage("Hubnity", text, QSystemTrayIcon.MessageIcon.Information, 5000)
        self.refresh_extras()

    def show_window(self, name: str, win: QWidget, *, activate: bool = True) -> QWidget:
        """Show a window; `activate` also takes the keyboard focus (for what
        the user asked for, not for a window that opens on its own)."""
        self.windows[name] = win
        win.show()
        win.raise_()
        if activate:
            win.activateWindow()
        return win

    def show_timer(self) -> TimerWindow:
        if self.timer_window is None:
            win = TimerWindow(self.agent, self.prefs)
            win.setWindowIcon(app_icon())
            win.open_parked.connect(self.show_parked)
            win.open_screenshots.connect(self.show_screenshots)
            win.open_settings.connect(self.show_settings)
            win.sync_requested.connect(self.sync_now)
            win.mark_done.connect(self.mark_done)
            self.timer_window = win
        self.timer_window.extras = self.extras
        self.timer_window.present()
        return self.timer_window

    def edit_note(self) -> None:
        """Say what you are working on: the timer window with its note field focused
        (the note goes with the running entry and the next ones)."""
        win = self.show_timer()
        win.note.setFocus()
        win.note.selectAll()

    def show_screenshots(self) -> None:
        self.show_window("screenshots", ScreenshotsWindow(self.agent))

    def show_settings(self) -> None:
        dlg = SettingsDialog(self.agent, self.prefs)
        dlg.open_parked.connect(self.show_parked)
        self.show_window("settings", dlg)

    def show_parked(self) -> None:
        self.show_window("parked", ParkedDialog(self.agent))

    def sign_in_or_out(self) -> None:
        snap = self.snapshot
        if snap is not None and snap.signed_in and not snap.auth_required:
            self.agent.sign_out()
            self.refresh()
        self.show_sign_in()

    def show_sign_in(self, *, activate: bool = True) -> SignInDialog:
        dlg = SignInDialog(self.agent)
        dlg.signed_in.connect(self._signed_in)
        self.show_window("signin", dlg, activate=activate)
        return dlg

    def _signed_in(self) -> None:
        self._extras_at = -EXTRAS_EVERY_SECONDS
        self.refresh()
        self.show_timer()

    def _activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason in (
            QSystemTrayIcon.ActivationReason.Trigger,
            QSystemTrayIcon.ActivationReason.DoubleClick,
        ):
            if self.timer_window is not None and self.timer_window.isVisible():
                self.timer_window.close()
            else:
                self.show_timer()

    def quit(self) -> None:
        self.timer.stop()
        if self.timer_window is not None and self.timer_window.isVisible():
            self.timer_window.close()  # keeps its place and the note
        self.tray.hide()
        self._on_quit()
        self.app.quit()
