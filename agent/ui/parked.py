"""Items the server refused for good, with the reason in plain words and what
the user can do: give an entry another project (it is sent again), send it
again unchanged (a locked week that was reopened), or discard it; refused
screenshots are listed with their reason."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
)

from agent.core.agent import Agent
from agent.core.outbox import LocalEntry
from agent.ui.fmt import date_text, time_text

REASONS = {
    "overlap": "It overlaps time already on the server (tracked on another computer?).",
    "unknown_project": "Its project or task no longer exists or was archived.",
    "invalid": "The server found a value it cannot accept.",
    "forbidden": "It belongs to another account.",
    "unknown_time_entry": "Its time entry is not on the server.",
    "locked": "Its week is approved and locked. Ask an admin to reopen the week, "
    "then choose Send again.",
}


def describe(e: LocalEntry, project_name: str | None) -> str:
    when = f"{date_text(e.start)} {time_text(e.start)}"
    if e.end:
        when += f" to {time_text(e.end)}"
    minutes = round(e.seconds(e.end or e.start) / 60)
    reason = REASONS.get(e.parked_reason or "", e.parked_reason or "refused")
    detail = f" ({e.parked_detail})" if e.parked_detail else ""
    return f"{when} · {minutes} min · {project_name or 'no project'}\n{reason}{detail}"


class ParkedDialog(QDialog):
    def __init__(self, agent: Agent) -> None:
        super().__init__()
        self.agent = agent
        self.setWindowTitle("Items that need your attention")
        self.resize(560, 420)
        intro = QLabel(
            "The server refused these items. They are kept on this computer and not sent "
            "again until you change them."
        )
        intro.setWordWrap(True)
        self.list = QListWidget()
        self.list.setWordWrap(True)
        self.list.setAlternatingRowColors(True)
        self.projects = QComboBox()
        for p in agent.projects:
            self.projects.addItem(p.name, (p.id, None))
            for t in p.tasks:
                self.projects.addItem(f"{p.name} / {t.name}", (p.id, t.id))
        self.move_button = QPushButton("Move to project and send again")
        self.resend_button = QPushButton("Send again")
        self.discard_button = QPushButton("Discard this time")
        self.close_button = QPushButton("Close")
        actions = QHBoxLayout()
        actions.addWidget(self.projects, 1)
        actions.addWidget(self.move_button)
        bottom = QHBoxLayout()
        bottom.addWidget(self.resend_button)
        bottom.addWidget(self.discard_button)
        bottom.addStretch(1)
        bottom.addWidget(self.close_button)
        self.empty = QLabel("Nothing needs your attention.")
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.empty)
        layout.addLayout(actions)
        layout.addLayout(bottom)
        self.move_button.clicked.connect(self.move_selected)
        self.resend_button.clicked.connect(self.resend_selected)
        self.discard_button.clicked.connect(self.discard_selected)
        self.close_button.clicked.connect(self.accept)
        self.list.currentItemChanged.connect(lambda *_: self._enable())
        self.refresh()

    def refresh(self) -> None:
        self.list.clear()
        for e in self.agent.outbox.parked_entries():
            item = QListWidgetItem(describe(e, self.agent.project_name(e.project_id, e.task_id)))
            item.setData(Qt.ItemDataRole.UserRole, e.key)
            self.list.addItem(item)
        for shot in self.agent.outbox.recent_screenshots(200):
            if shot.state == "parked":
                item = QListWidgetItem(
                    f"Screenshot of {date_text(shot.captured_at)} {time_text(shot.captured_at)}\n"
                    f"Refused: {shot.reason or 'no reason given'} (kept here, not sent again)"
                )
                item.setData(Qt.ItemDataRole.UserRole, None)
                self.list.addItem(item)
        if self.list.count():
            self.list.setCurrentRow(0)
        self.empty.setVisible(self.list.count() == 0)
        self._enable()

    def _selected_key(self) -> str | None:
        item = self.list.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item is not None else None

    def _enable(self) -> None:
        entry = self._selected_key() is not None
        self.move_button.setEnabled(entry and self.projects.count() > 0)
        self.resend_button.setEnabled(entry)
        self.discard_button.setEnabled(entry)

    def move_selected(self) -> None:
        key = self._selected_key()
        if key is None or self.projects.currentData() is None:
            return
        project_id, task_id = self.projects.currentData()
        self.agent.fix_parked(key, project_id, task_id)
        self.refresh()

    def resend_selected(self) -> None:
        key = self._selected_key()
        if key is None:
            return
        self.agent.resend_parked(key)
        self.refresh()

    def discard_selected(self, *, confirm: bool = True) -> None:
        key = self._selected_key()
        if key is None:
            return
        if confirm:
            answer = QMessageBox.question(
                self,
                "Discard this time?",
                "This time will not be sent to the server. It cannot be undone.",
            )
            if answer != QMessageBox.StandardButton.Yes:
                return
        self.agent.discard_parked(key)
        self.refresh()
