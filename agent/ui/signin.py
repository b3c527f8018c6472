"""First-run sign-in window: server URL, email, password, with clear errors."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
)

from agent.core.agent import Agent
from agent.core.api import ApiError, NetworkError, Rejected, ServerBusy
from agent.ui.worker import Call


def explain(exc: BaseException) -> str:
    if isinstance(exc, NetworkError):
        return "Cannot reach the server. Check the address and your connection."
    if isinstance(exc, Rejected) and exc.status in (400, 401):
        return "Wrong email or password."
    if isinstance(exc, Rejected) and exc.status == 404:
        return "This address does not look like a Hubnity server."
    if isinstance(exc, ServerBusy):
        return f"The server is busy or failing ({exc.status}); try again in a minute."
    if isinstance(exc, ApiError):
        return str(exc)
    return f"Unexpected error: {exc}"


class SignInDialog(QDialog):
    signed_in = Signal()

    def __init__(self, agent: Agent) -> None:
        super().__init__()
        self.agent = agent
        self.setWindowTitle("Sign in to Hubnity")
        self.server = QLineEdit(agent.settings.server_url)
        self.server.setPlaceholderText("https://hubnity.example.com")
        self.email = QLineEdit(agent.settings.email)
        self.email.setPlaceholderText("you@company.com")
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.error = QLabel("")
        self.error.setStyleSheet("color: #c0392b")
        self.error.setWordWrap(True)
        self.error.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        form = QFormLayout()
        form.addRow("Server", self.server)
        form.addRow("Email", self.email)
        form.addRow("Password", self.password)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Sign in")
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self._call: Call | None = None

    def submit(self) -> None:
        server, email, password = (
            self.server.text().strip(),
            self.email.text().strip(),
            self.password.text(),
        )
        if not server or not email or not password:
            self.error.setText("Fill in the server address, your email and your password.")
            return
        self.error.setText("Signing in…")
        self.buttons.setEnabled(False)
        self._call = Call(lambda: self.agent.sign_in(server, email, password), self)
        self._call.done.connect(self._finished)
        self._call.start()

    def _finished(self, _result: object, exc: BaseException | None) -> None:
        self.buttons.setEnabled(True)
        if exc is not None:
            self.error.setText(explain(exc))
            return
        self.error.setText("")
        self.password.clear()
        self.signed_in.emit()
        self.accept()
