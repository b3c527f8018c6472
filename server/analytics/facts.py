"""SQL building blocks of the analytics: entry pieces in wall-clock seconds.

Everything is integer arithmetic on epoch seconds, so one statement works on
SQLite and PostgreSQL; only `epoch()`, `greatest()` and `least()` differ by
dialect. See `server.analytics.wall` for why wall seconds split local days and
hours correctly across DST changes.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    CTE,
    BigInteger,
    ColumnElement,
    Integer,
    String,
    and_,
    case,
    cast,
    false,
    func,
    literal,
    literal_column,
    or_,
    select,
    true,
    union_all,
)

from server.analytics.wall import DAY
from server.db.models import Activity, Customer, Project, Task, TimeEntry, User

#: Currency of time billed on a project without a customer (the customer default).
DEFAULT_CURRENCY = "EUR"
MANUAL_SOURCE = "manual"


@dataclass(frozen=True)
class Sql:
    """The few expressions whose spelling depends on the database."""

    dialect: str

    def epoch(self, column: Any) -> ColumnElement[int]:
        if self.dialect == "postgresql":
            # date_part is double precision: much cheaper than extract's numeric.
            return cast(func.floor(func.date_part("epoch", column)), BigInteger)
        # SQLite keeps UTC as text; strftime('%s') reads it as whole seconds.
        return cast(func.strftime("%s", column), Integer)

    def greatest(self, *args: Any) -> ColumnElement[int]:
        fn = func.greatest if self.dialect == "postgresql" else func.max
        return fn(*args, type_=BigInteger)

    def least(self, *args: Any) -> ColumnElement[int]:
        fn = func.least if self.dialect == "postgresql" else func.min
        return fn(*args, type_=BigInteger)

    def clamp(self, value: Any, lo: int, hi: int) -> ColumnElement[int]:
        return self.least(self.greatest(value, lo), hi)


def periods_cte(rows: Iterable[tuple[str, int, int, int]]) -> CTE:
    """(tz, p_lo, p_hi, p_off, p_lo_ts, p_hi_ts): each zone's offset stretches,
    as a small table; the bounds in epoch seconds and as instants (the join
    compares instants: cheaper than turning every entry's times into seconds)."""
    stamp = TimeEntry.start_time.type
    selects = [
        select(
            literal(tz, String).label("tz"),
            literal(lo, BigInteger).label("p_lo"),
            literal(hi, BigInteger).label("p_hi"),
            literal(off, BigInteger).label("p_off"),
            literal(datetime.fromtimestamp(lo, UTC), stamp).label("p_lo_ts"),
            literal(datetime.fromtimestamp(hi, UTC), stamp).label("p_hi_ts"),
        )
        for tz, lo, hi, off in rows
    ]
    if not selects:
        raise ValueError("at least one period is needed")
    body = selects[0] if len(selects) == 1 else union_all(*selects)
    return body.cte("periods")


def billable_flag(own: Any = None) -> ColumnElement[int]:
    """1 when billable: the entry's own flag (`own`, default the entry's
    column) if set, else its project's and (when it has one) its activity's;
    time without a project is not billable."""
    own = TimeEntry.billable if own is None else own
    return case(
        (own == true(), 1),
        (own == false(), 0),
        (
            and_(
                Project.billable == true(),
                or_(Activity.id.is_(None), Activity.billable == true()),
            ),
            1,
        ),
        else_=0,
    )


def effective_rate() -> ColumnElement[Any]:
    """Task over project over customer."""
    return func.coalesce(Task.hourly_rate, Project.hourly_rate, Customer.hourly_rate)


def currency_of() -> ColumnElement[str]:
    # A literal, not a bound parameter: PostgreSQL matches a GROUP BY expression
    # to the selected one only when both spell the same constant.
    return func.coalesce(Customer.currency, literal_column(f"'{DEFAULT_CURRENCY}'"))


def entry_bounds(sql: Sql, now: datetime) -> tuple[ColumnElement[int], ColumnElement[int]]:
    """Start and end in epoch seconds; an open entry runs until now (callers
    keep only entries that start before their end: `started_before_end`)."""
    return sql.epoch(TimeEntry.start_time), sql.epoch(func.coalesce(TimeEntry.end_time, now))


def started_before_end(now: datetime) -> ColumnElement[bool]:
    return TimeEntry.start_time < func.coalesce(TimeEntry.end_time, now)


def with_catalog(stmt: Any) -> Any:
    """Outer joins of the entry's project, task, customer and activity."""
    return (
        stmt.outerjoin(Project, Project.id == TimeEntry.project_id)
        .outerjoin(Task, Task.id == TimeEntry.task_id)
        .outerjoin(Customer, Customer.id == Project.customer_id)
        .outerjoin(Activity, Activity.id == TimeEntry.activity_id)
    )


def pieces_cte(
    sql: Sql,
    org_id: uuid.UUID,
    people: ColumnElement[bool],
    periods: CTE,
    utc_lo: datetime,
    utc_hi: datetime,
    now: datetime,
    pending: ColumnElement[bool] | None = None,
) -> CTE:
    """Each entry of `people` cut at its owner's offset changes within the
    periods (which cover exactly each zone's range), in wall seconds [ws, we);
    `pending` marks manual time still waiting for approval."""
    start, end = entry_bounds(sql, now)
    # Only what the billable flag needs is joined here; rates, currencies and
    # customers are joined after grouping (`priced`), on a few rows.
    stmt = (
        select(
            TimeEntry.user_id.label("user_id"),
            TimeEntry.project_id.label("project_id"),
            TimeEntry.task_id.label("task_id"),
            TimeEntry.activity_id.label("activity_id"),
            billable_flag().label("billable"),
            case((TimeEntry.source == MANUAL_SOURCE, 1), else_=0).label("manual"),
            (case((pending, 1), else_=0) if pending is not None else literal(0)).label("pending"),
            (sql.greatest(start, periods.c.p_lo) + periods.c.p_off).label("ws"),
            (sql.least(end, periods.c.p_hi) + periods.c.p_off).label("we"),
        )
        .select_from(TimeEntry)
        .join(User, User.id == TimeEntry.user_id)
        .join(
            periods,
            and_(
                periods.c.tz == User.timezone,
                TimeEntry.start_time < periods.c.p_hi_ts,
                func.coalesce(TimeEntry.end_time, now) > periods.c.p_lo_ts,
            ),
        )
        .outerjoin(Project, Project.id == TimeEntry.project_id)
        .outerjoin(Activity, Activity.id == TimeEntry.activity_id)
    ).where(
        started_before_end(now),
        TimeEntry.organization_id == org_id,
        people,
        TimeEntry.start_time < utc_hi,
        or_(TimeEntry.end_time.is_(None), TimeEntry.end_time > utc_lo),
    )
    # Computed once, whatever the number of figures read from it (PostgreSQL
    # would otherwise inline it into each; SQLite materializes a CTE used twice).
    return stmt.cte("pieces").prefix_with("MATERIALIZED", dialect="postgresql")


def overlap(sql: Sql, ws: Any, we: Any, lo: int, hi: int) -> ColumnElement[int]:
    """Seconds of [ws, we) inside [lo, hi)."""
    return sql.greatest(sql.least(we, hi) - sql.greatest(ws, lo), 0)


def priced(grouped: Any, keys: list[str]) -> tuple[Any, list[Any], dict[str, Any]]:
    """Rates, currencies and customers joined to rows grouped by `keys` plus
    project_id and task_id (with `seconds` and `billable` sums): the FROM, the
    grouping columns and the values of a regrouping by keys, customer, rate
    and currency."""
    g = grouped.c
    source = (
        grouped.outerjoin(Project, Project.id == g.project_id)
        .outerjoin(Task, Task.id == g.task_id)
        .outerjoin(Customer, Customer.id == Project.customer_id)
    )
    values = {k: g[k] for k in keys} | {
        "customer_id": Project.customer_id,
        "rate": effective_rate(),
        "currency": currency_of(),
    }
    group_by = [*(g[k] for k in keys), Project.customer_id, effective_rate(), currency_of()]
    sums = {"seconds": func.sum(g.seconds), "billable": func.sum(g.billable)}
    return source, group_by, values | sums


def clipped_cte(sql: Sql, pieces: CTE, lo: int, hi: int) -> CTE:
    """Each piece's part inside [lo, hi) as the whole local days it crosses and
    the second of the day it starts and ends at (see `wall.hour_histogram`)."""
    p = pieces.c
    x = sql.greatest(p.ws, lo)
    y = sql.least(p.we, hi)
    stmt = select(
        (y // DAY - x // DAY).label("days"),
        (x % DAY).label("x_sec"),
        (y % DAY).label("y_sec"),
    ).where(p.ws < hi, p.we > lo)
    return stmt.cte("clipped")
