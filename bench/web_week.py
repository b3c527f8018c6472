"""The "My time" page's data on PostgreSQL, against the time-entries API's week.

Run:  .venv/bin/python -m bench.web_week [--users 20] [--days 90] [--repeat 50]

Seeds the analytics bench's data set (people in six zones, four entries per
person and day, a catalog of projects and tasks), then times, in one run, for
one person's current week:

- api week: `time_entries.service.list_entries` for the local week (entries
  with their classes), what `GET /api/v1/time-entries` answers: the baseline;
- page week: `server.web.week.week_of` (entries with project/task names and
  colors, classes, gaps), what the page's table and chart are drawn from;
- whole page data: the week, the week's timesheet and the timer bar (timer
  state, projects with their open tasks, activities) as `GET /app/time`
  assembles them before rendering.

Prints p50/p95 of each and their ratios to the API's week.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import select, text

from bench._env import create_pg_database, drop_pg_database
from bench.analytics import LAST, pct, seed, timed, week_view
from server.auth.principal import load_principal
from server.db.base import utcnow
from server.db.migrate import upgrade
from server.db.models import User
from server.db.session import create_engine, session_factory
from server.runtime.config import DatabaseSettings
from server.timesheets import service as timesheets
from server.web import timer_bar
from server.web.week import week_of


async def run(users: int, days: int, repeat: int) -> None:
    name, url = create_pg_database("hubnity_bench_web_week")
    results: dict[str, tuple[list[float], float]] = {}
    try:
        upgrade(url)
        engine = create_engine(DatabaseSettings(url=url))
        sessions = session_factory(engine)
        org = await seed(sessions, users, days)
        async with engine.connect() as conn:
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text("VACUUM ANALYZE"))
            n = (await conn.execute(text("SELECT count(*) FROM time_entries"))).scalar()
        print(f"seeded {users} users x {days} days: {n:,} entries")
        async with sessions() as s:
            person = (
                await s.execute(
                    select(User)
                    .where(User.organization_id == org, User.timezone == "Europe/Berlin")
                    .limit(1)
                )
            ).scalar_one()
            principal = await load_principal(s, person.id, org)
            assert principal is not None
            monday = LAST - timedelta(days=LAST.weekday())
            week = monday.isoformat()
            now = utcnow()

            async def api() -> Any:
                return await week_view(s, principal, person, monday)

            async def page_week() -> Any:
                data = await week_of(s, person, week, now)
                assert data.seconds > 0
                return data

            async def whole() -> Any:
                data = await week_of(s, person, week, now)
                await timesheets.list_timesheets(
                    s, principal, user_id=str(person.id), week_start=data.start, limit=1
                )
                return await timer_bar.load(s, principal)

            backend = (await s.execute(text("SELECT pg_backend_pid()"))).scalar_one()
            results = {
                "api week (baseline)": await timed(api, repeat, backend),
                "page week": await timed(page_week, repeat, backend),
                "whole page data": await timed(whole, repeat, backend),
            }
        await engine.dispose()
    finally:
        drop_pg_database(name)
    base = results["api week (baseline)"][0]
    print(f"\n{'query':24} {'p50 ms':>9} {'p95 ms':>9} {'CPU ms':>8} {'vs api p50':>11}")
    for label, (samples, cpu) in results.items():
        ratio = statistics.median(samples) / statistics.median(base)
        print(
            f"{label:24} {statistics.median(samples):9.2f} {pct(samples, 0.95):9.2f} "
            f"{cpu:8.1f} {ratio:10.2f}x"
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--users", type=int, default=20)
    ap.add_argument("--days", type=int, default=90)
    ap.add_argument("--repeat", type=int, default=50)
    a = ap.parse_args()
    asyncio.run(run(a.users, a.days, a.repeat))


if __name__ == "__main__":
    main()
