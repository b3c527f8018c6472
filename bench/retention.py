"""The retention purge: batched deletes against one big DELETE, with the sync writing.

Run:  .venv/bin/python -m bench.retention [--users 20] [--minutes 20000] [--db both]

Seeds one organization (`--users` people, each with `--minutes` consecutive
per-minute activity rows and their 15-minute rollups; half of them older than
the 30-day retention), then purges the old half twice, each time on a fresh
copy of the data:

- baseline: one DELETE per table in one transaction (the obvious purge);
- the purge as shipped (`server.rights.retention.purge_org`): per person,
  batches of 5,000 rows by primary key, each batch its own transaction.

Meanwhile a writer stands in for the agents' sync: every 20 ms it inserts one
young activity row and commits. Prints, per database, the purge's total time,
its longest single transaction (how long it holds the write lock: SQLite has
one writer at a time) and the writer's worst and p95 wait, and the ratios.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import delete, insert

from bench._env import create_pg_database, drop_pg_database
from bench.reports import pct
from server.db.migrate import upgrade
from server.db.models import ActivityBucket, ActivityRollup, Organization, TimeEntry, User
from server.db.session import create_engine, session_factory
from server.rights import retention
from server.runtime.config import DatabaseSettings

DAYS = 30
CHUNK = 5000


class TimedSessions:
    """A session factory that records how long each session (transaction) lived."""

    def __init__(self, factory: Any) -> None:
        self.factory = factory
        self.spans: list[float] = []

    def __call__(self) -> Any:
        outer = self

        class _Ctx:
            async def __aenter__(self) -> Any:
                self.t0 = time.perf_counter()
                self.cm = outer.factory()
                return await self.cm.__aenter__()

            async def __aexit__(self, *exc: Any) -> None:
                await self.cm.__aexit__(*exc)
                outer.spans.append((time.perf_counter() - self.t0) * 1000)

        return _Ctx()


async def seed(sessions: Any, users: int, minutes: int, now: datetime) -> tuple[uuid.UUID, Any]:
    org = Organization(id=uuid.uuid4(), name="Bench", retention_days=DAYS)
    start = (now - timedelta(days=DAYS, minutes=minutes // 2)).replace(second=0, microsecond=0)
    people = [
        User(
            id=uuid.uuid4(),
            organization_id=org.id,
            email=f"u{i}-{org.id}@bench.test",
            name=f"Person {i}",
        )
        for i in range(users)
    ]
    entries = [
        TimeEntry(
            id=uuid.uuid4(),
            organization_id=org.id,
            user_id=u.id,
            idempotency_key=uuid.uuid4(),
            start_time=start,
            end_time=start + timedelta(minutes=minutes),
            duration_seconds=minutes * 60,
        )
        for u in people
    ]
    async with sessions() as session:
        session.add(org)
        await session.flush()
        session.add_all(people)
        await session.flush()
        session.add_all(entries)
        await session.commit()
    for u, e in zip(people, entries, strict=True):
        rows = [
            {
                "time_entry_id": e.id,
                "minute": start + timedelta(minutes=m),
                "organization_id": org.id,
                "user_id": u.id,
                "keyboard_clicks": 5,
                "mouse_movements": 9,
                "active_seconds": 40,
            }
            for m in range(minutes)
        ]
        slots = [
            {
                "time_entry_id": e.id,
                "slot": start + timedelta(minutes=m),
                "organization_id": org.id,
                "user_id": u.id,
                "active_seconds": 600,
                "keyboard_clicks": 75,
                "mouse_movements": 135,
                "minutes": 15,
            }
            for m in range(0, minutes, 15)
        ]
        async with sessions() as session:
            for i in range(0, len(rows), CHUNK):
                await session.execute(insert(ActivityBucket), rows[i : i + CHUNK])
            await session.execute(insert(ActivityRollup), slots)
            await session.commit()
    return org.id, entries[0]


async def writer(
    sessions: Any, entry: Any, now: datetime, stop: asyncio.Event, waits: list[float]
) -> None:
    """One young row every 20 ms, as the sync would write them."""
    n = 0
    while not stop.is_set():
        n += 1
        t0 = time.perf_counter()
        async with sessions() as session:
            await session.execute(
                insert(ActivityBucket),
                [
                    {
                        "time_entry_id": entry.id,
                        "minute": now + timedelta(minutes=n),
                        "organization_id": entry.organization_id,
                        "user_id": entry.user_id,
                        "keyboard_clicks": 1,
                        "mouse_movements": 1,
                        "active_seconds": 10,
                    }
                ],
            )
            await session.commit()
        waits.append((time.perf_counter() - t0) * 1000)
        await asyncio.sleep(0.02)


async def single_delete(sessions: Any, org_id: uuid.UUID, now: datetime) -> None:
    cutoff = retention.cutoff_of(now, DAYS)
    async with sessions() as session:
        await session.execute(
            delete(ActivityBucket).where(
                ActivityBucket.organization_id == org_id, ActivityBucket.minute < cutoff
            )
        )
        await session.execute(
            delete(ActivityRollup).where(
                ActivityRollup.organization_id == org_id, ActivityRollup.slot < cutoff
            )
        )
        await session.commit()


async def one(url: str, variant: str, users: int, minutes: int) -> dict[str, float]:
    upgrade(url)
    engine = create_engine(DatabaseSettings(url=url))
    base = session_factory(engine)
    now = datetime.now(UTC)
    org_id, entry = await seed(base, users, minutes, now)
    timed = TimedSessions(base)
    waits: list[float] = []
    stop = asyncio.Event()
    task = asyncio.create_task(writer(base, entry, now, stop, waits))
    await asyncio.sleep(0.3)
    t0 = time.perf_counter()
    if variant == "single":
        await single_delete(timed, org_id, now)
    else:
        await retention.purge_org(SimpleNamespace(sessions=timed, storage=None), org_id, DAYS, now)
    total = (time.perf_counter() - t0) * 1000
    await asyncio.sleep(0.3)
    stop.set()
    await task
    await engine.dispose()
    return {
        "total": total,
        "longest": max(timed.spans),
        "wait_max": max(waits),
        "wait_p95": pct(waits, 0.95),
        "writes": len(waits),
    }


async def database(kind: str, users: int, minutes: int) -> dict[str, dict[str, float]]:
    out = {}
    for variant in ("single", "batched"):
        if kind == "sqlite":
            with tempfile.TemporaryDirectory(prefix="hubnity-bench-") as tmp:
                out[variant] = await one(f"sqlite+aiosqlite:///{tmp}/r.db", variant, users, minutes)
        else:
            name, url = create_pg_database()
            try:
                out[variant] = await one(url, variant, users, minutes)
            finally:
                drop_pg_database(name)
    return out


def report(kind: str, rows: int, r: dict[str, dict[str, float]]) -> None:
    s, b = r["single"], r["batched"]
    print(f"\n{kind}: {rows:,} old activity rows (+ rollups) purged")
    print(f"  {'':<24}{'one DELETE':>12}{'batched':>12}{'ratio':>9}")
    for key, label in (
        ("total", "purge total ms"),
        ("longest", "longest transaction ms"),
        ("wait_max", "writer worst wait ms"),
        ("wait_p95", "writer p95 wait ms"),
    ):
        ratio = s[key] / b[key] if b[key] else float("inf")
        print(f"  {label:<24}{s[key]:>12.1f}{b[key]:>12.1f}{ratio:>8.1f}x")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--minutes", type=int, default=20000)
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    args = parser.parse_args()
    kinds = ("sqlite", "postgres") if args.db == "both" else (args.db,)
    for kind in kinds:
        result = await database(kind, args.users, args.minutes)
        report(kind, args.users * args.minutes // 2, result)


if __name__ == "__main__":
    asyncio.run(main())
