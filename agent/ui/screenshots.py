"""Recent screenshots: thumbnails with their state; delete before upload
where the organization's policy allows it."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QGridLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from agent.core.agent import Agent
from agent.core.outbox import ScreenshotRow

_STATE_TEXT = {
    "waiting": "waiting to upload",
    "uploaded": "uploaded",
    "parked": "refused by the server",
    "dropped": "dropped (disk quota)",
    "deleted": "deleted by you",
}


class ScreenshotsWindow(QWidget):
    def __init__(self, agent: Agent) -> None:
        super().__init__()
        self.agent = agent
        self.setWindowTitle("Recent screenshots")
        self.resize(820, 560)
        self.header = QLabel()
        self.grid = QGridLayout()
        inner = QWidget()
        inner.setLayout(self.grid)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(inner)
        layout = QVBoxLayout(self)
        layout.addWidget(self.header)
        layout.addWidget(scroll)
        self.delete_buttons: dict[str, QPushButton] = {}
        self.refresh()

    def refresh(self) -> None:
        while self.grid.count():
            item = self.grid.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        self.delete_buttons.clear()
        shots = self.agent.outbox.recent_screenshots(24)
        depth = self.agent.outbox.depth()
        policy = self.agent.policy
        rule = (
            f"You may delete a screenshot within {policy.screenshot_delete_window_minutes} "
            "minutes, before it is uploaded."
            if policy.allow_screenshot_delete
            else "Your organization does not allow deleting screenshots."
        )
        dropped = (
            f" {depth.dropped_screenshots} screenshot(s) were dropped by the local disk quota."
            if depth.dropped_screenshots
            else ""
        )
        self.header.setText(rule + dropped if shots else "No screenshots yet. " + rule)
        for i, shot in enumerate(shots):
            self.grid.addWidget(self._tile(shot), i // 3, i % 3)

    def _tile(self, shot: ScreenshotRow) -> QWidget:
        tile = QWidget()
        v = QVBoxLayout(tile)
        image = QLabel()
        image.setFixedSize(240, 140)
        image.setAlignment(Qt.AlignmentFlag.AlignCenter)
        pm = QPixmap()
        if shot.thumbnail and pm.loadFromData(shot.thumbnail):
            image.setPixmap(pm.scaled(240, 140, Qt.AspectRatioMode.KeepAspectRatio))
        else:
            image.setText(shot.reason or "no preview")
            image.setWordWrap(True)
        when = shot.captured_at.astimezone().strftime("%H:%M:%S")
        state = _STATE_TEXT.get(shot.state, shot.state)
        caption = QLabel(f"{when} — {state}" + (f"\n{shot.reason}" if shot.reason else ""))
        caption.setWordWrap(True)
        v.addWidget(image)
        v.addWidget(caption)
        if shot.state == "waiting" and self.agent.policy.allow_screenshot_delete:
            button = QPushButton("Delete")
            button.clicked.connect(lambda _=False, k=shot.key: self._delete(k))
            self.delete_buttons[shot.key] = button
            v.addWidget(button)
        return tile

    def _delete(self, key: str) -> None:
        problem = self.agent.delete_screenshot(key)
        if problem:
            QMessageBox.information(self, "Cannot delete", problem.capitalize() + ".")
        self.refresh()
