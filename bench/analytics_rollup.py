"""The analytics dashboard as it is now and at an earlier commit, side by side.

Run:  .venv/bin/python -m bench.analytics_rollup [--repeat 10] [--before dd9c1d4]

Seeds the analytics bench's data set (`bench.analytics.seed`: 100 people,
90 days, 36,000 entries, 243,000 activity slots, then the per-day rollup) on
PostgreSQL and calls, interleaved, the dashboard as it is now and as it was at
commit `--before` (its `server/analytics/service.py` and, when it had one,
its `day_figures.py`, read with `git show`; the default dd9c1d4 cut every
figure from the entries in one statement), for the last 30 and all 90
days. Checks both answer the same, then prints CPU ms per call (this
process and the PostgreSQL backend, parallel workers off) and wall p50/p95.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import select, text

from bench._env import create_pg_database, drop_pg_database
from bench.analytics import LAST, _backend_cpu, pct, seed
from server.analytics import service
from server.auth.principal import load_principal
from server.db.migrate import upgrade
from server.db.models import User
from server.db.session import create_engine, session_factory
from server.runtime.config import DatabaseSettings

ROOT = Path(__file__).resolve().parents[1]


def _load(rev: str, path: str, name: str) -> Any:
    """A module of the tree at `rev` (read with `git show`), or None if absent."""
    found = subprocess.run(
        ["git", "show", f"{rev}:{path}"], cwd=ROOT, capture_output=True, text=True
    )
    if found.returncode != 0:
        return None
    file = Path(tempfile.mkdtemp()) / f"{name}.py"
    file.write_text(found.stdout)
    spec = importlib.util.spec_from_file_location(name, file)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def before(rev: str) -> Any:
    """The dashboard's service at `rev`, with that revision's `day_figures`
    (when it had one) in place of today's."""
    figures = _load(rev, "server/analytics/day_figures.py", "day_figures_before")
    module = _load(rev, "server/analytics/service.py", "service_before")
    if figures is not None and hasattr(module, "day_figures"):
        module.day_figures = figures
    return module


async def run(repeat: int, rev: str) -> None:
    old = before(rev)
    name, url = create_pg_database("hubnity_bench_rollup")
    try:
        upgrade(url)
        engine = create_engine(DatabaseSettings(url=url))
        sessions = session_factory(engine)
        org = await seed(sessions, 100, 90)
        async with engine.connect() as conn:
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text("VACUUM ANALYZE"))
        async with sessions() as s:
            owner = (
                await s.execute(
                    select(User.id).where(User.organization_id == org, User.role == "OWNER")
                )
            ).scalar_one()
            principal = await load_principal(s, owner, org)
            assert principal is not None
            await s.execute(text("SET max_parallel_workers_per_gather = 0"))
            backend = (await s.execute(text("SELECT pg_backend_pid()"))).scalar_one()
            print(f"load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
            print(f"{'dashboard':<22} {'p50 ms':>8} {'p95 ms':>8} {'CPU ms/call':>12} {'n':>4}")
            for span in (30, 90):
                first = LAST - timedelta(days=span - 1)
                kw: dict[str, Any] = {"from_date": first.isoformat(), "to_date": LAST.isoformat()}
                assert await old.dashboard(s, principal, **kw) == await service.dashboard(
                    s, principal, **kw
                ), "the two dashboards differ"
                wall: dict[str, list[float]] = {"before": [], "now": []}
                cpu = dict.fromkeys(wall, 0.0)
                for _ in range(repeat):
                    for label, module in (("before", old), ("now", service)):
                        c0, b0, t0 = time.process_time(), _backend_cpu(backend), time.perf_counter()
                        await module.dashboard(s, principal, **kw)
                        wall[label].append((time.perf_counter() - t0) * 1000)
                        cpu[label] += time.process_time() - c0 + _backend_cpu(backend) - b0
                for label, samples in wall.items():
                    print(
                        f"{f'{span} days, {label}':<22} {statistics.median(samples):8.1f} "
                        f"{pct(samples, 0.95):8.1f} {cpu[label] * 1000 / repeat:12.1f} {repeat:4d}"
                    )
                print(
                    f"{span} days: now {cpu['before'] / cpu['now']:.2f}x less CPU, "
                    f"{statistics.median(wall['before']) / statistics.median(wall['now']):.2f}x "
                    "faster at p50"
                )
        await engine.dispose()
    finally:
        drop_pg_database(name)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=10)
    ap.add_argument("--before", default="dd9c1d4")
    a = ap.parse_args()
    asyncio.run(run(a.repeat, a.before))


if __name__ == "__main__":
    main()
