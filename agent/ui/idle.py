"""Asks what to do with idle time when the user comes back."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QDialog, QHBoxLayout, QLabel, QPushButton, QVBoxLayout

from agent.core.agent import Agent
from agent.core.idle import IdleAction, IdlePeriod


class IdleDialog(QDialog):
    def __init__(self, agent: Agent, period: IdlePeriod) -> None:
        super().__init__()
        self.agent = agent
        self.setWindowTitle("You were away")
        start = period.start.astimezone().strftime("%H:%M")
        end = period.end.astimezone().strftime("%H:%M")
        minutes = round(period.seconds / 60)
        text = QLabel(
            f"No keyboard or mouse activity from {start} to {end} ({minutes} min).\n"
            "What should happen to this time?"
        )
        self.keep = QPushButton("Keep it")
        self.discard = QPushButton("Discard it")
        self.reassign = QPushButton("Assign to:")
        self.projects = QComboBox()
        for p in agent.projects:
            self.projects.addItem(p.name, (p.id, None))
            for t in p.tasks:
                self.projects.addItem(f"{p.name} / {t.name}", (p.id, t.id))
        self.reassign.setEnabled(self.projects.count() > 0)
        self.keep.clicked.connect(lambda: self._answer(IdleAction.KEEP))
        self.discard.clicked.connect(lambda: self._answer(IdleAction.DISCARD))
        self.reassign.clicked.connect(lambda: self._answer(IdleAction.REASSIGN))
        row = QHBoxLayout()
        row.addWidget(self.keep)
        row.addWidget(self.discard)
        row.addWidget(self.reassign)
        row.addWidget(self.projects)
        layout = QVBoxLayout(self)
        layout.addWidget(text)
        layout.addLayout(row)

    def _answer(self, action: IdleAction) -> None:
        project, task = self.projects.currentData() or (None, None)
        self.agent.resolve_idle(action, project, task)
        self.accept()
