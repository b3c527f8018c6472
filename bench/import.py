"""Importing from Toggl Track on PostgreSQL: the set-based importer against a
per-record upsert baseline, and its memory as the import grows.

Run:  .venv/bin/python -m bench.import [--entries 100000] [--baseline 10000] [--page 1000]

A Toggl-shaped feed (this file's `Feed`: `GET /api/v9/workspaces/{wid}`,
`.../users`, `.../projects`, and the Reports v3 search with `page_size`,
`first_row_number` and `X-Next-Row-Number`) serves entries generated from
their row number, so the feed itself costs almost nothing and holds nothing.
It runs in its own process on a free port (its CPU is printed apart, not
counted in the importer's); the connector reaches it over real HTTP.

Measured in one run, on a fresh database:
- set-based: `server.integrations.runs.execute_run` (the job body) importing
  `--entries` entries at the maximum page size, end to end (HTTP, JSON,
  normalizing, mapping, writing, committing per page) → entries/s;
- the second run over the same entries (all unchanged) → entries/s;
- baseline: the same pages, each record upserted on its own (SELECT its
  external id, INSERT the entry and the record, one flush each) → entries/s
  over `--baseline` entries, and the ratio;
- memory: peak RSS growth during a 1/5-size import and the full one (flat =
  ratio near 1 although the second imports 5x more);
- CPU seconds of each phase: this process and the PostgreSQL backends of the
  bench database (they run on this machine), and the load average before and
  after: the machine is shared, so CPU per entry is the figure that does not
  depend on how many cores the bench got.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import gc
import json
import multiprocessing
import os
import socket
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import func, select, text

from bench._env import bench_settings, create_pg_database, drop_pg_database
from server.db.migrate import upgrade
from server.db.models import Integration, IntegrationRecord, IntegrationRun, Organization, User
from server.db.session import create_engine, session_factory
from server.integrations.base import Window
from server.integrations.credentials import keyring_for, seal
from server.integrations.importer import entry_key
from server.integrations.providers import build_connector
from server.integrations.runs import execute_run

TOKEN = "bench-toggl-token-0123456789"
PEOPLE = 20
BASE = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)


class Feed:
    """Toggl Reports v3 pages generated on the fly (row n → entry n)."""

    def __init__(self, emails: list[str]) -> None:
        self.emails = emails
        self.auth = "Basic " + base64.b64encode(f"{TOKEN}:api_token".encode()).decode()

    def _row(self, n: int) -> dict[str, Any]:
        start = BASE + timedelta(minutes=7 * n)
        return {
            "user_id": 100 + n % PEOPLE,
            "username": f"P{n % PEOPLE}",
            "project_id": 500 + n % 10,
            "task_id": None,
            "description": f"work item {n}",
            "billable": n % 3 == 0,
            "tag_ids": [],
            "row_number": n,
            "time_entries": [
                {
                    "id": 10_000_000 + n,
                    "seconds": 300 + n % 600,
                    "start": start.isoformat(),
                    "stop": (start + timedelta(seconds=300 + n % 600)).isoformat(),
                    "at": BASE.isoformat(),
                }
            ],
        }

    def answer(self, method: str, path: str, body: bytes, auth: str) -> tuple[int, Any, dict]:
        if auth != self.auth:
            return 403, "Incorrect username and/or password", {}
        parts = path.split("/")
        wid = parts[4] if path.startswith("/api/") else parts[5]
        total = int(wid)  # the workspace id says how many entries it holds
        if path == f"/api/v9/workspaces/{wid}":
            return 200, {"id": total, "name": "Bench"}, {}
        if path.endswith("/users"):
            return (
                200,
                [
                    {"id": 100 + i, "email": e, "fullname": f"P{i}"}
                    for i, e in enumerate(self.emails)
                ],
                {},
            )
        if path.endswith("/projects"):
            return 200, [{"id": 500 + i, "name": f"Project {i}"} for i in range(10)], {}
        query = json.loads(body)
        first, size = int(query.get("first_row_number") or 1), int(query["page_size"])
        last = min(first + size, total + 1)
        headers = {"X-Next-Row-Number": str(last)} if last <= total else {}
        return 200, [self._row(n) for n in range(first, last)], headers

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        auth = dict(scope["headers"]).get(b"authorization", b"").decode()
        status, payload, extra = self.answer(scope["method"], scope["path"], body, auth)
        data = json.dumps(payload).encode()
        headers = [(b"content-type", b"application/json")]
        headers += [(k.lower().encode(), v.encode()) for k, v in extra.items()]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": data})


def _serve_feed(port: int, emails: list[str]) -> None:
    import uvicorn

    uvicorn.run(
        Feed(emails),
        host="127.0.0.1",
        port=port,
        log_level="error",
        access_log=False,
        lifespan="off",
    )


def serve(emails: list[str]) -> tuple[str, BaseProcess]:
    """The feed in its own process, as a provider would be (no shared GIL)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = multiprocessing.get_context("spawn").Process(
        target=_serve_feed, args=(port, emails), daemon=True
    )
    proc.start()
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if time.monotonic() > deadline:
                raise SystemExit("the feed did not start") from None
            time.sleep(0.05)
    return f"http://127.0.0.1:{port}", proc


def backend_cpu(pids: list[int]) -> dict[int, float]:
    """CPU seconds each PostgreSQL backend has used so far."""
    out = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # exited (or not on this machine)
        out[pid] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return out


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def rss() -> int:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


async def peak_rss_during(coro: Any) -> tuple[Any, int]:
    start, peak = rss(), rss()
    done = False

    async def sample() -> None:
        nonlocal peak
        while not done:
            peak = max(peak, rss())
            await asyncio.sleep(0.05)

    sampler = asyncio.create_task(sample())
    try:
        result = await coro
    finally:
        done = True
        await sampler
    return result, peak - start


async def main(entries: int, baseline: int, page: int) -> None:
    name, url = create_pg_database("hubnity_bench_import")
    data_dir = Path(tempfile.mkdtemp(prefix="hubnity-bench-import-"))
    engine = None
    try:
        upgrade(url)
        settings = bench_settings(url, data_dir, HUBNITY_SECRET_KEY="bench-secret-key")
        engine = create_engine(settings.database)
        sessions = session_factory(engine)
        keyring = keyring_for(settings)
        emails = [f"p{i}-{uuid.uuid4().hex[:6]}@bench.test" for i in range(PEOPLE)]
        async with sessions() as s:
            org = Organization(name="Bench")
            s.add(org)
            await s.flush()
            s.add_all(User(organization_id=org.id, email=e, name=e, role="MEMBER") for e in emails)
            await s.commit()
            org_id = org.id

        async def integration(label: str, total: int) -> uuid.UUID:
            async with sessions() as s:
                row = Integration(
                    id=uuid.uuid4(),
                    organization_id=org_id,
                    provider="toggl",
                    name=label,
                    base_url=feed_url,
                    settings={"workspaceId": total, "pageSize": page},
                )
                seal(row, {"apiToken": TOKEN}, keyring)
                s.add(row)
                await s.commit()
                return row.id

        async def backends() -> dict[int, float]:
            async with sessions() as s:
                pids = (
                    await s.execute(
                        select(text("pid"))
                        .select_from(text("pg_stat_activity"))
                        .where(text("datname = current_database()"))
                    )
                ).scalars()
                return backend_cpu(list(pids))

        async def cpu_of(coro: Any) -> tuple[Any, float, float]:
            """The result, and CPU seconds of this process and of the database's backends."""
            cpu0, db0 = time.process_time(), await backends()
            result = await coro
            cpu, db1 = time.process_time() - cpu0, await backends()
            return result, cpu, sum(v - db0.get(pid, 0.0) for pid, v in db1.items())

        async def timed_run(iid: uuid.UUID, lo: datetime, hi: datetime) -> tuple[float, dict]:
            async with sessions() as s:
                run = IntegrationRun(
                    organization_id=org_id, integration_id=iid, range_from=lo, range_to=hi
                )
                s.add(run)
                await s.commit()
                run_id = run.id
            t0 = time.perf_counter()
            await execute_run(sessions, keyring, run_id, data_dir)
            elapsed = time.perf_counter() - t0
            async with sessions() as s:
                done = await s.get(IntegrationRun, run_id)
                assert done is not None and done.status == "done", done and done.detail
                return elapsed, done.counts

        feed_url, server = serve(emails)
        # As the server's app and worker do after start-up (server/app.py,
        # server/jobs/worker.py): long-lived objects leave the collector's view.
        gc.freeze()
        lo, hi = BASE - timedelta(days=1), BASE + timedelta(minutes=7 * entries + 60 * 24 * 2)

        # Memory: a fifth of the entries, then all of them (fresh integrations).
        small = max(entries // 5, 1)
        (_, _), small_peak = await peak_rss_during(
            timed_run(await integration("mem", small), lo, hi)
        )
        load_before = loadavg()
        iid = await integration("set-based", entries)
        feed0 = backend_cpu([server.pid or 0])
        ((elapsed, counts), full_peak), cpu, db_cpu = await cpu_of(
            peak_rss_during(timed_run(iid, lo, hi))
        )
        feed_cpu = sum(v - feed0.get(pid, 0.0) for pid, v in backend_cpu([server.pid or 0]).items())
        assert counts["created"] == entries, counts
        rate = entries / elapsed
        (again, counts2), cpu2, db_cpu2 = await cpu_of(timed_run(iid, lo, hi))
        assert counts2["unchanged"] == entries and counts2["created"] == 0, counts2
        assert counts2["updated"] == 0, counts2

        # Baseline: per-record upserts over the first `baseline` entries.
        base_id = await integration("per-record", baseline)
        connector = build_connector(
            "toggl", feed_url, {"apiToken": TOKEN}, {"workspaceId": baseline, "pageSize": page}
        )
        from server.db.models import TimeEntry

        async with sessions() as s:
            users = dict(
                (
                    await s.execute(
                        select(User.email, User.id).where(User.organization_id == org_id)
                    )
                ).all()
            )
        t0 = time.perf_counter()
        cpu0, db0 = time.process_time(), await backends()
        n = 0
        async for page_of in connector.list_entries(Window(lo, hi)):
            async with sessions() as s:
                for entry in page_of.entries:
                    found = (
                        await s.execute(
                            select(IntegrationRecord.id).where(
                                IntegrationRecord.integration_id == base_id,
                                IntegrationRecord.external_id == entry.external_id,
                            )
                        )
                    ).first()
                    if found is None:
                        user_id = users[emails[int(entry.user.id) - 100]]
                        te = TimeEntry(
                            organization_id=org_id,
                            user_id=user_id,
                            idempotency_key=entry_key(base_id, entry.external_id),
                            start_time=entry.start,
                            end_time=entry.end,
                            duration_seconds=entry.duration_seconds,
                            description=entry.description,
                            source="import:toggl",
                        )
                        s.add(te)
                        await s.flush()
                        s.add(
                            IntegrationRecord(
                                organization_id=org_id,
                                integration_id=base_id,
                                external_id=entry.external_id,
                                time_entry_id=te.id,
                                fingerprint="x",
                                start_time=entry.start,
                            )
                        )
                        await s.flush()
                    n += 1
                await s.commit()
        base_elapsed = time.perf_counter() - t0
        base_cpu, db1 = time.process_time() - cpu0, await backends()
        base_db_cpu = sum(v - db0.get(pid, 0.0) for pid, v in db1.items())
        await connector.http.aclose()
        base_rate = n / base_elapsed
        async with sessions() as s:
            stored = (await s.execute(select(func.count()).select_from(IntegrationRecord))).one()[0]
        server.terminate()

        def per_k(cpu_s: float, db_s: float, count: int) -> str:
            return (
                f"CPU {cpu_s:6.1f} s bench + {db_s:5.1f} s PostgreSQL "
                f"= {(cpu_s + db_s) * 1000 / count:6.3f} s per 1,000 entries"
            )

        print(f"load average before / after: {load_before} / {loadavg()}")
        print(f"entries imported: {entries:,} (page size {page}); records stored: {stored:,}")
        print(
            f"set-based import:    {elapsed:6.1f} s  {rate:9,.0f} entries/s  "
            + per_k(cpu, db_cpu, entries)
        )
        print(f"  (the stand-in feed, in its own process and not counted: CPU {feed_cpu:.1f} s)")
        print(
            f"re-run (unchanged):  {again:6.1f} s  {entries / again:9,.0f} entries/s  "
            + per_k(cpu2, db_cpu2, entries)
        )
        print(
            f"per-record baseline: {base_elapsed:6.1f} s  {base_rate:9,.0f} entries/s  "
            + per_k(base_cpu, base_db_cpu, n)
            + f" (over {n:,} entries)"
        )
        print(f"speed-up vs per-record: {rate / base_rate:.1f}x")
        print(
            f"peak RSS growth: {small:,} entries {small_peak / 2**20:.1f} MiB, "
            f"{entries:,} entries {full_peak / 2**20:.1f} MiB "
            f"(ratio {full_peak / max(small_peak, 1):.2f} for {entries / small:.0f}x entries)"
        )
    finally:
        if engine is not None:
            await engine.dispose()
        drop_pg_database(name)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--baseline", type=int, default=10_000)
    parser.add_argument("--page", type=int, default=1000)
    args = parser.parse_args()
    asyncio.run(main(args.entries, args.baseline, args.page))
