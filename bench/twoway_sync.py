"""Two-way sync on PostgreSQL: a run over N linked entries with 1 % changed
makes O(changes) remote writes, not O(entries).

Run:  .venv/bin/python -m bench.twoway_sync [--entries 10000] [--changed 0.01]

Against the Kimai stand-in of the tests (tests/support/standins/kimai.py,
served over real HTTP in a thread), on a fresh database:
- baseline: the first run pushes every entry (O(entries) writes) → its time
  and writes;
- then an hour is made to pass (the stand-in's modification stamps move back,
  as they would between two runs), `--changed` of the entries are edited in
  Hubnity, and the next run is timed: remote writes must equal the changes;
- a run with nothing changed, for the fixed cost.
Prints the writes and times, and the ratios incremental / baseline.
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

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import insert, update

from bench._env import bench_settings, create_pg_database, drop_pg_database
from server.db.migrate import upgrade
from server.db.models import (
    Activity,
    Integration,
    IntegrationRun,
    Organization,
    Project,
    TimeEntry,
    User,
)
from server.db.session import create_engine, session_factory
from server.integrations.credentials import keyring_for, seal
from server.integrations.runs import execute_run
from tests.support.standins.base import serving
from tests.support.standins.kimai import KimaiStandIn

TOKEN = "bench-kimai-token-0123456789"


async def main(entries: int, changed: float) -> None:
    name, url = create_pg_database("hubnity_bench_twoway")
    data_dir = Path(tempfile.mkdtemp(prefix="hubnity-bench-twoway-"))
    engine = None
    try:
        upgrade(url)
        settings = bench_settings(url, data_dir, HUBNITY_SECRET_KEY="bench-secret-key")
        engine = create_engine(settings.database)
        sessions = session_factory(engine)
        keyring = keyring_for(settings)
        email = f"bench-{uuid.uuid4().hex[:6]}@bench.test"
        old = datetime.now(UTC) - timedelta(days=1)
        async with sessions() as s:
            org = Organization(name="Bench")
            s.add(org)
            await s.flush()
            user = User(organization_id=org.id, email=email, name="Bench", role="MEMBER")
            project = Project(organization_id=org.id, name="Billing")
            activity = Activity(organization_id=org.id, name="Work")
            s.add_all([user, project, activity])
            await s.flush()
            base = datetime.now(UTC).replace(microsecond=0) - timedelta(days=60)
            rows = [
                {
                    "id": uuid.uuid4(),
                    "organization_id": org.id,
                    "user_id": user.id,
                    "idempotency_key": uuid.uuid4(),
                    "project_id": project.id,
                    "activity_id": activity.id,
                    "start_time": base + timedelta(minutes=7 * i),
                    "end_time": base + timedelta(minutes=7 * i + 5),
                    "duration_seconds": 300,
                    "description": f"item {i}",
                    "source": "manual",
                    "status": "stopped",
                    "timezone": "UTC",
                    "revision": 0,
                    "created_at": old,
                    "updated_at": old,
                }
                for i in range(entries)
            ]
            for i in range(0, len(rows), 5000):
                await s.execute(insert(TimeEntry), rows[i : i + 5000])
            await s.commit()
            org_id, ids = org.id, [r["id"] for r in rows]

        with serving(KimaiStandIn(token=TOKEN, zone="UTC")) as kimai:
            kimai.add_user(email)
            kimai.add_project("Billing")
            kimai.add_activity("Work")
            async with sessions() as s:
                row = Integration(
                    id=uuid.uuid4(),
                    organization_id=org_id,
                    provider="kimai",
                    name="Kimai",
                    base_url=kimai.url,
                    settings={"timezone": "UTC", "pageSize": 500, "initialDays": 90},
                )
                seal(row, {"apiToken": TOKEN}, keyring)
                s.add(row)
                await s.commit()
                iid = row.id

            async def timed() -> tuple[float, int, dict[str, int]]:
                async with sessions() as s:
                    run = IntegrationRun(
                        organization_id=org_id, integration_id=iid, direction="both"
                    )
                    s.add(run)
                    await s.commit()
                    run_id = run.id
                writes_before = sum(1 for q in kimai.log if q.method != "GET")
                t0 = time.perf_counter()
                await execute_run(sessions, keyring, run_id, data_dir)
                elapsed = time.perf_counter() - t0
                async with sessions() as s:
                    done = await s.get(IntegrationRun, run_id)
                    assert done is not None and done.status == "done", done and done.detail
                    writes = sum(1 for q in kimai.log if q.method != "GET") - writes_before
                    return elapsed, writes, done.counts

            def hour_passes() -> None:
                for tid in kimai.modified:
                    kimai.modified[tid] -= timedelta(hours=1)

            async def push_back_cursor() -> None:
                async with sessions() as s:
                    integration = await s.get(Integration, iid)
                    assert integration is not None and integration.cursor
                    mark = datetime.fromisoformat(integration.cursor) - timedelta(hours=1)
                    integration.cursor = mark.isoformat()
                    await s.commit()

            base_t, base_w, base_c = await timed()
            assert base_c["pushed"] == entries, base_c
            hour_passes()
            await push_back_cursor()
            n = max(int(entries * changed), 1)
            async with sessions() as s:
                step = max(entries // n, 1)
                for i in ids[::step][:n]:
                    await s.execute(
                        update(TimeEntry)
                        .where(TimeEntry.id == i)
                        .values(description="edited", updated_at=datetime.now(UTC))
                    )
                await s.commit()
            inc_t, inc_w, inc_c = await timed()
            assert inc_w == n and inc_c["pushed"] == n, (inc_w, inc_c)
            hour_passes()
            await push_back_cursor()
            idle_t, idle_w, _ = await timed()

        print(f"two-way run, {entries} linked entries, Kimai stand-in, PostgreSQL")
        for label, secs, writes in (
            ("baseline (first run, pushes all)", base_t, base_w),
            (f"{n} changed ({changed:.0%})", inc_t, inc_w),
            ("nothing changed", idle_t, idle_w),
        ):
            print(f"  {label + ':':<34} {secs:7.2f} s  {writes:6d} remote writes")
        print(f"  ratio writes incremental/baseline: {inc_w / base_w:.4f}")
        print(f"  ratio time incremental/baseline:   {inc_t / base_t:.4f}")
    finally:
        if engine is not None:
            await engine.dispose()
        drop_pg_database(name)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--entries", type=int, default=10000)
    parser.add_argument("--changed", type=float, default=0.01)
    args = parser.parse_args()
    asyncio.run(main(args.entries, args.changed))
