"""Dates and times in the language of the system locale."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QDate, QLocale, QTime


def _local(at: datetime) -> datetime:
    return at.astimezone()


def time_text(at: datetime, seconds: bool = False) -> str:
    t = _local(at)
    q = QTime(t.hour, t.minute, t.second)
    if seconds:
        return QLocale().toString(q, _seconds_format())
    return QLocale().toString(q, QLocale.FormatType.ShortFormat)


def _seconds_format() -> str:
    short = QLocale().timeFormat(QLocale.FormatType.ShortFormat)
    return short if "s" in short else short.replace("mm", "mm:ss")


def date_text(at: datetime) -> str:
    d = _local(at)
    return QLocale().toString(QDate(d.year, d.month, d.day), QLocale.FormatType.ShortFormat)


def locale_name() -> str:
    loc = QLocale()
    return f"{loc.nativeLanguageName()} ({loc.name()})"
