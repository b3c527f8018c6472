"""Icons drawn at run time (no image files to ship or lose). Each tray state
has its own outline and glyph, so it reads without colour too:

| state | shape |
| --- | --- |
| tracking | filled disc, play triangle |
| paused | filled disc, two bars |
| stopped | hollow ring, small square |
| idle | filled disc, clock hands |
| offline | hollow ring crossed by a slash |
| attention | triangle with "!" |
"""

from __future__ import annotations

from enum import StrEnum

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QIcon, QPainter, QPainterPath, QPen, QPixmap


class TrayState(StrEnum):
    STOPPED = "stopped"
    TRACKING = "tracking"
    PAUSED = "paused"
    IDLE = "idle"
    OFFLINE = "offline"
    ATTENTION = "attention"


COLORS = {
    TrayState.STOPPED: "#8a8f98",
    TrayState.TRACKING: "#2e9d57",
    TrayState.PAUSED: "#e0a526",
    TrayState.IDLE: "#8e6bc7",
    TrayState.OFFLINE: "#4a78c2",
    TrayState.ATTENTION: "#d6453d",
}

_cache: dict[tuple[str, int], QIcon] = {}


def _pixmap(state: TrayState, s: int) -> QPixmap:
    pm = QPixmap(s, s)
    pm.fill(Qt.GlobalColor.transparent)
    p = QPainter(pm)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    color = QColor(COLORS[state])
    white = QColor("#ffffff")
    m = s * 0.06
    disc = QRectF(m, m, s - 2 * m, s - 2 * m)
    if state in (TrayState.STOPPED, TrayState.OFFLINE):  # hollow ring
        p.setBrush(white)
        p.setPen(QPen(color, s * 0.12))
        inset = s * 0.06
        p.drawEllipse(disc.adjusted(inset, inset, -inset, -inset))
        p.setBrush(color)
        p.setPen(Qt.PenStyle.NoPen)
    elif state is TrayState.ATTENTION:  # warning triangle
        tri = QPainterPath(QPointF(s * 0.5, m))
        tri.lineTo(QPointF(s - m, s - m * 1.5))
        tri.lineTo(QPointF(m, s - m * 1.5))
        tri.closeSubpath()
        p.setPen(QPen(white, s * 0.05))
        p.setBrush(color)
        p.drawPath(tri)
        p.setBrush(white)
        p.setPen(Qt.PenStyle.NoPen)
    else:  # filled disc
        p.setPen(QPen(white, s * 0.06))
        p.setBrush(color)
        p.drawEllipse(disc)
        p.setBrush(white)
        p.setPen(Qt.PenStyle.NoPen)
    if state is TrayState.TRACKING:
        path = QPainterPath(QPointF(s * 0.38, s * 0.28))
        path.lineTo(QPointF(s * 0.74, s * 0.5))
        path.lineTo(QPointF(s * 0.38, s * 0.72))
        path.closeSubpath()
        p.drawPath(path)
    elif state is TrayState.PAUSED:
        p.drawRect(QRectF(s * 0.33, s * 0.28, s * 0.12, s * 0.44))
        p.drawRect(QRectF(s * 0.55, s * 0.28, s * 0.12, s * 0.44))
    elif state is TrayState.STOPPED:
        p.drawRect(QRectF(s * 0.38, s * 0.38, s * 0.24, s * 0.24))
    elif state is TrayState.IDLE:  # clock hands
        p.setPen(QPen(white, s * 0.09, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
        c = QPointF(s * 0.5, s * 0.5)
        p.drawLine(c, QPointF(s * 0.5, s * 0.26))
        p.drawLine(c, QPointF(s * 0.7, s * 0.6))
    elif state is TrayState.OFFLINE:  # slash across the ring
        p.setPen(QPen(color, s * 0.12, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
        p.drawLine(QPointF(s * 0.22, s * 0.78), QPointF(s * 0.78, s * 0.22))
    else:  # attention: exclamation mark
        p.drawRect(QRectF(s * 0.45, s * 0.3, s * 0.1, s * 0.34))
        p.drawEllipse(QRectF(s * 0.45, s * 0.7, s * 0.1, s * 0.1))
    p.end()
    return pm


def icon_for(state: TrayState, size: int = 64) -> QIcon:
    key = (state.value, size)
    if key not in _cache:
        icon = QIcon()
        for px in (16, 22, 32, size):
            icon.addPixmap(_pixmap(state, px))
        _cache[key] = icon
    return _cache[key]


def app_pixmap(s: int = 128) -> QPixmap:
    """The product mark: a green rounded square with a white "h" and a clock tick."""
    pm = QPixmap(s, s)
    pm.fill(Qt.GlobalColor.transparent)
    p = QPainter(pm)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QColor(COLORS[TrayState.TRACKING]))
    p.drawRoundedRect(QRectF(0, 0, s, s), s * 0.22, s * 0.22)
    p.setPen(QColor("#ffffff"))
    font = QFont()
    font.setBold(True)
    font.setPixelSize(int(s * 0.7))
    p.setFont(font)
    p.drawText(QRectF(0, -s * 0.04, s, s), Qt.AlignmentFlag.AlignCenter, "h")
    p.end()
    return pm


def app_icon() -> QIcon:
    key = ("app", 0)
    if key not in _cache:
        icon = QIcon()
        for px in (16, 32, 64, 128):
            icon.addPixmap(app_pixmap(px))
        _cache[key] = icon
    return _cache[key]
