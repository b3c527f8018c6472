"""Settings and status: account, idle default, disk quota, parked items."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QListWidget,
    QSpinBox,
    QVBoxLayout,
)

from agent.core.agent import Agent


class SettingsDialog(QDialog):
    def __init__(self, agent: Agent) -> None:
        super().__init__()
        self.agent = agent
        self.setWindowTitle("Hubnity settings")
        s = agent.settings
        self.idle_default = QComboBox()
        self.idle_default.addItems(["keep", "discard"])
        self.idle_default.setCurrentText(s.idle_default)
        self.quota = QSpinBox()
        self.quota.setRange(20, 10_000)
        self.quota.setSuffix(" MB")
        self.quota.setValue(s.screenshot_quota_mb)
        form = QFormLayout()
        form.addRow("Server", QLabel(s.server_url or "(not signed in)"))
        form.addRow("Account", QLabel(s.email or "-"))
        form.addRow("Data folder", QLabel(str(agent.data_dir)))
        form.addRow("Idle time when not answered", self.idle_default)
        form.addRow("Screenshot storage while offline", self.quota)
        p = agent.policy
        form.addRow(
            "Policy",
            QLabel(
                f"screenshots every {p.screenshot_interval_seconds // 60} min"
                f"{'' if p.screenshots_enabled else ' (off)'}, blur level {p.blur_level}, "
                f"idle after {p.idle_timeout_seconds // 60} min"
            ),
        )
        self.parked = QListWidget()
        for e in agent.outbox.parked_entries():
            self.parked.addItem(
                f"{e.start.astimezone():%Y-%m-%d %H:%M} "
                f"({round(e.seconds(e.end or e.start) / 60)} min): "
                f"{e.parked_reason} — {e.parked_detail or ''}"
            )
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(QLabel("Items the server refused (kept here, not retried):"))
        layout.addWidget(self.parked)
        layout.addWidget(buttons)

    def save(self) -> None:
        s = self.agent.settings
        s.idle_default = self.idle_default.currentText()
        s.screenshot_quota_mb = self.quota.value()
        self.agent.outbox.quota_bytes = s.screenshot_quota_mb * 1024 * 1024
        s.save(self.agent.data_dir)
        self.accept()
