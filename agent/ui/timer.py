"""The timer window: where an employee spends the day with Hubnity.

A big start/stop button with the running time, the project picker, a
"what are you working on" note, today's and this week's totals (with the
organization's weekly limit when the server has one) and the sync state in
words. It shows what `refresh(snapshot)` hands it, once a second while it is
visible, and turns clicks and shortcuts into `Agent` commands.

Shortcuts: Ctrl+Enter start/stop, Ctrl+P pause/resume, Ctrl+F search
projects, Ctrl+L the note, Ctrl+R sync now, Esc close.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from PySide6.QtCore import QByteArray, QLocale, Qt, Signal
from PySide6.QtGui import QCloseEvent, QFont, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from agent.core.agent import Agent
from agent.core.snapshot import Snapshot
from agent.core.tracker import State
from agent.ui import theme
from agent.ui.features import ServerExtras
from agent.ui.fmt import time_text
from agent.ui.icons import app_pixmap
from agent.ui.prefs import UiPrefs
from agent.ui.projects import ProjectPicker
from agent.ui.viewmodel import (
    hm,
    hms,
    limit_line,
    local_midnight,
    recent_project_ids,
    sync_line,
    tracked_since,
    week_start,
)

SHORTCUTS = {
    "toggle": "Ctrl+Return",
    "pause": "Ctrl+P",
    "search": "Ctrl+F",
    "note": "Ctrl+L",
    "sync": "Ctrl+R",
    "close": "Esc",
}


class TimerWindow(QWidget):
    open_parked = Signal()
    open_screenshots = Signal()
    open_settings = Signal()
    sync_requested = Signal()
    mark_done = Signal(str, str)

    def __init__(self, agent: Agent, prefs: UiPrefs) -> None:
        super().__init__()
        self.agent = agent
        self.prefs = prefs
        self.extras = ServerExtras()
        self.setWindowTitle("Hubnity")
        self.setMinimumWidth(360)
        self.resize(400, 620)

        logo = QLabel()
        logo.setPixmap(app_pixmap(28))
        title = QLabel("Hubnity")
        tf = QFont()
        tf.setPointSizeF(tf.pointSizeF() * 1.25)
        tf.setBold(True)
        title.setFont(tf)
        self.account = QLabel("")
        self.account.setObjectName("muted")
        head = QHBoxLayout()
        head.addWidget(logo)
        head.addWidget(title)
        head.addStretch(1)
        head.addWidget(self.account)

        self.clock = QLabel("0:00:00")
        cf = QFont()
        cf.setPointSizeF(cf.pointSizeF() * 2.6)
        cf.setBold(True)
        self.clock.setFont(cf)
        self.clock.setAccessibleName("Running time")
        self.what = QLabel("Choose a project and press Start")
        self.what.setWordWrap(True)
        self.what.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        self.toggle = QPushButton("Start")
        self.toggle.setMinimumHeight(int(self.fontMetrics().height() * 2.6))
        self.toggle.setToolTip("Start or stop tracking (Ctrl+Enter)")
        bf = QFont()
        bf.setPointSizeF(bf.pointSizeF() * 1.3)
        bf.setBold(True)
        self.toggle.setFont(bf)
        self.pause = QPushButton("Pause")
        self.pause.setToolTip("Pause or resume (Ctrl+P)")
        self.pause.setMinimumHeight(self.toggle.minimumHeight())
        buttons = QHBoxLayout()
        buttons.addWidget(self.toggle, 3)
        buttons.addWidget(self.pause, 1)

        self.note = QLineEdit()
        self.note.setPlaceholderText("What are you working on?  (Ctrl+L)")
        self.note.setAccessibleName("Note")
        self.note.setMaxLength(2000)
        self.picker = ProjectPicker()

        self.today = QLabel("Today 0:00")
        self.week = QLabel("This week 0:00")
        self.limit = QLabel("")
        self.limit.setObjectName("muted")
        totals = QHBoxLayout()
        totals.addWidget(self.today)
        totals.addStretch(1)
        totals.addWidget(self.week)

        self.sync = QPushButton("")
        self.sync.setFlat(True)
        self.sync.setCursor(Qt.CursorShape.PointingHandCursor)
        self.sync.setToolTip("Sync now (Ctrl+R)")
        self.sync.setStyleSheet("text-align: left; padding: 2px;")
        self.shots_button = QPushButton("Screenshots")
        self.settings_button = QPushButton("Settings")
        footer = QHBoxLayout()
        footer.addWidget(self.sync, 1)
        footer.addWidget(self.shots_button)
        footer.addWidget(self.settings_button)
        line = QFrame()
        line.setFrameShape(QFrame.Shape.HLine)

        layout = QVBoxLayout(self)
        layout.addLayout(head)
        layout.addWidget(self.clock, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addWidget(self.what)
        layout.addLayout(buttons)
        layout.addWidget(self.note)
        layout.addWidget(self.picker, 1)
        layout.addLayout(totals)
        layout.addWidget(self.limit)
        layout.addWidget(line)
        layout.addLayout(footer)

        self.toggle.clicked.connect(self.toggle_tracking)
        self.pause.clicked.connect(self.pause_or_resume)
        self.note.editingFinished.connect(self.save_note)
        self.picker.chosen.connect(self.choose)
        self.picker.start_requested.connect(self.start)
        self.picker.mark_done.connect(self.mark_done)
        self.sync.clicked.connect(self._sync_clicked)
        self.shots_button.clicked.connect(self.open_screenshots)
        self.settings_button.clicked.connect(self.open_settings)
        for name, slot in (
            ("toggle", self.toggle_tracking),
            ("pause", self.pause_or_resume),
            ("search", self.focus_search),
            ("note", self.note.setFocus),
            ("sync", self.sync_requested.emit),
            ("close", self.close),
        ):
            QShortcut(QKeySequence(SHORTCUTS[name]), self, slot)
        QShortcut(QKeySequence("Ctrl+Enter"), self, self.toggle_tracking)
        self._sync_kind = "ok"
        self._restored = False

    # --- showing -----------------------------------------------------------------------------

    def present(self) -> None:
        if not self._restored:
            self._restored = True
            if self.prefs.window_geometry:
                self.restoreGeometry(QByteArray.fromBase64(self.prefs.window_geometry.encode()))
        self.note.setText(self.agent.tracker.description or "")
        self.refresh(self.agent.snapshot())
        self.show()
        self.raise_()
        self.activateWindow()

    def remember_geometry(self) -> None:
        self.prefs.window_geometry = bytes(self.saveGeometry().toBase64().data()).decode()
        self.prefs.save(self.agent.data_dir)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.save_note()
        self.remember_geometry()
        super().closeEvent(event)

    def refresh(self, snap: Snapshot) -> None:
        now = self.agent.clock.now()
        running = snap.state is State.RUNNING
        self.clock.setText(hms(snap.elapsed_seconds) if snap.state is not State.STOPPED else hms(0))
        away = self.agent.idle.idle_since if running else None
        self.what.setText(
            (snap.project_name or "No project")
            + (" — paused" if snap.state is State.PAUSED else "")
            + (f" — no input since {time_text(away)}" if away else "")
            if snap.state is not State.STOPPED
            else (
                f"Next: {snap.project_name}"
                if snap.project_name
                else "Choose a project and press Start"
            )
        )
        c = theme.colors()
        self.toggle.setText("Stop" if snap.state is not State.STOPPED else "Start")
        color = theme.STOP if snap.state is not State.STOPPED else theme.ACCENT
        self.toggle.setStyleSheet(
            f"QPushButton {{ background: {color}; color: white; border-radius: 8px; }}"
            f"QPushButton:focus {{ border: 2px solid {c['highlight']}; }}"
        )
        self.pause.setText("Resume" if snap.state is State.PAUSED else "Pause")
        self.pause.setEnabled(snap.state is not State.STOPPED)
        self.account.setText(self.agent.settings.email if snap.signed_in else "not signed in")
        self._totals(snap, now, running)
        line = sync_line(snap, now)
        self._sync_kind = line.kind
        arrow = "  → review" if line.kind == "attention" else ""
        self.sync.setText(line.text + arrow)
        colour = {"attention": theme.ATTENTION, "offline": "#b7791f"}.get(line.kind, c["muted"])
        self.sync.setStyleSheet(f"text-align: left; padding: 2px; color: {colour};")
        entries = self.agent.outbox.entries_since(now - timedelta(days=14))
        self.picker.set_data(
            list(self.agent.projects),
            recent_project_ids(entries),
            (snap.project_id, snap.task_id),
            self.extras.task_status,
        )

    def _totals(self, snap: Snapshot, now: datetime, running: bool) -> None:
        tz = self.agent.tracker.timezone
        local_today = now.astimezone(ZoneInfo(tz)).date()
        first = (QLocale().firstDayOfWeek().value - 1) % 7  # Qt: 1 = Monday
        monday = local_midnight(week_start(local_today, first), tz)
        key = self.agent.tracker.current.key if running and self.agent.tracker.current else None
        week = tracked_since(self.agent.outbox.entries_since(monday), monday, now, key)
        self.today.setText(f"Today {hm(snap.today_seconds)}")
        self.week.setText(f"This week {hm(week)}")
        text = limit_line(week, self.extras.weekly_limit_seconds)
        self.limit.setText(text)
        self.limit.setVisible(bool(text))

    # --- commands ----------------------------------------------------------------------------

    def start(self) -> None:
        self.save_note()
        snap = self.agent.snapshot()
        project = snap.project_id
        if project is None and self.agent.projects:
            names = self.picker.project_names()
            first = next((p for p in self.agent.projects if names and p.name == names[0]), None)
            project = (first or self.agent.projects[0]).id
        if snap.state is State.RUNNING:
            return
        if snap.state is State.PAUSED:
            self.agent.start_tracking()
        else:
            self.agent.start_tracking(project, snap.task_id if project == snap.project_id else None)
        self.refresh(self.agent.snapshot())

    def toggle_tracking(self) -> None:
        if self.agent.tracker.state is State.STOPPED:
            self.start()
        else:
            self.save_note()
            self.agent.stop()
            self.refresh(self.agent.snapshot())

    def pause_or_resume(self) -> None:
        state = self.agent.tracker.state
        if state is State.RUNNING:
            self.agent.pause()
        elif state is State.PAUSED:
            self.agent.start_tracking()
        self.refresh(self.agent.snapshot())

    def choose(self, project_id: str, task_id: str | None) -> None:
        self.agent.switch(project_id, task_id)
        self.refresh(self.agent.snapshot())

    def save_note(self) -> None:
        self.agent.set_note(self.note.text())

    def focus_search(self) -> None:
        self.picker.search.setFocus()
        self.picker.search.selectAll()

    def _sync_clicked(self) -> None:
        if self._sync_kind == "attention":
            self.open_parked.emit()
        else:
            self.sync_requested.emit()
