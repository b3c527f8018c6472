"""Where a sync batch's time goes on PostgreSQL, below our code.

Run:  .venv/bin/python -m bench.sync_profile [--repeat 200]

1. COMMIT latency on this machine's disk: BEGIN; one-row INSERT; COMMIT on a
   bare asyncpg connection, with `synchronous_commit` on (the default: COMMIT
   waits for the WAL flush) and off (for comparison only; Hubnity keeps it on).
2. The batch's two write statements as the server runs them
   (`server.sync.store_pg`), under `EXPLAIN ANALYZE` for a 1,100-row batch
   (100 entries + 1,000 activity minutes) of a user who already has 500
   entries: execution time, and the time of each foreign-key trigger.
   Rolled back, so the database is unchanged.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._env import bench_settings, create_pg_database, drop_pg_database, pg_dsn
from server.db.migrate import upgrade
from server.sync import store_pg
from tests.support.signup import sign_up_in_app


async def commit_latency(conn: asyncpg.Connection, repeat: int) -> None:
    await conn.execute("CREATE TABLE commit_probe (x int)")
    for mode in ("on", "off", "on", "off"):
        times = []
        for _ in range(repeat):
            await conn.execute("BEGIN")
            await conn.execute(f"SET LOCAL synchronous_commit TO {mode.upper()}")
            await conn.execute("INSERT INTO commit_probe VALUES (1)")
            t0 = time.perf_counter()
            await conn.execute("COMMIT")
            times.append(time.perf_counter() - t0)
        print(f"COMMIT, synchronous_commit {mode:>3}: p50 {statistics.median(times) * 1000:.2f} ms")
    await conn.execute("DROP TABLE commit_probe")


def batch_rows(org: uuid.UUID, user: uuid.UUID, start: datetime) -> tuple[list, list]:
    now = datetime.now(UTC)
    entries, activity = [], []
    for i in range(100):
        s = start + timedelta(minutes=10 * i)
        eid = uuid.uuid4()
        entries.append((eid, org, user, uuid.uuid4(), 1, None, None, s, s + timedelta(minutes=10),
                        600, "STOPPED", "UTC", "bench", "agent", "bench", now, now))
        activity += [(eid, s + timedelta(minutes=m), org, user, 40, 200, 50) for m in range(10)]
    return entries, activity


def columns(rows: list[tuple[Any, ...]]) -> list[list[Any]]:
    return [list(c) for c in zip(*rows, strict=True)]


async def explain(conn: asyncpg.Connection, label: str, sql: str, *args: Any) -> None:
    plan = json.loads(await conn.fetchval("EXPLAIN (ANALYZE, FORMAT JSON) " + sql, *args))[0]
    print(f"{label}: execution {plan['Execution Time']:.1f} ms, planning "
          f"{plan['Planning Time']:.1f} ms")
    for t in plan.get("Triggers", []):
        what = t.get('Constraint Name', t['Trigger Name'])
        print(f"   {what} on {t['Relation']}: {t['Time']:.1f} ms, {t['Calls']} calls")


async def sign_up(url: str) -> tuple[uuid.UUID, uuid.UUID]:
    """An organization and its owner, made by the API (in-process app)."""
    from litestar.testing import AsyncTestClient

    from server.app import create_app

    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(bench_settings(url, Path(tmp)))
        async with AsyncTestClient(app=app) as client:
            pair = await sign_up_in_app(
                client, "profile@bench.test", "correct horse battery 42",
                name="Load Tester", organization="Bench Org")
            me = (await client.get("/api/v1/auth/me", headers={
                "Authorization": f"Bearer {pair['accessToken']}"})).json()
    return uuid.UUID(me["organization"]["id"]), uuid.UUID(me["id"])


async def main(repeat: int) -> None:
    name, url = create_pg_database("hubnity_profile")
    try:
        upgrade(url)
        conn = await asyncpg.connect(pg_dsn(name))
        try:
            await commit_latency(conn, repeat)
            org, user = await sign_up(url)
            for day in range(5):  # some history: 500 entries, 5,000 minutes
                entries, activity = batch_rows(org, user, datetime(2025, 1, 1, tzinfo=UTC)
                                               + timedelta(days=day))
                await conn.fetchval(store_pg._ENTRY_UPSERT, *columns(entries))
                first = activity[0][1]
                ids = list({r[0] for r in activity})
                await conn.fetchval(store_pg._ACTIVITY_WRITE, *columns(activity), user, ids,
                                    first, first + timedelta(days=1))
            await conn.execute("ANALYZE")
            start = datetime(2025, 2, 1, tzinfo=UTC)
            entries, activity = batch_rows(org, user, start)
            tx = conn.transaction()
            await tx.start()
            await explain(conn, "entries upsert (100 rows)", store_pg._ENTRY_UPSERT,
                          *columns(entries))
            await explain(conn, "activity upsert + rollup (1,000 rows)", store_pg._ACTIVITY_WRITE,
                          *columns(activity), user, list({r[0] for r in activity}), start,
                          start + timedelta(days=1))
            await tx.rollback()
        finally:
            await conn.close()
    finally:
        drop_pg_database(name)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=200)
    asyncio.run(main(parser.parse_args().repeat))
