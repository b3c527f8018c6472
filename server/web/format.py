"""Jinja filters: durations, percents and local times as a manager reads them."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from server.db.base import utcnow


def duration(seconds: float | int | None) -> str:
    total = round(seconds or 0)
    if total <= 0:
        return "0h 00m"
    hours, rest = divmod(total, 3600)
    return f"{hours}h {rest // 60:02d}m"


def percent(value: float | None) -> str:
    return f"{round(value or 0):d}%"


def clock(instant: datetime | None, tz: str | ZoneInfo = "UTC") -> str:
    if instant is None:
        return "now"
    zone = tz if isinstance(tz, ZoneInfo) else ZoneInfo(tz)
    return instant.astimezone(zone).strftime("%H:%M")


def level(value: float | None) -> str:
    """CSS class for an activity percentage (low / mid / high)."""
    v = value or 0
    return "high" if v >= 60 else "mid" if v >= 30 else "low"


def elapsed(since: datetime | None) -> str:
    """H:MM:SS from `since` until now (a running timer; app.js keeps it ticking)."""
    if since is None:
        return "0:00:00"
    total = max(0, int((utcnow() - since).total_seconds()))
    return f"{total // 3600}:{total // 60 % 60:02d}:{total % 60:02d}"


def todt(value: str) -> datetime:
    return datetime.fromisoformat(value)


FILTERS: dict[str, Any] = {
    "duration": duration,
    "percent": percent,
    "clock": clock,
    "level": level,
    "todt": todt,
    "elapsed": elapsed,
}
