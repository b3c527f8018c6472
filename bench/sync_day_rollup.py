"""What keeping the analytics' per-day rollup in step costs the sync, on PostgreSQL.

Run:  .venv/bin/python -m bench.sync_day_rollup [--rounds 5] [--small 100] [--batches 4]

`server.sync.service.ingest_batch` called in process (no HTTP) for one
person in Europe/Berlin who already has 30 days of entries, in interleaved
rounds with the hook on (the batch marks its days, `day_refresh.refresh`
recomputes them at commit) and off (`day_refresh.touch_spans` replaced by a
no-op for the round, so nothing is marked): the same work otherwise, so the
difference is the hook. Two kinds of call, as `bench.aw_compare` sends them:

- **small** — the agent's usual call: one running entry's next revision and
  one activity minute;
- **batch** — 100 ten-minute entries and their 1,000 activity minutes.

Prints wall p50/p95 and CPU ms per call (this process plus the PostgreSQL
backend: the machine is shared, so CPU is what the work costs).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import msgspec
from sqlalchemy import text

from bench._env import create_pg_database, drop_pg_database
from server.analytics import day_refresh
from server.db.migrate import upgrade
from server.db.models import Organization, TimeEntry, User
from server.db.session import create_engine, session_factory
from server.runtime.config import DatabaseSettings
from server.sync.schemas import RawBatch
from server.sync.service import ingest_batch

START = datetime(2026, 11, 2, 8, tzinfo=UTC)


def iso(t: datetime) -> str:
    return t.isoformat().replace("+00:00", "Z")


def small(key: str, start: datetime, n: int) -> bytes:
    return json.dumps(
        {
            "deviceId": "bench",
            "entries": [
                {"idempotencyKey": key, "revision": n, "startTime": iso(start),
                 "status": "RUNNING", "timezone": "UTC", "description": "bench"}
            ],
            "activity": [
                {"timeEntryKey": key, "minute": iso(start + timedelta(minutes=n % 600)),
                 "keyboardClicks": 40, "mouseMovements": 200, "activeSeconds": 50}
            ],
        }
    ).encode()  # fmt: skip


def big(start: datetime) -> bytes:
    entries, acts = [], []
    for i in range(100):
        s = start + timedelta(minutes=10 * i)
        key = str(uuid.uuid4())
        entries.append({"idempotencyKey": key, "revision": 1, "startTime": iso(s),
                        "endTime": iso(s + timedelta(minutes=10)), "status": "STOPPED",
                        "timezone": "UTC", "description": "bench"})  # fmt: skip
        acts += [
            {"timeEntryKey": key, "minute": iso(s + timedelta(minutes=m)),
             "keyboardClicks": 40, "mouseMovements": 200, "activeSeconds": 50}
            for m in range(10)
        ]  # fmt: skip
    return json.dumps({"deviceId": "bench", "entries": entries, "activity": acts}).encode()


def _off(*_args: Any, **_kw: Any) -> None:
    """The hook off: nothing marked, nothing recomputed at commit."""


def backend_cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def main(rounds: int, n_small: int, n_batches: int) -> None:
    name, url = create_pg_database("hubnity_bench_sync_days")
    try:
        upgrade(url)
        engine = create_engine(DatabaseSettings(url=url))
        sessions = session_factory(engine)
        org, user = uuid.uuid4(), uuid.uuid4()
        async with sessions() as s:
            s.add(Organization(id=org, name="Bench", timezone="UTC"))
            await s.flush()
            s.add(User(id=user, organization_id=org, email="b@bench.test", name="B",
                       timezone="Europe/Berlin", role="OWNER", active=True))  # fmt: skip
            await s.flush()
            for day in range(30):  # history: the hook's reads run among real rows
                for i in range(8):
                    t0 = START - timedelta(days=30 - day, hours=-i)
                    s.add(TimeEntry(organization_id=org, user_id=user,
                                    idempotency_key=uuid.uuid4(), start_time=t0,
                                    end_time=t0 + timedelta(minutes=50)))  # fmt: skip
            await s.commit()
        original = day_refresh.touch_spans
        samples: dict[str, list[float]] = {}
        cpu: dict[str, float] = {}
        counts: dict[str, int] = {}
        async with sessions() as s:
            backend = (await s.execute(text("SELECT pg_backend_pid()"))).scalar_one()
            await s.commit()
            running = str(uuid.uuid4())
            revision = 1
            day = 0
            for _ in range(rounds):
                for hook in ("on", "off"):
                    day_refresh.touch_spans = original if hook == "on" else _off
                    calls: list[tuple[str, bytes]] = []
                    for _ in range(n_small):
                        revision += 1
                        calls.append(("small", small(running, START, revision)))
                    for _ in range(n_batches):
                        day += 1
                        calls.append(("batch", big(START + timedelta(days=day))))
                    for kind, body in calls:
                        batch = msgspec.json.decode(body, type=RawBatch)
                        label = f"{kind}, hook {hook}"
                        c0, b0, w0 = time.process_time(), backend_cpu(backend), time.perf_counter()
                        await ingest_batch(s, org, user, batch, body)
                        wall = (time.perf_counter() - w0) * 1000
                        used = time.process_time() - c0 + backend_cpu(backend) - b0
                        samples.setdefault(label, []).append(wall)
                        cpu[label] = cpu.get(label, 0.0) + used * 1000
                        counts[label] = counts.get(label, 0) + 1
        day_refresh.touch_spans = original
        await engine.dispose()
        print(f"load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        print(f"{'call':<18} {'p50 ms':>8} {'p95 ms':>8} {'CPU ms/call':>12} {'n':>5}")
        for label, values in samples.items():
            print(
                f"{label:<18} {statistics.median(values):8.2f} {pct(values, 0.95):8.2f} "
                f"{cpu[label] / counts[label]:12.2f} {counts[label]:5d}"
            )
    finally:
        drop_pg_database(name)


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--small", type=int, default=100)
    ap.add_argument("--batches", type=int, default=4)
    a = ap.parse_args()
    asyncio.run(main(a.rounds, a.small, a.batches))
