"""What app tracking and input signals add to a batch sync, on PostgreSQL.

Run:  .venv/bin/python -m bench.sync_apps [--batches 5]

A real `hubnity-server` process on a fresh PostgreSQL database. Each batch is
the same shape as bench/sync_ingest.py (1000 ten-minute entries, 10000
activity minutes) sent three ways, each by its own user:

- counts only: what agents before 0.3 send (the baseline);
- + signals: every activity minute with its five input signals;
- + signals + apps: and 2 applications a minute (20000 `apps` rows, the
  batch maximum), titles on (`appTracking: titles` with two redaction
  patterns: the server redacts every title again).

Prints seconds per batch and the ratios against counts-only.
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
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._env import create_pg_database, drop_pg_database
from bench._processes import run_server
from bench.sync_ingest import make_batch, register
from server.db.migrate import upgrade


def shaped(start: datetime, signals: bool, apps: bool) -> dict[str, Any]:
    entries, acts = make_batch(start)
    body: dict[str, Any] = {"deviceId": "bench", "entries": entries, "activity": acts}
    if signals:
        for a in acts:
            a.update(
                intervalCv=1.7,
                distinctPositions=150,
                pointerSpan=640,
                keyboardShare=0.2,
                pointerMoves=160,
            )
    if apps:
        body["apps"] = [
            {
                "timeEntryKey": a["timeEntryKey"],
                "minute": a["minute"],
                "app": app,
                "title": f"{app} - ticket 4711 for customer@example.com",
                "seconds": 30,
            }
            for a in acts
            for app in ("code", "firefox")
        ]
    return body


async def run(client: httpx.AsyncClient, headers: dict, n: int, offset: int, **kind: bool) -> float:
    base = datetime(2025, 1, 1, tzinfo=UTC) + timedelta(days=offset)
    payloads = [shaped(base + timedelta(days=8 * i), **kind) for i in range(n + 1)]
    r = await client.post("/api/v1/sync/batch", headers=headers, json=payloads[0])  # warm-up
    r.raise_for_status()
    t0 = time.perf_counter()
    for body in payloads[1:]:
        r = await client.post("/api/v1/sync/batch", headers=headers, json=body)
        r.raise_for_status()
        out = r.json()
        assert out["processed"] == 1000 and not out["activity"]["conflicts"], out["conflicts"][:1]
        assert not out["apps"]["conflicts"], out["apps"]["conflicts"][:1]
    return (time.perf_counter() - t0) / n


async def main(batches: int) -> None:
    name, url = create_pg_database("hubnity_bench_apps")
    try:
        upgrade(url)
        with tempfile.TemporaryDirectory() as tmp:
            env = {
                "DATABASE_URL": url,
                "SYNC_RATE_LIMIT": "100000/min",
                "LOGIN_RATE_LIMIT": "1000/min",
                "JWT_SECRET": "bench-secret-bench-secret-bench-secret-0123",
                "LOG_JSON": "true",
            }
            with run_server(Path(tmp), env) as srv:
                async with httpx.AsyncClient(base_url=srv.url, timeout=600) as client:
                    results = {}
                    for label, kind in (
                        ("counts only (baseline)", {"signals": False, "apps": False}),
                        ("+ signals", {"signals": True, "apps": False}),
                        ("+ signals + apps (titles)", {"signals": True, "apps": True}),
                    ):
                        headers, _, _ = await register(
                            client, srv.data_dir, f"{uuid.uuid4().hex[:8]}@bench.test"
                        )
                        if kind["apps"]:
                            r = await client.patch(
                                "/api/v1/agent/config",
                                headers=headers,
                                json={
                                    "appTracking": "titles",
                                    "redactionPatterns": [r"\d{4}", r"[\w.]+@[\w.]+"],
                                },
                            )
                            r.raise_for_status()
                        results[label] = await run(client, headers, batches, 0, **kind)
        base = results["counts only (baseline)"]
        print(f"{batches} batches of 1000 entries + 10000 activity minutes, PostgreSQL")
        for label, seconds in results.items():
            print(f"{label:28} {seconds:7.3f} s/batch  {seconds / base:5.2f}x")
    finally:
        drop_pg_database(name)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--batches", type=int, default=5)
    asyncio.run(main(parser.parse_args().batches))
