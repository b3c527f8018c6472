"""Light and dark palettes that follow the desktop's colour scheme
(`HUBNITY_THEME=light|dark` overrides it), applied to the whole app."""

from __future__ import annotations

import os

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

ACCENT = "#2e9d57"  # tracking green, also the tray's
STOP = "#d6453d"
ATTENTION = "#c0392b"

_LIGHT = {
    "window": "#f6f7f9",
    "base": "#ffffff",
    "alt": "#eef0f3",
    "text": "#1d232b",
    "muted": "#5d6673",
    "button": "#e9ecf0",
    "highlight": "#2f6fd6",
    "link": "#2361c4",
}
_DARK = {
    "window": "#1e2227",
    "base": "#15181c",
    "alt": "#262b31",
    "text": "#e8ebef",
    "muted": "#a3acb8",
    "button": "#2c3239",
    "highlight": "#3d7be0",
    "link": "#7fb0ff",
}


def is_dark() -> bool:
    forced = os.environ.get("HUBNITY_THEME", "").lower()
    if forced in ("light", "dark"):
        return forced == "dark"
    hints = QGuiApplication.styleHints()
    return hints is not None and hints.colorScheme() == Qt.ColorScheme.Dark


def colors() -> dict[str, str]:
    return _DARK if is_dark() else _LIGHT


def palette(dark: bool) -> QPalette:
    c = _DARK if dark else _LIGHT
    pal = QPalette()
    role = QPalette.ColorRole
    for r, key in (
        (role.Window, "window"),
        (role.Base, "base"),
        (role.AlternateBase, "alt"),
        (role.Text, "text"),
        (role.WindowText, "text"),
        (role.ButtonText, "text"),
        (role.ToolTipText, "text"),
        (role.ToolTipBase, "base"),
        (role.Button, "button"),
        (role.Highlight, "highlight"),
        (role.Link, "link"),
        (role.PlaceholderText, "muted"),
    ):
        pal.setColor(r, QColor(c[key]))
    pal.setColor(role.HighlightedText, QColor("#ffffff"))
    disabled = QPalette.ColorGroup.Disabled
    for r in (role.Text, role.WindowText, role.ButtonText):
        pal.setColor(disabled, r, QColor(c["muted"]))
    return pal


def apply(app: QApplication) -> None:
    """Fusion style with our palette; re-applied when the desktop switches."""
    app.setStyle("Fusion")
    app.setPalette(palette(is_dark()))
    hints = QGuiApplication.styleHints()
    if hints is not None and not getattr(app, "_hubnity_theme_hooked", False):
        hints.colorSchemeChanged.connect(lambda _scheme: app.setPalette(palette(is_dark())))
        app._hubnity_theme_hooked = True  # type: ignore[attr-defined]
