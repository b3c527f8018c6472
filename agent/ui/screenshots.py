"""Recent screenshots: thumbnails with time, blur level and upload state;
delete one (after a confirmation) while the policy allows it, and a clear
note on each one that can no longer be deleted, and why."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

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
from agent.ui.fmt import time_text
from agent.ui.transparency import BLUR_WORDS

STATE_TEXT = {
    "waiting": "not uploaded yet",
    "uploaded": "uploaded",
    "parked": "refused by the server",
    "dropped": "dropped (offline storage full)",
    "deleted": "deleted by you",
}


def why_not_deletable(shot: ScreenshotRow, agent: Agent, now: datetime) -> str | None:
    """None when the user may delete it now, else the reason in words."""
    policy = agent.policy
    if shot.state != "waiting":
        return (
            None
            if shot.state in ("deleted", "dropped")
            else "Uploaded: it can no longer be deleted."
        )
    if not policy.allow_screenshot_delete:
        return "Your organization does not allow deleting screenshots."
    if now - shot.captured_at > timedelta(minutes=policy.screenshot_delete_window_minutes):
        return (
            f"More than {policy.screenshot_delete_window_minutes} min old: "
            "it can no longer be deleted."
        )
    return None


def _ask(parent: QWidget, text: str) -> bool:
    answer = QMessageBox.question(parent, "Delete screenshot?", text)
    return answer == QMessageBox.StandardButton.Yes


class ScreenshotsWindow(QWidget):
    def __init__(self, agent: Agent, confirm: Callable[[QWidget, str], bool] | None = None) -> None:
        super().__init__()
        self.agent = agent
        self.confirm = confirm or _ask
        self.setWindowTitle("Recent screenshots")
        self.resize(840, 600)
        self.header = QLabel()
        self.header.setWordWrap(True)
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
        self.notes: dict[str, str] = {}
        self.refresh()

    def refresh(self) -> None:
        while self.grid.count():
            item = self.grid.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        self.delete_buttons.clear()
        self.notes.clear()
        shots = self.agent.outbox.recent_screenshots(24)
        depth = self.agent.outbox.depth()
        policy = self.agent.policy
        rule = (
            f"You may delete a screenshot within {policy.screenshot_delete_window_minutes} "
            "minutes of taking it; until then it stays on this computer."
            if policy.allow_screenshot_delete
            else "Your organization does not allow deleting screenshots."
        )
        dropped = (
            f" {depth.dropped_screenshots} screenshot(s) were dropped because the offline "
            "storage was full."
            if depth.dropped_screenshots
            else ""
        )
        self.header.setText((rule + dropped) if shots else "No screenshots yet. " + rule)
        now = self.agent.clock.now()
        for i, shot in enumerate(shots):
            self.grid.addWidget(self._tile(shot, now), i // 3, i % 3)

    def _tile(self, shot: ScreenshotRow, now: datetime) -> QWidget:
        tile = QWidget()
        v = QVBoxLayout(tile)
        image = QLabel()
        image.setMinimumSize(240, 140)
        image.setAlignment(Qt.AlignmentFlag.AlignCenter)
        pm = QPixmap()
        if shot.thumbnail and pm.loadFromData(shot.thumbnail):
            image.setPixmap(
                pm.scaled(
                    240,
                    140,
                    Qt.AspectRatioMode.KeepAspectRatio,
                    Qt.TransformationMode.SmoothTransformation,
                )
            )
        else:
            image.setText(shot.reason or "no preview")
            image.setWordWrap(True)
        state = STATE_TEXT.get(shot.state, shot.state)
        blur = BLUR_WORDS.get(shot.blur_level, f"blur {shot.blur_level}")
        caption = QLabel(
            f"<b>{time_text(shot.captured_at, seconds=True)}</b> · {state}<br>{blur}"
            + (f"<br>{shot.reason}" if shot.reason else "")
        )
        caption.setWordWrap(True)
        v.addWidget(image)
        v.addWidget(caption)
        reason = why_not_deletable(shot, self.agent, now)
        if shot.state == "waiting" and reason is None:
            button = QPushButton("Delete…")
            button.clicked.connect(lambda _=False, k=shot.key: self._delete(k))
            self.delete_buttons[shot.key] = button
            v.addWidget(button)
        elif reason:
            note = QLabel(reason)
            note.setWordWrap(True)
            note.setObjectName("muted")
            self.notes[shot.key] = reason
            v.addWidget(note)
        return tile

    def _delete(self, key: str) -> None:
        if not self.confirm(
            self, "The screenshot is removed from this computer and never uploaded."
        ):
            return
        problem = self.agent.delete_screenshot(key)
        if problem:
            QMessageBox.information(self, "Cannot delete", problem.capitalize() + ".")
        self.refresh()
