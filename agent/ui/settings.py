"""Settings: start at login, the working-hours reminder, what happens to
unanswered idle time, offline storage, the language of dates and times, and
in plain words what is collected at the organization's current policy."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QTime, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from agent.core.agent import Agent
from agent.platform.autostart import LinuxAutostart, MacAutostart, WindowsAutostart, for_this_os
from agent.ui.fmt import date_text, locale_name, time_text
from agent.ui.prefs import UiPrefs
from agent.ui.transparency import collected

Autostart = LinuxAutostart | MacAutostart | WindowsAutostart


class SettingsDialog(QDialog):
    open_parked = Signal()

    def __init__(
        self, agent: Agent, prefs: UiPrefs | None = None, autostart: Autostart | None = None
    ) -> None:
        super().__init__()
        self.agent = agent
        self.prefs = prefs or UiPrefs.load(agent.data_dir)
        self.autostart = autostart or for_this_os()
        self.setWindowTitle("Hubnity settings")
        self.resize(560, 640)
        s = agent.settings

        self.start_at_login = QCheckBox("Start Hubnity when I sign in to this computer")
        try:
            self.start_at_login.setChecked(self.autostart.enabled())
        except OSError:
            self.start_at_login.setEnabled(False)
        self.remind = QCheckBox("Remind me when I am not tracking during working hours")
        self.remind.setChecked(self.prefs.remind_not_tracking)
        self.work_start = QTimeEdit(QTime.fromString(self.prefs.work_start, "HH:mm"))
        self.work_end = QTimeEdit(QTime.fromString(self.prefs.work_end, "HH:mm"))
        self.remind_after = QSpinBox()
        self.remind_after.setRange(5, 240)
        self.remind_after.setSuffix(" min")
        self.remind_after.setValue(self.prefs.remind_after_minutes)
        hours = QHBoxLayout()
        hours.addWidget(QLabel("Working hours, Monday to Friday:"))
        hours.addWidget(self.work_start)
        hours.addWidget(QLabel("to"))
        hours.addWidget(self.work_end)
        hours.addStretch(1)
        after = QHBoxLayout()
        after.addWidget(QLabel("Remind after"))
        after.addWidget(self.remind_after)
        after.addStretch(1)

        self.idle_default = QComboBox()
        self.idle_default.addItems(["keep", "discard"])
        self.idle_default.setCurrentText(s.idle_default)
        self.quota = QSpinBox()
        self.quota.setRange(20, 10_000)
        self.quota.setSuffix(" MB")
        self.quota.setValue(s.screenshot_quota_mb)
        now = datetime.now().astimezone()
        self.locale_label = QLabel(
            f"{locale_name()}, from your system: {date_text(now)} {time_text(now)}"
        )
        self.locale_label.setWordWrap(True)

        general = QFormLayout()
        general.addRow("Server", QLabel(s.server_url or "(not signed in)"))
        general.addRow("Account", QLabel(s.email or "-"))
        general.addRow("Idle time nobody answered for", self.idle_default)
        general.addRow("Screenshot storage while offline", self.quota)
        general.addRow("Dates and times", self.locale_label)
        general.addRow("Data folder", QLabel(str(agent.data_dir)))

        startup = QVBoxLayout()
        startup.addWidget(self.start_at_login)
        startup.addWidget(self.remind)
        startup.addLayout(hours)
        startup.addLayout(after)
        startup_box = QGroupBox("Start and reminders")
        startup_box.setLayout(startup)

        self.collected_box = QGroupBox("What Hubnity records at your organization's settings")
        what = QFormLayout(self.collected_box)
        self.collected_labels: dict[str, QLabel] = {}
        for topic, sentence in collected(agent.policy):
            label = QLabel(sentence)
            label.setWordWrap(True)
            self.collected_labels[topic] = label
            what.addRow(f"<b>{topic}</b>", label)

        parked = agent.outbox.depth().parked
        self.parked_button = QPushButton(f"Items that need attention ({parked})…")
        self.parked_button.setEnabled(parked > 0)
        self.parked_button.clicked.connect(self.open_parked)

        inner = QWidget()
        body = QVBoxLayout(inner)
        body.addWidget(startup_box)
        body.addLayout(general)
        body.addWidget(self.collected_box)
        body.addWidget(self.parked_button)
        body.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(inner)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(scroll)
        layout.addWidget(buttons)
        self.error = QLabel("")
        layout.addWidget(self.error)

    def save(self) -> None:
        s = self.agent.settings
        s.idle_default = self.idle_default.currentText()
        s.screenshot_quota_mb = self.quota.value()
        self.agent.outbox.quota_bytes = s.screenshot_quota_mb * 1024 * 1024
        s.save(self.agent.data_dir)
        self.prefs.remind_not_tracking = self.remind.isChecked()
        self.prefs.work_start = self.work_start.time().toString("HH:mm")
        self.prefs.work_end = self.work_end.time().toString("HH:mm")
        self.prefs.remind_after_minutes = self.remind_after.value()
        self.prefs.save(self.agent.data_dir)
        if self.start_at_login.isEnabled():
            try:
                if self.start_at_login.isChecked() != self.autostart.enabled():
                    self.autostart.set(self.start_at_login.isChecked())
            except OSError as exc:
                self.error.setText(f"Could not change start at login: {exc}")
                return
        self.accept()
