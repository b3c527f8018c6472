"""Dates on the command line: YYYY-MM-DD or a word (today, yesterday,
this-week, last-week, this-month, last-month). A word names a range; `--from` takes its
first day and `--to` its last, so `--from this-week` alone means since Monday."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from typing import Any

import click

_CLOCK = re.compile(r"^(?:(\S+)\s+)?(\d{1,2}:\d{2}(?::\d{2})?)$")
WORDS = ("today", "yesterday", "this-week", "last-week", "this-month", "last-month")


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
    if word == "last-month":
        end = today.replace(day=1) - timedelta(days=1)
        return end.replace(day=1), end
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


def parse_moment(value: str, now: datetime | None = None) -> datetime:
    """An instant from `now`, `HH:MM` (today), `yesterday HH:MM`,
    `YYYY-MM-DD HH:MM` or an RFC 3339 time; local time unless it has an offset."""
    now = now or datetime.now().astimezone()
    text = value.strip().lower()
    if text == "now":
        return now
    moment: datetime | None = None
    clock = _CLOCK.match(text)
    try:
        if clock:
            word = clock.group(1)
            found = word_range(word, now.date()) if word else (now.date(), now.date())
            day = found[0] if found else date.fromisoformat(str(word))
            moment = datetime.combine(day, time.fromisoformat(clock.group(2).zfill(5)))
        else:
            moment = datetime.fromisoformat(value.strip())
    except ValueError:
        moment = None
    if moment is None:
        raise click.BadParameter(
            f"{value!r} is not a time: use HH:MM, 'yesterday HH:MM', 'YYYY-MM-DD HH:MM' or now"
        )
    return moment if moment.tzinfo else moment.astimezone()


class MomentParam(click.ParamType):
    name = "TIME"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> datetime:
        if isinstance(value, datetime):
            return value
        try:
            return parse_moment(str(value))
        except click.BadParameter as exc:
            self.fail(exc.message, param, ctx)


MOMENT = MomentParam()
