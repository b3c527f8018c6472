"""When the user comes back: how long they were away, and what to do with
that time (keep, discard, or keep it for another project). After a sleep
that stopped tracking, the same window offers to resume."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
)

from agent.core.agent import Agent
from agent.core.idle import IdleAction, IdlePeriod
from agent.ui.fmt import time_text
from agent.ui.icons import app_icon


def away_text(seconds: float) -> str:
    minutes = max(1, round(seconds / 60))
    if minutes < 60:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60:02d} min"


class IdleDialog(QDialog):
    def __init__(self, agent: Agent, period: IdlePeriod) -> None:
        super().__init__()
        self.agent = agent
        self.period = period
        self.setWindowTitle("Welcome back")
        self.setWindowIcon(app_icon())
        self.setWindowFlag(Qt.WindowType.WindowStaysOnTopHint)
        self.setMinimumWidth(480)
        self.title = title = QLabel(f"You were away for {away_text(period.seconds)}")
        tf = QFont()
        tf.setPointSizeF(tf.pointSizeF() * 1.5)
        tf.setBold(True)
        title.setFont(tf)
        project = agent.project_name(agent.tracker.project_id, agent.tracker.task_id)
        self.text = text = QLabel(
            f"No keyboard or mouse activity from {time_text(period.start)} to "
            f"{time_text(period.end)}"
            + (f" while tracking {project}" if project else "")
            + ". What should happen to this time?"
        )
        text.setWordWrap(True)
        self.keep = QPushButton("&Keep it, I was working")
        self.discard = QPushButton("&Discard it")
        self.reassign = QPushButton("Keep it &as:")
        self.projects = QComboBox()
        self.projects.setAccessibleName("Project for the time away")
        for p in agent.projects:
            self.projects.addItem(p.name, (p.id, None))
            for t in p.tasks:
                self.projects.addItem(f"{p.name} / {t.name}", (p.id, t.id))
        first_other = next(
            (
                i
                for i in range(self.projects.count())
                if self.projects.itemData(i)[0] != agent.tracker.project_id
            ),
            0,
        )
        self.projects.setCurrentIndex(first_other)  # another project than the one tracked
        self.reassign.setEnabled(self.projects.count() > 0)
        self.projects.setEnabled(self.projects.count() > 0)
        self.keep.clicked.connect(lambda: self._answer(IdleAction.KEEP))
        self.discard.clicked.connect(lambda: self._answer(IdleAction.DISCARD))
        self.reassign.clicked.connect(lambda: self._answer(IdleAction.REASSIGN))
        other = QHBoxLayout()
        other.addWidget(self.reassign)
        other.addWidget(self.projects, 1)
        row = QHBoxLayout()
        row.addWidget(self.keep)
        row.addWidget(self.discard)
        hint = QLabel("Tracking goes on meanwhile; your answer only changes the time away.")
        hint.setWordWrap(True)
        hint.setObjectName("muted")
        layout = QVBoxLayout(self)
        layout.setSpacing(10)
        layout.addWidget(title)
        layout.addWidget(text)
        layout.addLayout(row)
        layout.addLayout(other)
        layout.addWidget(hint)
        self.keep.setDefault(True)
        self.keep.setFocus()

    def _answer(self, action: IdleAction) -> None:
        project, task = self.projects.currentData() or (None, None)
        self.agent.resolve_idle(action, project, task)
        self.accept()


class SleepDialog(QDialog):
    """Tracking stopped while the computer slept: say so, offer to go on."""

    def __init__(self, agent: Agent, message: str) -> None:
        super().__init__()
        self.agent = agent
        self.setWindowTitle("Welcome back")
        self.setWindowIcon(app_icon())
        self.setMinimumWidth(440)
        text = QLabel(message)
        text.setWordWrap(True)
        self.resume = QPushButton("&Resume tracking")
        self.stay = QPushButton("&Stay stopped")
        self.resume.setDefault(True)
        self.resume.clicked.connect(self._resume)
        self.stay.clicked.connect(self.reject)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.stay)
        row.addWidget(self.resume)
        layout = QVBoxLayout(self)
        layout.addWidget(text)
        layout.addLayout(row)

    def _resume(self) -> None:
        self.agent.start_tracking()
        self.accept()
