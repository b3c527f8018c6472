"""Report queries on PostgreSQL: 100 users x 30 days of per-minute activity.

Run:  .venv/bin/python -m bench.reports [--users 100] [--days 30] [--history 30] [--repeat 40]

Seeds a fresh database in SQL (generate_series; two 4-hour entries per person
and day, one activity bucket per tracked minute: 1.44 M rows for the
defaults), builds the 15-minute rollup with the same set-based refresh the
sync runs, then times in one run:

- team report: `server.reports.service.team_report` for everyone, 30 days;
- daily report: `daily_report` for one person, 30 days;
- SQL over raw buckets: the same team totals as one well-indexed aggregate
  over `activity_buckets` (what we would run without the rollup);
- naive baseline: load the range's entries and buckets into Python and sum.

Prints p50/p95 of each and the ratios.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import func, select, text

from bench._env import create_pg_database, drop_pg_database
from server.auth.principal import load_principal
from server.db.migrate import upgrade
from server.db.models import ActivityBucket, TimeEntry, User
from server.db.session import create_engine, session_factory
from server.reports import rollup, service
from server.reports.days import range_bounds, zone
from server.runtime.config import DatabaseSettings

ZONES = ["UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata"]
FIRST = date(2026, 9, 1)

SEED = """
INSERT INTO organizations (id, name, timezone, subscription, retention_days,
  screenshot_interval_seconds, blur_level, idle_timeout_seconds, screenshots_enabled,
  allow_screenshot_delete, screenshot_delete_window_minutes, created_at)
VALUES (:org, 'Bench', 'UTC', 'PRO', 365, 600, 0, 300, true, true, 10, now());

INSERT INTO users (id, organization_id, email, name, timezone, role, active, created_at)
SELECT gen_random_uuid(), :org, 'u' || n || '@bench.test', 'Person ' || lpad(n::text, 3, '0'),
       (ARRAY['UTC','Europe/Berlin','America/New_York','Asia/Kolkata'])[1 + n % 4],
       CASE WHEN n = 0 THEN 'OWNER' ELSE 'MEMBER' END, true, now()
FROM generate_series(0, :users - 1) AS n;

INSERT INTO time_entries (id, organization_id, user_id, idempotency_key, revision, start_time,
  end_time, duration_seconds, status, timezone, source, created_at, updated_at)
SELECT gen_random_uuid(), :org, u.id, gen_random_uuid(), 1, s, s + interval '4 hours', 14400,
       'STOPPED', u.timezone, 'import', now(), now()
FROM users u
CROSS JOIN generate_series(0, :days - 1) AS d
CROSS JOIN (VALUES (interval '8 hours'), (interval '12 hours 30 minutes')) AS b(off)
CROSS JOIN LATERAL (
  SELECT (CAST(:start AS timestamptz) + d * interval '1 day' + b.off) AS s) t
WHERE u.organization_id = :org;

INSERT INTO activity_buckets (time_entry_id, minute, organization_id, user_id,
  keyboard_clicks, mouse_movements, active_seconds)
SELECT e.id, e.start_time + m * interval '1 minute', e.organization_id, e.user_id,
       (m * 7) % 90, (m * 13) % 400, ((m * 37 + extract(day FROM e.start_time)::int) % 61)
FROM time_entries e CROSS JOIN generate_series(0, 239) AS m
WHERE e.organization_id = :org;
"""


def pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def timed(fn: Callable[[], Awaitable[Any]], repeat: int) -> list[float]:
    await fn()  # warm-up: plans cached, pages in memory
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        await fn()
        out.append((time.perf_counter() - t0) * 1000)
    return out


async def run(
    users: int, days: int, history: int, repeat: int, naive_repeat: int, keep: bool
) -> None:
    import uuid

    name, url = create_pg_database("hubnity_bench_reports")
    try:
        upgrade(url)
        engine = create_engine(DatabaseSettings(url=url))
        sessions = session_factory(engine)
        org = uuid.uuid4()
        # History ends with the reported window: the last `days` of `history` days.
        start = datetime.combine(FIRST - timedelta(days=history - days), dtime(0), tzinfo=UTC)
        t0 = time.perf_counter()
        async with sessions() as s:
            for stmt in SEED.split(";\n"):
                if stmt.strip():
                    await s.execute(
                        text(stmt), {"org": org, "users": users, "days": history, "start": start}
                    )
            await s.commit()
        seeded = time.perf_counter() - t0
        t0 = time.perf_counter()
        async with sessions() as s:
            await rollup.rebuild_organization(s, org)
            await s.commit()
        rolled = time.perf_counter() - t0
        async with engine.connect() as conn:
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text("VACUUM ANALYZE"))
            n_buckets = (await conn.execute(text("SELECT count(*) FROM activity_buckets"))).scalar()
            n_rollups = (await conn.execute(text("SELECT count(*) FROM activity_rollups"))).scalar()
        print(
            f"seeded {users} users x {history} days (reports: the last {days}): "
            f"{n_buckets:,} activity buckets in "
            f"{seeded:.1f} s; rollup {n_rollups:,} rows in {rolled:.1f} s"
        )

        last = FIRST + timedelta(days=days - 1)
        async with sessions() as s:
            owner_id = (
                await s.execute(
                    select(User.id).where(User.organization_id == org, User.role == "OWNER")
                )
            ).scalar_one()
            principal = await load_principal(s, owner_id, org)
            assert principal is not None
            people = list(
                (await s.execute(select(User).where(User.organization_id == org))).scalars()
            )
            one = next(u for u in people if u.timezone == "Europe/Berlin")

            async def team() -> Any:
                page = await service.team_report(
                    s, principal, None, FIRST.isoformat(), last.isoformat(), None, users
                )
                assert len(page.items) == users
                return page

            async def daily() -> Any:
                return await service.daily_report(
                    s, principal, str(one.id), FIRST.isoformat(), last.isoformat()
                )

            async def raw_sql() -> dict[Any, int]:
                out: dict[Any, int] = {}
                for tz in ZONES:
                    lo, hi = range_bounds(FIRST, last, zone(tz))
                    ids = [u.id for u in people if u.timezone == tz]
                    rows = await s.execute(
                        select(ActivityBucket.user_id, func.sum(ActivityBucket.active_seconds))
                        .where(
                            ActivityBucket.user_id.in_(ids),
                            ActivityBucket.minute >= lo,
                            ActivityBucket.minute < hi,
                        )
                        .group_by(ActivityBucket.user_id)
                    )
                    out.update(dict(rows.all()))
                return out

            async def naive() -> dict[Any, list[float]]:
                sums: dict[Any, list[float]] = defaultdict(lambda: [0.0, 0.0])
                for tz in ZONES:
                    lo, hi = range_bounds(FIRST, last, zone(tz))
                    ids = [u.id for u in people if u.timezone == tz]
                    for e in (
                        await s.execute(
                            select(TimeEntry).where(
                                TimeEntry.user_id.in_(ids),
                                TimeEntry.start_time < hi,
                                TimeEntry.end_time > lo,
                            )
                        )
                    ).scalars():
                        sums[e.user_id][0] += (
                            min(e.end_time, hi) - max(e.start_time, lo)
                        ).total_seconds()
                    for b in (
                        await s.execute(
                            select(ActivityBucket).where(
                                ActivityBucket.user_id.in_(ids),
                                ActivityBucket.minute >= lo,
                                ActivityBucket.minute < hi,
                            )
                        )
                    ).scalars():
                        sums[b.user_id][1] += b.active_seconds
                    s.expunge_all()
                return sums

            async def naive_daily() -> dict[date, list[float]]:
                tz = zone(one.timezone)
                lo, hi = range_bounds(FIRST, last, tz)
                per: dict[date, list[float]] = defaultdict(lambda: [0.0, 0.0])
                for b in (
                    await s.execute(
                        select(ActivityBucket).where(
                            ActivityBucket.user_id == one.id,
                            ActivityBucket.minute >= lo,
                            ActivityBucket.minute < hi,
                        )
                    )
                ).scalars():
                    per[b.minute.astimezone(tz).date()][1] += b.active_seconds
                s.expunge_all()
                return per

            # Same answers before timing anything.
            got = {i.user_id: (i.tracked_seconds, i.active_seconds) for i in (await team()).items}
            ref = await naive()
            assert all(got[str(k)] == (round(v[0]), round(v[1])) for k, v in ref.items())
            assert {str(k): v for k, v in (await raw_sql()).items()} == {
                k: v[1] for k, v in got.items() if v[1]
            }

            results = {
                "team report (rollup)": await timed(team, repeat),
                "daily report, 1 person (rollup)": await timed(daily, repeat),
                "team totals, SQL over raw buckets": await timed(raw_sql, max(5, repeat // 4)),
                "naive team: rows into Python": await timed(naive, naive_repeat),
                "naive daily: rows into Python": await timed(naive_daily, naive_repeat),
            }
        await engine.dispose()
    finally:
        if keep:
            print(f"kept database {name}")
        else:
            drop_pg_database(name)

    print(f"\n{'query':38} {'p50 ms':>9} {'p95 ms':>9} {'n':>4}")
    for label, samples in results.items():
        print(
            f"{label:38} {statistics.median(samples):9.1f} {pct(samples, 0.95):9.1f} "
            f"{len(samples):4d}"
        )
    team_p50 = statistics.median(results["team report (rollup)"])
    print(f"\nteam report p95 {pct(results['team report (rollup)'], 0.95):.1f} ms (target < 100)")
    print(
        f"team: naive / rollup = "
        f"{statistics.median(results['naive team: rows into Python']) / team_p50:.0f}x "
        f"(target >= 10x); raw-bucket SQL / rollup = "
        f"{statistics.median(results['team totals, SQL over raw buckets']) / team_p50:.1f}x"
    )
    daily_p50 = statistics.median(results["daily report, 1 person (rollup)"])
    print(
        f"daily: naive / rollup = "
        f"{statistics.median(results['naive daily: rows into Python']) / daily_p50:.0f}x"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--days", type=int, default=30, help="days in the reports")
    parser.add_argument("--history", type=int, default=0, help="days seeded (default: --days)")
    parser.add_argument("--repeat", type=int, default=40)
    parser.add_argument("--naive-repeat", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="keep the database (for EXPLAIN)")
    args = parser.parse_args()
    history = max(args.history, args.days)
    asyncio.run(run(args.users, args.days, history, args.repeat, args.naive_repeat, args.keep))


if __name__ == "__main__":
    main()
