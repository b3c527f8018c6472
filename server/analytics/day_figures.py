"""The dashboard's figures read from the per-day rollup (`TrackedDay`,
`TrackedDayHours`): the requested range is whole local days of each person,
so every figure of closed entries is a sum of day rows. Running entries and
pending manual time are not in the rollup; `service` adds them from the
entries (`open_pieces`, `pending_seconds`).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Select,
    String,
    and_,
    case,
    cast,
    false,
    func,
    literal,
    literal_column,
    null,
    or_,
    select,
    true,
    tuple_,
    type_coerce,
    union_all,
)

from server.analytics.facts import DEFAULT_CURRENCY, overlap, pieces_cte
from server.analytics.scope import Scope
from server.analytics.wall import DAY, Window
from server.db.models import (
    Activity,
    ActivityRollup,
    Customer,
    Project,
    Task,
    TimeEntry,
    TrackedDay,
    TrackedDayHours,
    User,
)
from server.db.models.day_rollup import HOURS
from server.timesheets.pending import pending_clause


def _days(window: Window) -> tuple[int, int]:
    """The window as inclusive day numbers."""
    return window.lo // DAY, window.hi // DAY - 1


def _between(column: Any, window: Window) -> ColumnElement[bool]:
    first, last = _days(window)
    return column.between(first, last)


#: The currency of time on a project without a customer (a literal: PostgreSQL
#: matches a GROUP BY expression to the selected one only when spelled alike).
_NO_CUSTOMER_CURRENCY: ColumnElement[str] = literal_column(f"'{DEFAULT_CURRENCY}'")


def _cents(rate: Any) -> ColumnElement[int]:
    """A rate (two decimals; SQLite may hold a float) as whole cents."""
    return cast(func.round(rate * 100), BigInteger)


def _catalog(scope: Scope) -> tuple[Any, Any]:
    """The organization's projects (customer, currency, billable flag, rate in
    cents with the customer's as fallback) and tasks (rate in cents): a few
    rows each, computed once per statement rather than once per day row."""
    projects = (
        select(
            Project.id.label("id"),
            Project.customer_id.label("customer_id"),
            Customer.currency.label("currency"),
            Project.billable.label("billable"),
            _cents(func.coalesce(Project.hourly_rate, Customer.hourly_rate)).label("cents"),
        )
        .select_from(Project)
        .outerjoin(Customer, Customer.id == Project.customer_id)
        .where(Project.organization_id == scope.org_id)
        .cte("priced_projects")
    )
    tasks = (
        select(Task.id.label("id"), _cents(Task.hourly_rate).label("cents"))
        .where(Task.organization_id == scope.org_id)
        .cte("priced_tasks")
    )
    if scope.sql.dialect == "postgresql":
        projects = projects.prefix_with("MATERIALIZED")
        tasks = tasks.prefix_with("MATERIALIZED")
    return projects, tasks


def figures(scope: Scope) -> Any:
    """The day rows of the window in one pass, summed three ways: per project
    and activity ('c': with the project's customer), per person ('u') and per
    day ('d'), each also per currency where money is summed. Per group:
    seconds, billable seconds (the entry's own setting, else its project's and
    activity's), manual seconds and billable seconds x rate in cents ('money',
    exact integers; NULL when no billable second has a rate: an amount is
    listed, even 0.00, only when some billable time has a rate).
    PostgreSQL groups with GROUPING SETS (one hash pass); SQLite with a UNION
    ALL of the three. Set by set the rows are told apart by their keys: a
    'd' row has a day, a 'u' row a person, a 'c' row neither."""
    t = TrackedDay
    projects, tasks = _catalog(scope)
    p, k = projects.c, tasks.c
    own = t.billable
    flag = case(
        (own == true(), 1),
        (own == false(), 0),
        (and_(p.billable == true(), or_(Activity.id.is_(None), Activity.billable == true())), 1),
        else_=0,
    )
    billable = t.seconds * flag
    cents = func.coalesce(k.cents, p.cents)
    currency = func.coalesce(p.currency, _NO_CUSTOMER_CURRENCY)
    sums = [
        func.sum(t.seconds).label("seconds"),
        func.sum(billable).label("billable"),
        func.sum(t.manual_seconds).label("manual"),
        # NULL when no billable second has a rate (then no amount is listed).
        func.sum(func.nullif(billable, 0) * cents).label("money"),
    ]
    keys = {
        "user_id": t.user_id,
        "project_id": t.project_id,
        "activity_id": t.activity_id,
        "customer_id": p.customer_id,
        "currency": currency,
        "day": t.day,
    }
    sets = [
        ["project_id", "activity_id", "customer_id", "currency"],
        ["user_id", "currency"],
        ["day"],
    ]

    def source(columns: list[Any]) -> Select[Any]:
        return (
            select(*columns, *sums)
            .select_from(t)
            .outerjoin(projects, p.id == t.project_id)
            .outerjoin(tasks, k.id == t.task_id)
            .outerjoin(Activity, Activity.id == t.activity_id)
            .where(
                t.organization_id == scope.org_id,
                scope.whose(t.user_id),
                _between(t.day, scope.window),
            )
        )

    if scope.sql.dialect == "postgresql":
        grouping = func.grouping_sets(*(tuple_(*(keys[n] for n in names)) for names in sets))
        return source([v.label(n) for n, v in keys.items()]).group_by(grouping)
    branches = []
    for names in sets:
        # Typed NULLs: the UNION's first branch gives every column's type.
        columns = [
            (v if n in names else type_coerce(null(), v.type)).label(n) for n, v in keys.items()
        ]
        branches.append(source(columns).group_by(*(keys[n] for n in names)))
    return union_all(*branches)


def weeks(scope: Scope) -> Select[Any]:
    """This week's and last week's seconds (for a window that does not hold
    both weeks; otherwise they are sums of its 'd' rows)."""
    t = TrackedDay
    this, last = scope.this_week, scope.last_week

    def week(window: Window) -> Any:
        return func.sum(case((_between(t.day, window), t.seconds), else_=0))

    return select(week(this), week(last)).where(
        t.organization_id == scope.org_id,
        scope.whose(t.user_id),
        t.day.between(_days(last)[0], _days(this)[1]),
    )


def hours(scope: Scope) -> Select[Any]:
    """Seconds per local hour of day, summed over the window."""
    h = TrackedDayHours
    return select(*(func.sum(h.__table__.c[name]) for name in HOURS)).where(
        h.organization_id == scope.org_id, scope.whose(h.user_id), _between(h.day, scope.window)
    )


def active(scope: Scope) -> Select[Any]:
    """Active seconds in the window, from the activity rollup's 15-minute
    slots (15 minutes divides every UTC offset, so each person's local days
    are whole slots): each slot counts when it lies inside its person's
    zone's UTC span of the window. The spans are a small table joined to the
    people, so each person's slots are one index range (not the envelope of
    every zone's span, filtered row by row). Not kept in the day rollup: it
    changes with every agent minute."""
    r = ActivityRollup
    stamp = r.slot.type
    rows = [
        select(
            literal(name, String).label("tz"),
            literal(lo, stamp).label("lo"),
            literal(hi, stamp).label("hi"),
        )
        for name, (lo, hi) in sorted(scope.bounds.items())
    ]
    spans = (rows[0] if len(rows) == 1 else union_all(*rows)).cte("spans")
    zone = func.coalesce(func.nullif(User.timezone, ""), "UTC")
    return (
        select(func.sum(r.active_seconds))
        .select_from(User)
        .join(spans, spans.c.tz == zone)
        .join(r, and_(r.user_id == User.id, r.slot >= spans.c.lo, r.slot < spans.c.hi))
        # A person's slots are their organization's: filtering the people is
        # enough (a filter on the slots' own column costs a check per slot).
        .where(User.organization_id == scope.org_id, scope.whose(User.id))
    )


def running(scope: Scope) -> Select[Any]:
    """Whether anyone in scope has a running entry that may reach the window."""
    return (
        select(TimeEntry.id)
        .where(
            TimeEntry.organization_id == scope.org_id,
            scope.whose(TimeEntry.user_id),
            TimeEntry.end_time.is_(None),
            TimeEntry.start_time < scope.utc_hi,
        )
        .limit(1)
    )


def open_pieces(scope: Scope, now: Any) -> Any:
    """The running entries of the people in scope, cut like every entry."""
    people = and_(scope.whose(TimeEntry.user_id), TimeEntry.end_time.is_(None))
    return pieces_cte(
        scope.sql, scope.org_id, people, scope.periods, scope.utc_lo, scope.utc_hi, now
    )


def pending_seconds(scope: Scope, now: Any) -> Select[Any]:
    """Manual time in the window still waiting for its week's approval."""
    people = and_(scope.whose(TimeEntry.user_id), pending_clause(True))
    p = pieces_cte(
        scope.sql, scope.org_id, people, scope.periods, scope.utc_lo, scope.utc_hi, now
    ).c
    return select(func.sum(overlap(scope.sql, p.ws, p.we, scope.window.lo, scope.window.hi)))
