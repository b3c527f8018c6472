"""Dates on the command line: YYYY-MM-DD or a word (today, yesterday,
this-week, last-week, this-month). A word names a range; `--from` takes its
first day and `--to` its last, so `--from this-week` alone means since Monday."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

import click

WORDS = ("today", "yesterday", "this-week", "last-week", "this-month")


def word_range(word: str, today: date) -> tuple[date, date] | None:
    if word == "today":
        return today, today
    if word == "yesterday":
        day = today - timedelta(days=1)
        return day, day
    monday = today - timedelta(days=today.weekday())
    if word == "this-week":
        return monday, monday + timedelta(days=6)
    if word == "last-week":
        return monday - timedelta(days=7), monday - timedelta(days=1)
    if word == "this-month":
        first = today.replace(day=1)
        following = (first + timedelta(days=32)).replace(day=1)
        return first, following - timedelta(days=1)
    return None


def parse_day(value: str, end: bool, today: date | None = None) -> date:
    """One date from a `--from` (end=False) or `--to` (end=True) value."""
    text = value.strip().lower()
    found = word_range(text, today or date.today())
    if found is not None:
        return found[1] if end else found[0]
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is not a date: use YYYY-MM-DD or one of {', '.join(WORDS)}"
        ) from None


class DayParam(click.ParamType):
    """A click type for `--from` / `--to`."""

    name = "DATE"

    def __init__(self, end: bool) -> None:
        self.end = end

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> date:
        if isinstance(value, date):
            return value
        try:
            return parse_day(str(value), self.end)
        except click.BadParameter as exc:
            self.fail(exc.message, param, ctx)


FROM = DayParam(end=False)
TO = DayParam(end=True)


def local_instant(day: date, end: bool) -> str:
    """The local start of `day` (or of the day after, for an inclusive end) as
    RFC 3339 with this machine's offset, for APIs that take instants."""
    moment = datetime.combine(day + timedelta(days=1) if end else day, time()).astimezone()
    return moment.isoformat()
