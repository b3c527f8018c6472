"""What the locked-week check costs the batch sync, on SQLite and PostgreSQL.

Run:  .venv/bin/python -m bench.sync_locks [--rounds 7] [--calls 30]

`ingest_batch` (the sync's use case, in-process: no HTTP around it) on a fresh
database, three variants side by side in interleaved rounds, each on its own
user so their timelines do not meet:

- **without** — the check's Python side switched off (nothing locked; the
  weeks are still read, inside `SyncStore.read_batch`);
- **with** — as shipped, a user without approved weeks;
- **with, 104 weeks** — as shipped, a user with two years of approved weeks
  (the batch lies in a week that is not approved, so everything is written).

Every round runs every variant, each leading in turn (round 0 warms up).

Two shapes: **batch** (100 ten-minute entries + 1,000 activity minutes, the
size `bench.aw_compare` uses) and **small** (the agent's usual call: one
running entry's next revision + one activity minute). Prints the median and
p95 per call and the ratio to "without"; then the look-up alone (the one
query the check adds per batch, on the sync's driver connection) in µs and as
a share of a call, which stays readable when the machine is too loaded for
the end-to-end ratios to resolve a few percent.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import msgspec

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._env import create_pg_database, drop_pg_database
from server.db.migrate import upgrade
from server.db.models import Organization, Timesheet, User
from server.db.session import create_engine, session_factory
from server.runtime.config import DatabaseSettings
from server.sync import service
from server.sync.schemas import RawBatch
from server.sync.store import BatchReads
from server.timesheets.locks import LockIndex
from server.timesheets.weeks import week_bounds

VARIANTS = ("without", "with", "with, 104 weeks")
SHAPES = ("batch", "small")


def _iso(t: datetime) -> str:
    return t.isoformat().replace("+00:00", "Z")


def batch_body(start: datetime) -> bytes:
    entries, acts = [], []
    for i in range(100):
        s = start + timedelta(minutes=10 * i)
        key = str(uuid.uuid4())
        entries.append(
            {
                "idempotencyKey": key,
                "revision": 1,
                "startTime": _iso(s),
                "endTime": _iso(s + timedelta(minutes=10)),
                "status": "STOPPED",
            }
        )
        acts += [
            {
                "timeEntryKey": key,
                "minute": _iso(s + timedelta(minutes=m)),
                "keyboardClicks": 5,
                "mouseMovements": 9,
                "activeSeconds": 40,
            }
            for m in range(10)
        ]
    return msgspec.json.encode({"deviceId": "bench", "entries": entries, "activity": acts})


def small_body(key: str, start: datetime, n: int) -> bytes:
    end = start + timedelta(minutes=n + 1)
    return msgspec.json.encode(
        {
            "deviceId": "bench",
            "entries": [
                {
                    "idempotencyKey": key,
                    "revision": n + 1,
                    "startTime": _iso(start),
                    "endTime": _iso(end),
                    "status": "RUNNING",
                }
            ],
            "activity": [
                {
                    "timeEntryKey": key,
                    "minute": _iso(end - timedelta(minutes=1)),
                    "keyboardClicks": 3,
                    "mouseMovements": 4,
                    "activeSeconds": 30,
                }
            ],
        }
    )


async def _setup(sessions: Any) -> tuple[uuid.UUID, dict[str, uuid.UUID]]:
    async with sessions() as s:
        org = Organization(name="bench")
        s.add(org)
        await s.flush()
        users = {}
        for v in VARIANTS:
            u = User(organization_id=org.id, email=f"{uuid.uuid4().hex}@bench.test", name=v)
            s.add(u)
            await s.flush()
            users[v] = u.id
        monday = date(2024, 1, 1)
        for i in range(104):
            week = monday + timedelta(weeks=i)
            starts, ends = week_bounds(week, "UTC")
            s.add(
                Timesheet(
                    organization_id=org.id,
                    user_id=users["with, 104 weeks"],
                    week_start=week,
                    timezone="UTC",
                    starts_at=starts,
                    ends_at=ends,
                    status="approved",
                )
            )
        await s.commit()
        return org.id, users


def _no_locks(user_id: uuid.UUID, reads: BatchReads) -> LockIndex:
    """The check switched off: nothing locked. (Since the batch's reads became
    one statement on PostgreSQL the weeks are read anyway there; on SQLite
    their query still runs too, inside `read_batch`: "without" now measures the
    check's Python side only, and the look-up alone is timed below.)"""
    return LockIndex()


async def measure(url: str, rounds: int, calls: int) -> dict[tuple[str, str], list[float]]:
    engine = create_engine(DatabaseSettings(url=url))
    sessions = session_factory(engine)
    org_id, users = await _setup(sessions)
    shipped = service.lock_index_of
    times: dict[tuple[str, str], list[float]] = {
        (v, s): [] for v in VARIANTS for s in (*SHAPES, "query")
    }
    clocks = {v: datetime(2026, 3, 2, tzinfo=UTC) for v in VARIANTS}
    small = {v: (str(uuid.uuid4()), datetime(2026, 9, 7, tzinfo=UTC), 0) for v in VARIANTS}

    async def call(variant: str, body: bytes) -> float:
        service.lock_index_of = shipped if variant != "without" else _no_locks
        raw = msgspec.json.decode(body, type=RawBatch)
        async with sessions() as s:
            t0 = time.perf_counter()
            result = await service.ingest_batch(s, org_id, users[variant], raw, body)
            elapsed = time.perf_counter() - t0
        assert result.processed >= 1 and not result.conflicts, result
        return elapsed * 1000

    try:
        for r in range(rounds + 1):  # round 0 warms up, untimed
            order = VARIANTS[r % 3 :] + VARIANTS[: r % 3]  # each variant leads in turn
            for variant in order:
                for _ in range(max(1, calls // 10)):
                    body = batch_body(clocks[variant])
                    clocks[variant] += timedelta(hours=17)
                    ms = await call(variant, body)
                    if r:
                        times[(variant, "batch")].append(ms)
                for _ in range(calls):
                    key, start, n = small[variant]
                    ms = await call(variant, small_body(key, start, n))
                    small[variant] = (key, start, n + 1)
                    if r:
                        times[(variant, "small")].append(ms)
        # The look-up alone, as the sync makes it (same connection kind, same window).
        async with sessions() as s:
            store = await service.store_for(s)
            first = datetime(2026, 3, 2, tzinfo=UTC)
            for variant in VARIANTS[1:]:
                for i in range(21 * calls):
                    t0 = time.perf_counter()
                    await store.locked_weeks(users[variant], first, first + timedelta(hours=17))
                    if i >= calls:  # the first ones warm up
                        times[(variant, "query")].append((time.perf_counter() - t0) * 1000)
            await s.rollback()
    finally:
        service.lock_index_of = shipped
        await engine.dispose()
    return times


def report(name: str, times: dict[tuple[str, str], list[float]]) -> None:
    def p95(xs: list[float]) -> float:
        return sorted(xs)[int(0.95 * (len(xs) - 1))]

    med: Callable[[list[float]], float] = statistics.median
    for shape in SHAPES:
        base = med(times[("without", shape)])
        for variant in VARIANTS:
            xs = times[(variant, shape)]
            print(
                f"{name:10} {shape:6} {variant:16} n={len(xs):4} median {med(xs):7.2f} ms"
                f"  p95 {p95(xs):7.2f} ms  ratio {med(xs) / base:5.3f}"
            )
    for variant in VARIANTS[1:]:
        q = med(times[(variant, "query")])
        print(
            f"{name:10} lock look-up alone, {variant:16} median {q * 1000:6.0f} µs = "
            f"{q / med(times[('without', 'small')]):6.1%} of a small call, "
            f"{q / med(times[('without', 'batch')]):6.2%} of a batch"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--calls", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        upgrade(url)
        report("sqlite", asyncio.run(measure(url, args.rounds, args.calls)))
    name, url = create_pg_database()
    try:
        upgrade(url)
        report("postgres", asyncio.run(measure(url, args.rounds, args.calls)))
    finally:
        drop_pg_database(name)


if __name__ == "__main__":
    main()
