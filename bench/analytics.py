"""Analytics dashboard on PostgreSQL: 100 users x 90 days.

Run:  .venv/bin/python -m bench.analytics [--users 100] [--days 90] [--repeat 30]

Seeds a fresh database in SQL (generate_series): people in six zones from
UTC-10 to UTC+13 (two with DST changes inside the range), 5 customers in 3
currencies, 20 projects, 100 tasks (rates on some customers, projects and
tasks; estimates, due dates, a third done), 4 activities; four entries per
person and day (two cross a local midnight somewhere), a mix of billable,
non-billable and inherited, some manual; one 15-minute activity rollup row
per tracked quarter hour; then the per-day rollup the dashboard reads, built
from those (`server.analytics.day_refresh.rebuild`, as the migration does).
Then, in one run:

- dashboard: `server.analytics.service.dashboard` as the owner for everyone,
  over the last 30 days and over all 90;
- naive: the same figures computed per entry in Python (entries, their
  catalog rows and the rollup rows loaded, split per local quarter hour with
  zoneinfo), checked equal to the dashboard first;
- week view: one person's week in the time-entries list (entries with their
  classes), as the "My time" page reads it.

Prints p50/p95 of each and the ratios.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import select, text

from bench._env import create_pg_database, drop_pg_database
from server.analytics.day_refresh import rebuild
from server.analytics.money import Money
from server.analytics.service import dashboard
from server.auth.principal import load_principal
from server.db.migrate import upgrade
from server.db.models import (
    Activity,
    ActivityRollup,
    Customer,
    Organization,
    Project,
    Task,
    TimeEntry,
    User,
)
from server.db.session import create_engine, session_factory
from server.reports.days import range_bounds, zone
from server.runtime.config import DatabaseSettings

ZONES = [
    "Pacific/Auckland",
    "Pacific/Honolulu",
    "Europe/Berlin",
    "America/New_York",
    "Asia/Kolkata",
    "UTC",
]
LAST = date(2026, 11, 15)  # Berlin and New York change offset within the 90 days

SEED = """
INSERT INTO users (id, organization_id, email, name, timezone, role, active, created_at)
SELECT gen_random_uuid(), :org, 'u' || n || '@bench.test', 'Person ' || lpad(n::text, 3, '0'),
       (ARRAY['Pacific/Auckland','Pacific/Honolulu','Europe/Berlin','America/New_York',
              'Asia/Kolkata','UTC'])[1 + n % 6],
       CASE WHEN n = 0 THEN 'OWNER' ELSE 'MEMBER' END, true, now()
FROM generate_series(0, :users - 1) AS n;

INSERT INTO customers (id, organization_id, name, currency, hourly_rate, archived, created_at)
SELECT gen_random_uuid(), :org, 'Customer ' || n, (ARRAY['EUR','USD','GBP'])[1 + n % 3],
       CASE WHEN n = 4 THEN NULL ELSE 60 + n * 12.5 END, false, now()
FROM generate_series(0, 4) AS n;

INSERT INTO projects (id, organization_id, name, archived, customer_id, billable, hourly_rate,
  budget_seconds, created_at)
SELECT gen_random_uuid(), :org, 'Project ' || lpad(n::text, 2, '0'), false,
       (SELECT id FROM customers WHERE organization_id = :org ORDER BY name OFFSET n % 6 LIMIT 1),
       n % 7 <> 0, CASE WHEN n % 3 = 0 THEN 90 + n ELSE NULL END, 360000, now()
FROM generate_series(0, 19) AS n;

INSERT INTO activities (id, organization_id, name, billable, archived, created_at)
VALUES (gen_random_uuid(), :org, 'Development', true, false, now()),
       (gen_random_uuid(), :org, 'Meeting', false, false, now()),
       (gen_random_uuid(), :org, 'Support', true, false, now()),
       (gen_random_uuid(), :org, 'Review', true, false, now());

INSERT INTO tasks (id, organization_id, project_id, name, status, priority, due_date,
  estimate_seconds, tags, assignee_id, hourly_rate, done_at, created_at)
SELECT gen_random_uuid(), :org, p.id, p.name || ' task ' || k,
       CASE WHEN k % 3 = 0 THEN 'done' ELSE 'in_progress' END, 'medium',
       CAST(:last AS date) - CAST(k * 7 + p.rn AS int), 3600 * (4 + k), '[]',
       (SELECT id FROM users WHERE organization_id = :org ORDER BY email
        OFFSET (p.rn * 5 + k) % :users LIMIT 1),
       CASE WHEN k = 4 THEN 175 ELSE NULL END,
       CASE WHEN k % 3 = 0 THEN CAST(:last AS timestamptz) - (k * 7 + p.rn - k) * interval '1 day'
                                 + interval '15 hours'
       END, now()
FROM (SELECT id, name, CAST(row_number() OVER (ORDER BY name) - 1 AS int) AS rn
      FROM projects WHERE organization_id = :org) p
CROSS JOIN generate_series(0, 4) AS k;

CREATE TEMP TABLE bench_people AS
SELECT id, CAST(row_number() OVER (ORDER BY email) - 1 AS int) AS rn
FROM users WHERE organization_id = :org;
CREATE TEMP TABLE bench_projects AS
SELECT id, CAST(row_number() OVER (ORDER BY name) - 1 AS int) AS rn
FROM projects WHERE organization_id = :org;
CREATE TEMP TABLE bench_activities AS
SELECT id, CAST(row_number() OVER (ORDER BY name) - 1 AS int) AS rn
FROM activities WHERE organization_id = :org;

INSERT INTO time_entries (id, organization_id, user_id, project_id, task_id, activity_id,
  idempotency_key, revision, start_time, end_time, duration_seconds, status, timezone, source,
  billable, created_at, updated_at)
SELECT gen_random_uuid(), :org, u.id, p.id,
       CASE WHEN b.k = 3 THEN NULL ELSE
         (SELECT t.id FROM tasks t WHERE t.project_id = p.id ORDER BY t.name
          OFFSET d % 5 LIMIT 1) END,
       a.id, gen_random_uuid(), 1, s, s + b.len, extract(epoch FROM b.len)::int, 'STOPPED',
       'UTC', CASE WHEN b.k = 3 AND d % 7 = 0 THEN 'manual' ELSE 'agent' END,
       CASE (u.rn + d + b.k) % 9 WHEN 0 THEN true WHEN 1 THEN false ELSE NULL END, now(), now()
FROM bench_people u
CROSS JOIN generate_series(0, :days - 1) AS d
CROSS JOIN (VALUES (0, interval '0 hours', interval '2 hours'),
                   (1, interval '2 hours 30 minutes', interval '90 minutes'),
                   (2, interval '5 hours', interval '2 hours'),
                   (3, interval '7 hours 30 minutes', interval '75 minutes')) AS b(k, off, len)
JOIN bench_projects p ON p.rn = (u.rn + d + b.k) % 20
LEFT JOIN bench_activities a ON a.rn = (u.rn + b.k) % 5
CROSS JOIN LATERAL (
  SELECT CAST(:start AS timestamptz) + d * interval '1 day' + b.off
         + (u.rn % 24) * interval '1 hour' + (u.rn % 4) * interval '15 minutes' AS s) t;

INSERT INTO activity_rollups (time_entry_id, slot, organization_id, user_id, active_seconds,
  keyboard_clicks, mouse_movements, minutes)
SELECT e.id, e.start_time + q * interval '15 minutes', e.organization_id, e.user_id,
       (q * 131 + extract(day FROM e.start_time)::int * 7) % 901, q * 40, q * 90, 15
FROM time_entries e
CROSS JOIN LATERAL generate_series(0, (e.duration_seconds / 900) - 1) AS q
WHERE e.organization_id = :org
"""


def pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _backend_cpu(pid: int) -> float:
    """CPU seconds a PostgreSQL backend used so far (it runs on this machine)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def timed(
    fn: Callable[[], Awaitable[Any]], repeat: int, backend: int
) -> tuple[list[float], float]:
    """Wall milliseconds per call, and CPU milliseconds per call (this process
    plus the database backend): the machine is shared, so wall time includes
    waiting for a core; CPU time is what the work itself costs."""
    await fn()  # warm-up: plans cached, pages in memory
    out = []
    cpu0, db0 = time.process_time(), _backend_cpu(backend)
    for _ in range(repeat):
        t0 = time.perf_counter()
        await fn()
        out.append((time.perf_counter() - t0) * 1000)
    cpu = time.process_time() - cpu0 + _backend_cpu(backend) - db0
    return out, cpu * 1000 / repeat


def _billable(e: TimeEntry, project: Project | None, activity: Activity | None) -> bool:
    if e.billable is not None:
        return e.billable
    return bool(project and project.billable and (activity is None or activity.billable))


async def naive(s: Any, org: uuid.UUID, first: date, last: date) -> dict[str, Any]:
    """The dashboard's main figures the obvious way: every entry into Python."""

    async def rows(model: Any) -> dict[Any, Any]:
        found = await s.execute(select(model).where(model.organization_id == org))
        return {r.id: r for r in found.scalars()}

    people, projects = await rows(User), await rows(Project)
    customers, activities, tasks = await rows(Customer), await rows(Activity), await rows(Task)
    bounds = {u.id: range_bounds(first, last, zone(u.timezone)) for u in people.values()}
    lo = min(b[0] for b in bounds.values())
    hi = max(b[1] for b in bounds.values())
    tracked = billable = manual = 0.0
    hours = [0.0] * 24
    per_day: dict[date, float] = defaultdict(float)
    by_project: dict[Any, float] = defaultdict(float)
    money = Money()
    quarter = timedelta(minutes=15)
    entries = await s.execute(
        select(TimeEntry).where(
            TimeEntry.organization_id == org, TimeEntry.start_time < hi, TimeEntry.end_time > lo
        )
    )
    for e in entries.scalars():
        u_lo, u_hi = bounds[e.user_id]
        start, end = max(e.start_time, u_lo), min(e.end_time, u_hi)
        if end <= start:
            continue
        tz = zone(people[e.user_id].timezone)
        secs = (end - start).total_seconds()
        project = projects.get(e.project_id) if e.project_id else None
        activity = activities.get(e.activity_id) if e.activity_id else None
        task = tasks.get(e.task_id) if e.task_id else None
        customer = customers.get(project.customer_id) if project and project.customer_id else None
        tracked += secs
        by_project[e.project_id] += secs
        if e.source == "manual":
            manual += secs
        if _billable(e, project, activity):
            billable += secs
            rate = next(
                (r for r in (task and task.hourly_rate, project and project.hourly_rate,
                             customer and customer.hourly_rate) if r is not None),
                None,
            )  # fmt: skip
            money.add(customer.currency if customer else "EUR", rate, round(secs))
        # Every offset in use is a multiple of 15 minutes: walk UTC quarter hours.
        t = start
        while t < end:
            nxt = min(end, t - timedelta(seconds=t.timestamp() % 900) + quarter)
            local = t.astimezone(tz)
            hours[local.hour] += (nxt - t).total_seconds()
            per_day[local.date()] += (nxt - t).total_seconds()
            t = nxt
    active = 0
    slots = await s.execute(
        select(ActivityRollup).where(
            ActivityRollup.organization_id == org,
            ActivityRollup.slot >= lo,
            ActivityRollup.slot < hi,
        )
    )
    for r in slots.scalars():
        u_lo, u_hi = bounds[r.user_id]
        if u_lo <= r.slot < u_hi:
            active += r.active_seconds
    s.expunge_all()
    return {
        "tracked": round(tracked),
        "billable": round(billable),
        "manual": round(manual),
        "active": active,
        "amounts": [(a.currency, a.amount) for a in money.amounts()],
        "hours": [round(h) for h in hours],
        "days": {k: round(v) for k, v in per_day.items()},
        "projects": {k: round(v) for k, v in by_project.items()},
    }


def _summary(body: Any) -> dict[str, Any]:
    return {
        "tracked": body.tracked_seconds,
        "billable": body.billable_seconds,
        "manual": body.manual_seconds,
        "active": body.active_seconds,
        "amounts": [(a.currency, a.amount) for a in body.amounts],
        "hours": body.hour_histogram,
        "days": {date.fromisoformat(d.date): d.seconds for d in body.by_day if d.seconds},
        "projects": {uuid.UUID(g.id) if g.id else None: g.seconds for g in body.by_project},
    }


async def seed(sessions: Any, users: int, days: int) -> uuid.UUID:
    org = uuid.uuid4()
    start = datetime.combine(LAST - timedelta(days=days - 1), dtime(0), tzinfo=UTC)
    async with sessions() as s:
        s.add(Organization(id=org, name="Bench", timezone="UTC"))
        await s.flush()
        for stmt in SEED.split(";\n"):
            if stmt.strip():
                await s.execute(
                    text(stmt),
                    {"org": org, "users": users, "days": days, "start": start, "last": LAST},
                )
        await s.commit()
    t0 = time.perf_counter()
    async with sessions() as s:
        await s.run_sync(lambda sync: rebuild(sync.connection(), org))
        await s.commit()
    print(f"per-day rollup built in {time.perf_counter() - t0:.1f} s")
    return org


async def run(
    users: int, days: int, repeat: int, naive_repeat: int, keep: bool, seed_only: bool = False
) -> None:
    name, url = create_pg_database("hubnity_bench_analytics")
    results: dict[str, tuple[list[float], float]] = {}
    try:
        upgrade(url)
        engine = create_engine(DatabaseSettings(url=url))
        sessions = session_factory(engine)
        t0 = time.perf_counter()
        org = await seed(sessions, users, days)
        seeded = time.perf_counter() - t0
        async with engine.connect() as conn:
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text("VACUUM ANALYZE"))
            n_entries = (await conn.execute(text("SELECT count(*) FROM time_entries"))).scalar()
            n_slots = (await conn.execute(text("SELECT count(*) FROM activity_rollups"))).scalar()
            n_days = (await conn.execute(text("SELECT count(*) FROM tracked_days"))).scalar()
        print(
            f"seeded {users} users x {days} days: {n_entries:,} entries, "
            f"{n_slots:,} rollup rows, {n_days:,} per-day rows in {seeded:.1f} s"
        )
        if seed_only:
            print(f"seeded, not timed: {url}")
            await engine.dispose()
            return
        month = (LAST - timedelta(days=29), LAST)
        whole = (LAST - timedelta(days=days - 1), LAST)
        async with sessions() as s:
            owner_id = (
                await s.execute(
                    select(User.id).where(User.organization_id == org, User.role == "OWNER")
                )
            ).scalar_one()
            principal = await load_principal(s, owner_id, org)
            assert principal is not None
            # One backend does all the work (no parallel workers), so its CPU
            # time is the query's.
            await s.execute(text("SET max_parallel_workers_per_gather = 0"))
            backend = (await s.execute(text("SELECT pg_backend_pid()"))).scalar_one()
            one = (
                await s.execute(
                    select(User)
                    .where(User.organization_id == org, User.timezone == "Europe/Berlin")
                    .limit(1)
                )
            ).scalar_one()

            def dash(first: date, last: date) -> Callable[[], Awaitable[Any]]:
                async def call() -> Any:
                    return await dashboard(
                        s, principal, from_date=first.isoformat(), to_date=last.isoformat()
                    )

                return call

            def slow(first: date, last: date) -> Callable[[], Awaitable[Any]]:
                async def call() -> Any:
                    return await naive(s, org, first, last)

                return call

            week_first = LAST - timedelta(days=LAST.weekday())

            async def week() -> Any:
                return await week_view(s, principal, one, week_first)

            for first, last in (month, whole):
                got, ref = _summary(await dash(first, last)()), await slow(first, last)()
                assert got == ref, {k: (got[k], ref[k]) for k in got if got[k] != ref[k]}
            results = {
                "dashboard, 30 days (SQL)": await timed(dash(*month), repeat, backend),
                "naive per entry, 30 days": await timed(slow(*month), naive_repeat, backend),
                "dashboard, 90 days (SQL)": await timed(dash(*whole), repeat, backend),
                "naive per entry, 90 days": await timed(slow(*whole), naive_repeat, backend),
                "week view, 1 person": await timed(week, repeat, backend),
            }
        await engine.dispose()
    finally:
        if keep:
            print(f"kept database {name}")
        else:
            drop_pg_database(name)
    print(f"load average while running: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"\n{'query':32} {'p50 ms':>9} {'p95 ms':>9} {'CPU ms':>9} {'n':>4}")
    for label, (samples, cpu) in results.items():
        print(
            f"{label:32} {statistics.median(samples):9.1f} {pct(samples, 0.95):9.1f} "
            f"{cpu:9.1f} {len(samples):4d}"
        )
    for span in ("30", "90"):
        fast, fast_cpu = results[f"dashboard, {span} days (SQL)"]
        slow_, slow_cpu = results[f"naive per entry, {span} days"]
        print(
            f"{span} days: dashboard {statistics.median(slow_) / statistics.median(fast):.1f}x "
            f"faster than naive (p50), {pct(slow_, 0.95) / pct(fast, 0.95):.1f}x (p95), "
            f"{slow_cpu / fast_cpu:.1f}x less CPU"
        )


async def week_view(s: Any, principal: Any, person: User, monday: date) -> Any:
    """One person's week as the "My time" page asks for it: the time-entries
    list (each entry with its class) for the local week."""
    from server.time_entries.service import list_entries

    lo, hi = range_bounds(monday, monday + timedelta(days=6), zone(person.timezone))
    page = await list_entries(
        s, principal, user_id=str(person.id), start=lo.isoformat(), end=hi.isoformat(), limit=200
    )
    assert page.items and page.items[0].entry_class
    return page


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--users", type=int, default=100)
    ap.add_argument("--days", type=int, default=90)
    ap.add_argument("--repeat", type=int, default=30)
    ap.add_argument("--naive-repeat", type=int, default=5)
    ap.add_argument("--keep", action="store_true", help="keep the database for inspection")
    ap.add_argument(
        "--seed-only",
        action="store_true",
        help="seed, keep the database and print its URL (to profile against); no timing",
    )
    a = ap.parse_args()
    asyncio.run(run(a.users, a.days, a.repeat, a.naive_repeat, a.keep or a.seed_only, a.seed_only))


if __name__ == "__main__":
    main()
