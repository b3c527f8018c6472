"""Schemathesis hooks for the fuzz test (loaded through SCHEMATHESIS_HOOKS).

Each of `from` and `to` (dates of reports, instants of lists) is stated in the
schema, but the rules between them are not things OpenAPI can state: `from`
before `to`, a missing end meaning today or a week before, a report covering
at most 366 days (flags 31). A generated pair is therefore completed and put
in order within 30 days; every value alone is still fuzzed, valid or not
(a query with an invalid one is left as generated). A paging `cursor` is one
the server issued (opaque): a made-up one of the right alphabet is rightly
refused, so it is dropped (one outside the alphabet is kept: it must be
refused). Bodies likewise: a
manual entry's `startTime` before its `endTime` (at most 31 days apart), and
a submitted timesheet's `weekStart` the Monday of a week that has begun.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

import schemathesis

from server.db.pagination import CURSOR_PATTERN
from shared.wire_dates import DATE_PATTERN, FIRST_DAY, INSTANT_PATTERN, LAST_DAY

MAX_SPAN = timedelta(days=30)
_CURSOR = re.compile(CURSOR_PATTERN)
_KINDS: list[tuple[re.Pattern[str], Any, timedelta]] = [
    (re.compile(DATE_PATTERN), date.fromisoformat, timedelta(days=1)),
    (
        re.compile(INSTANT_PATTERN),
        # Each keeps its own offset: its written date is what must stay in range.
        lambda v: datetime.fromisoformat(v.replace("Z", "+00:00")),
        timedelta(hours=1),
    ),
]


def _day(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value


def _ordered(values: list[Any], step: timedelta) -> tuple[Any, Any]:
    lo = min(values)
    hi = max(values) if len(values) == 2 else lo + step
    hi = min(hi, lo + MAX_SPAN)
    if hi == lo:
        hi = lo + step
    if _day(hi) > LAST_DAY:  # keep both in the accepted range
        lo, hi = lo - 2 * step, lo - step
    assert _day(lo) >= FIRST_DAY
    return lo, hi


@schemathesis.hook
def map_query(context: Any, query: dict[str, Any] | None) -> dict[str, Any] | None:
    if not query:
        return query
    cursor = query.get("cursor")
    if isinstance(cursor, str) and _CURSOR.fullmatch(cursor):
        query = {k: v for k, v in query.items() if k != "cursor"}
    given = {k: query[k] for k in ("from", "to") if query.get(k) not in (None, "")}
    if not given or not all(isinstance(v, str) for v in given.values()):
        return query
    for pattern, parse, step in _KINDS:
        if all(pattern.fullmatch(v) for v in given.values()):
            lo, hi = _ordered([parse(v) for v in given.values()], step)
            return {**query, "from": lo.isoformat(), "to": hi.isoformat()}
    return query


def _monday_begun(value: str) -> str:
    day = min(date.fromisoformat(value), date.today())
    monday = day - timedelta(days=day.weekday())
    return (monday if monday >= FIRST_DAY else monday + timedelta(days=7)).isoformat()


_BODY_PAIRS = {("startTime", "endTime")}
_BODY_FIELDS: dict[str, Callable[[str], str]] = {"weekStart": _monday_begun}


@schemathesis.hook
def map_body(context: Any, body: Any) -> Any:
    if not isinstance(body, dict):
        return body
    pattern, parse, step = _KINDS[1]
    for first, last in _BODY_PAIRS:
        a, b = body.get(first), body.get(last)
        if (
            isinstance(a, str)
            and isinstance(b, str)
            and pattern.fullmatch(a)
            and pattern.fullmatch(b)
        ):
            lo, hi = _ordered([parse(a), parse(b)], step)
            body = {**body, first: lo.isoformat(), last: hi.isoformat()}
    date_pattern = _KINDS[0][0]
    for name, fix in _BODY_FIELDS.items():
        value = body.get(name)
        if isinstance(value, str) and date_pattern.fullmatch(value):
            body = {**body, name: fix(value)}
    return body
