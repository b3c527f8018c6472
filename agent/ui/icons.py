"""Tray icons drawn at run time (no image files to ship or lose): one colour
and glyph per state, readable on light and dark panels."""

from __future__ import annotations

from enum import StrEnum

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPainterPath, QPen, QPixmap


class TrayState(StrEnum):
    STOPPED = "stopped"
    TRACKING = "tracking"
    PAUSED = "paused"
    OFFLINE = "offline"
    ERROR = "error"


_COLORS = {
    TrayState.STOPPED: "#8a8f98",
    TrayState.TRACKING: "#2e9d57",
    TrayState.PAUSED: "#e0a526",
    TrayState.OFFLINE: "#4a78c2",
    TrayState.ERROR: "#d6453d",
}

_cache: dict[TrayState, QIcon] = {}


def icon_for(state: TrayState, size: int = 64) -> QIcon:
    if state in _cache:
        return _cache[state]
    pm = QPixmap(size, size)
    pm.fill(Qt.GlobalColor.transparent)
    p = QPainter(pm)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setBrush(QColor(_COLORS[state]))
    p.setPen(QPen(QColor("#ffffff"), size * 0.06))
    m = size * 0.06
    p.drawEllipse(QRectF(m, m, size - 2 * m, size - 2 * m))
    p.setBrush(QColor("#ffffff"))
    p.setPen(Qt.PenStyle.NoPen)
    s = size
    if state is TrayState.TRACKING:  # play triangle
        path = QPainterPath(QPointF(s * 0.38, s * 0.28))
        path.lineTo(QPointF(s * 0.74, s * 0.5))
        path.lineTo(QPointF(s * 0.38, s * 0.72))
        path.closeSubpath()
        p.drawPath(path)
    elif state is TrayState.PAUSED:  # two bars
        p.drawRect(QRectF(s * 0.33, s * 0.28, s * 0.12, s * 0.44))
        p.drawRect(QRectF(s * 0.55, s * 0.28, s * 0.12, s * 0.44))
    elif state is TrayState.STOPPED:  # square
        p.drawRect(QRectF(s * 0.34, s * 0.34, s * 0.32, s * 0.32))
    elif state is TrayState.OFFLINE:  # cloud-ish dot row
        for i in range(3):
            p.drawEllipse(QRectF(s * (0.26 + i * 0.18), s * 0.44, s * 0.12, s * 0.12))
    else:  # exclamation mark
        p.drawRect(QRectF(s * 0.45, s * 0.24, s * 0.1, s * 0.34))
        p.drawEllipse(QRectF(s * 0.45, s * 0.64, s * 0.1, s * 0.1))
    p.end()
    icon = QIcon(pm)
    _cache[state] = icon
    return icon
