"""The sign-in window: product name and mark, the server address (remembered,
checked to be a reachable Hubnity server, https suggested), email and
password, with messages the user can act on, and "forgot password"."""

from __future__ import annotations

from collections.abc import Callable
from html import escape

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QFont
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
)

from agent.core.agent import Agent
from agent.ui import theme
from agent.ui.features import reset_page
from agent.ui.icons import app_icon, app_pixmap
from agent.ui.server_check import check_url, explain, probe
from agent.ui.worker import Call

NO_RESET = (
    "Your server has no page to reset a password. Ask your administrator to send you "
    "a new invitation or reset it."
)


class SignInDialog(QDialog):
    signed_in = Signal()

    def __init__(self, agent: Agent, open_url: Callable[[QUrl], object] | None = None) -> None:
        super().__init__()
        self.agent = agent
        self.open_url = open_url or QDesktopServices.openUrl
        self.setWindowTitle("Sign in to Hubnity")
        self.setWindowIcon(app_icon())
        self.setMinimumWidth(max(520, self.fontMetrics().horizontalAdvance("x") * 80))

        logo = QLabel()
        logo.setPixmap(app_pixmap(56))
        name = QLabel("Hubnity")
        nf = QFont()
        nf.setPointSizeF(nf.pointSizeF() * 1.8)
        nf.setBold(True)
        name.setFont(nf)
        tagline = QLabel("Sign in with the account your company gave you.")
        tagline.setWordWrap(True)
        words = QVBoxLayout()
        words.addWidget(name)
        words.addWidget(tagline)
        head = QHBoxLayout()
        head.addWidget(logo)
        head.addLayout(words, 1)

        self.server = QLineEdit(agent.settings.server_url)
        self.server.setPlaceholderText("https://hubnity.example.com")
        self.server.setAccessibleName("Server address")
        self.server.setMinimumWidth(
            self.fontMetrics().horizontalAdvance("https://hubnity.example.com/") + 60
        )
        self.server_note = QLabel("")
        self.server_note.setWordWrap(True)
        self.server_note.setVisible(False)
        self.email = QLineEdit(agent.settings.email)
        self.email.setPlaceholderText("you@company.com")
        self.email.setAccessibleName("Email")
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setAccessibleName("Password")
        self.forgot = QPushButton("Forgot your password?")
        self.forgot.setFlat(True)
        self.forgot.setCursor(Qt.CursorShape.PointingHandCursor)
        self.forgot.setStyleSheet(f"color: {theme.colors()['link']}; text-align: left;")
        self.error = QLabel("")
        self.error.setStyleSheet(f"color: {theme.ATTENTION}")
        self.error.setWordWrap(True)
        self.error.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        form = QFormLayout()
        form.addRow("Server address", self.server)
        form.addRow("", self.server_note)
        form.addRow("Email", self.email)
        form.addRow("Password", self.password)
        form.addRow("", self.forgot)

        self.submit_button = QPushButton("Sign in")
        self.submit_button.setDefault(True)
        self.submit_button.setStyleSheet(
            f"QPushButton {{ background: {theme.ACCENT}; color: white; padding: 6px 18px;"
            " border-radius: 4px; font-weight: bold; }"
            "QPushButton:disabled { background: #8a8f98; }"
        )
        self.cancel_button = QPushButton("Not now")
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.cancel_button)
        row.addWidget(self.submit_button)

        layout = QVBoxLayout(self)
        layout.setSpacing(12)
        layout.addLayout(head)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addLayout(row)

        self.submit_button.clicked.connect(self.submit)
        self.cancel_button.clicked.connect(self.reject)
        self.server.editingFinished.connect(self.check_server_text)
        self.forgot.clicked.connect(self.forgot_password)
        self.buttons = self.submit_button  # busy state: disabled while a call runs
        self._call: Call | None = None
        (self.email if self.server.text() else self.server).setFocus()
        if self.server.text() and self.email.text():
            self.password.setFocus()

    def check_server_text(self) -> bool:
        """Checks the address when the field loses focus; the note changes
        only when its text does (restyling on every focus change is costly)."""
        check = check_url(self.server.text())
        colour = theme.ATTENTION if check.error else "#b7791f"
        text = check.error or check.warning or ""
        html = f'<span style="color: {colour}">{escape(text)}</span>' if text else ""
        if html != self.server_note.text():
            self.server_note.setText(html)
            self.server_note.setVisible(bool(html))
        return check.error is None

    def submit(self) -> None:
        check = check_url(self.server.text())
        email, password = self.email.text().strip(), self.password.text()
        missing = [
            name
            for name, value in (
                ("the server address", self.server.text().strip()),
                ("your email", email),
                ("your password", password),
            )
            if not value
        ]
        if missing:
            self.error.setText("Fill in " + ", ".join(missing) + ".")
            return
        if not self.check_server_text():
            self.error.setText("Check the server address.")
            return
        if "@" not in email:
            self.error.setText("The email address needs an @.")
            return
        self.error.setText("Checking the server…")
        self._busy(True)

        def work() -> None:
            probe(check.url)
            self.agent.sign_in(check.url, email, password)

        self._call = Call(work, self)
        self._call.done.connect(self._finished)
        self._call.start()

    def _busy(self, busy: bool) -> None:
        for w in (self.submit_button, self.server, self.email, self.password, self.forgot):
            w.setEnabled(not busy)

    def _finished(self, _result: object, exc: BaseException | None) -> None:
        self._busy(False)
        if exc is not None:
            self.error.setText(explain(exc))
            self.password.setFocus()
            self.password.selectAll()
            return
        self.error.setText("")
        self.password.clear()
        self.signed_in.emit()
        self.accept()

    def forgot_password(self) -> None:
        check = check_url(self.server.text())
        if check.error:
            self.error.setText("Enter the server address first: the reset page is on your server.")
            return
        self.error.setText("Looking for the password reset page…")
        self._call = Call(lambda: reset_page(check.url), self)
        self._call.done.connect(self._reset_found)
        self._call.start()

    def _reset_found(self, url: object, exc: BaseException | None) -> None:
        if exc is None and isinstance(url, str):
            self.error.setText("")
            self.open_url(QUrl(url))
        else:
            self.error.setText(NO_RESET)
