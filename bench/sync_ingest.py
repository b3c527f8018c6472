"""Batch-sync ingest on PostgreSQL: our endpoint vs a per-row baseline vs raw COPY.

Run:  .venv/bin/python -m bench.sync_ingest [--batches 5]

- endpoint: N batches (1000 entries + 10000 activity rows each) POSTed to a
  real `hubnity-server` process on a fresh PostgreSQL database;
- baseline: what the original design sketch did, per entry: an idempotency
  cache GET (Redis), SELECT by key, overlap SELECT, INSERT; per activity row:
  SELECT + INSERT; one transaction per batch. Run twice: through SQLAlchemy's
  async session (how a per-row handler in our stack runs) and on bare asyncpg
  (the fastest any per-row design can be);
- ceiling: COPY of the same rows straight into the two tables.
Prints rows/s of each, the ratios, and the server's peak RSS.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import httpx
import redis.asyncio as aioredis

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._env import REDIS_URL, create_pg_database, drop_pg_database, pg_dsn
from bench._processes import run_server
from server.db.migrate import upgrade
from tests.support.signup import sign_up_async

ENTRIES = 1000
ACTIVITY = 10000
PASSWORD = "bench password 123"


def make_batch(start: datetime) -> tuple[list[dict], list[dict]]:
    """1000 ten-minute entries, ten activity minutes each."""
    entries, acts = [], []
    for i in range(ENTRIES):
        s = start + timedelta(minutes=10 * i)
        key = str(uuid.uuid4())
        entries.append(
            {
                "idempotencyKey": key,
                "revision": 1,
                "projectId": None,
                "taskId": None,
                "startTime": s.isoformat(),
                "endTime": (s + timedelta(minutes=10)).isoformat(),
                "status": "STOPPED",
                "timezone": "UTC",
                "description": "bench",
            }
        )
        for m in range(ACTIVITY // ENTRIES):
            acts.append(
                {
                    "timeEntryKey": key,
                    "minute": (s + timedelta(minutes=m)).isoformat(),
                    "keyboardClicks": 40,
                    "mouseMovements": 200,
                    "activeSeconds": 50,
                }
            )
    return entries, acts


def batch_starts(n: int, offset_days: int) -> list[datetime]:
    base = datetime(2025, 1, 1, tzinfo=UTC) + timedelta(days=offset_days)
    return [base + timedelta(days=8 * i) for i in range(n)]  # 1000 x 10 min < 7 days


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


async def register(
    client: httpx.AsyncClient, data_dir: Path, email: str
) -> tuple[dict, str, str]:
    """An owner signed up through `client`, the link read from the mail in `data_dir`."""
    pair = await sign_up_async(
        client, data_dir, email, PASSWORD, name="Load Tester", organization="Bench Org"
    )
    token = pair["accessToken"]
    me = (await client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})).json()
    return {"Authorization": f"Bearer {token}"}, me["id"], me["organization"]["id"]


async def run_endpoint(client: httpx.AsyncClient, headers: dict, starts: list[datetime]) -> float:
    payloads = [make_batch(s) for s in starts]
    t0 = time.perf_counter()
    for entries, acts in payloads:
        r = await client.post(
            "/api/v1/sync/batch",
            headers=headers,
            json={"deviceId": "bench", "entries": entries, "activity": acts},
        )
        r.raise_for_status()
        body = r.json()
        assert body["processed"] == ENTRIES and body["activity"]["processed"] == ACTIVITY, (
            body["processed"],
            body["activity"]["processed"],
            body["conflicts"][:1],
        )
    return time.perf_counter() - t0


async def run_baseline(
    execute,
    cache: aioredis.Redis,
    user_id: uuid.UUID,
    org_id: uuid.UUID,
    starts: list[datetime],
    tag: str,
) -> float:
    """Per-row ingest. `execute(sql, *args)` is either SQLAlchemy's async session
    (how a naive handler in our stack would do it) or a bare asyncpg connection."""
    payloads = [make_batch(s) for s in starts]
    t0 = time.perf_counter()
    for entries, acts in payloads:
        ids: dict[str, uuid.UUID] = {}
        for e in entries:
            if await cache.get(f"bench:idem:{tag}:{e['idempotencyKey']}"):
                continue
            key = uuid.UUID(e["idempotencyKey"])
            if await execute("SELECT id FROM time_entries WHERE idempotency_key=$1", key):
                continue
            s = datetime.fromisoformat(e["startTime"])
            end = datetime.fromisoformat(e["endTime"])
            await execute(
                "SELECT id FROM time_entries WHERE user_id=$1 AND start_time < $2 "
                "AND (end_time IS NULL OR end_time > $3) LIMIT 1",
                user_id,
                end,
                s,
            )
            eid = uuid.uuid4()
            await execute(
                "INSERT INTO time_entries (id, organization_id, user_id, idempotency_key, revision,"
                " start_time, end_time, duration_seconds, status, timezone, description, source,"
                " device_id, created_at, updated_at) VALUES ($1,$2,$3,$4,1,$5,$6,600,'STOPPED',"
                "'UTC','bench','agent','baseline',now(),now())",
                eid,
                org_id,
                user_id,
                key,
                s,
                end,
            )
            await cache.set(f"bench:idem:{tag}:{e['idempotencyKey']}", "1", ex=600)
            ids[e["idempotencyKey"]] = eid
        for a in acts:
            eid = ids[a["timeEntryKey"]]
            minute = datetime.fromisoformat(a["minute"])
            await execute(
                "SELECT 1 FROM activity_buckets WHERE time_entry_id=$1 AND minute=$2", eid, minute
            )
            await execute(
                "INSERT INTO activity_buckets (time_entry_id, minute, organization_id, user_id,"
                " keyboard_clicks, mouse_movements, active_seconds) VALUES ($1,$2,$3,$4,$5,$6,$7)",
                eid,
                minute,
                org_id,
                user_id,
                a["keyboardClicks"],
                a["mouseMovements"],
                a["activeSeconds"],
            )
        await execute("COMMIT")
    return time.perf_counter() - t0


def asyncpg_executor(conn: asyncpg.Connection):  # type: ignore[no-untyped-def]
    state = {"tx": None}

    async def execute(sql: str, *args: object) -> object:
        if sql == "COMMIT":
            await state["tx"].commit()
            state["tx"] = None
            return None
        if state["tx"] is None:
            state["tx"] = conn.transaction()
            await state["tx"].start()
        return await conn.fetchrow(sql, *args)

    return execute


def sqlalchemy_executor(session):  # type: ignore[no-untyped-def]
    from sqlalchemy import text

    def to_named(sql: str, args: tuple[object, ...]) -> tuple[str, dict[str, object]]:
        for i in range(len(args), 0, -1):
            sql = sql.replace(f"${i}", f":p{i}")
        return sql, {f"p{i + 1}": a for i, a in enumerate(args)}

    async def execute(sql: str, *args: object) -> object:
        if sql == "COMMIT":
            await session.commit()
            return None
        stmt, params = to_named(sql, args)
        result = await session.execute(text(stmt), params)
        return result.first() if result.returns_rows else None

    return execute


async def run_copy(
    conn: asyncpg.Connection, user_id: uuid.UUID, org_id: uuid.UUID, starts: list[datetime]
) -> float:
    payloads = [make_batch(s) for s in starts]
    t0 = time.perf_counter()
    for entries, acts in payloads:
        ids = {e["idempotencyKey"]: uuid.uuid4() for e in entries}
        now = datetime.now(UTC)
        await conn.copy_records_to_table(
            "time_entries",
            columns=[
                "id",
                "organization_id",
                "user_id",
                "idempotency_key",
                "revision",
                "start_time",
                "end_time",
                "duration_seconds",
                "status",
                "timezone",
                "description",
                "source",
                "device_id",
                "created_at",
                "updated_at",
            ],
            records=[
                (
                    ids[e["idempotencyKey"]],
                    org_id,
                    user_id,
                    uuid.UUID(e["idempotencyKey"]),
                    1,
                    datetime.fromisoformat(e["startTime"]),
                    datetime.fromisoformat(e["endTime"]),
                    600,
                    "STOPPED",
                    "UTC",
                    "bench",
                    "agent",
                    "copy",
                    now,
                    now,
                )
                for e in entries
            ],
        )
        await conn.copy_records_to_table(
            "activity_buckets",
            columns=[
                "time_entry_id",
                "minute",
                "organization_id",
                "user_id",
                "keyboard_clicks",
                "mouse_movements",
                "active_seconds",
            ],
            records=[
                (
                    ids[a["timeEntryKey"]],
                    datetime.fromisoformat(a["minute"]),
                    org_id,
                    user_id,
                    a["keyboardClicks"],
                    a["mouseMovements"],
                    a["activeSeconds"],
                )
                for a in acts
            ],
        )
    return time.perf_counter() - t0


async def main(batches: int, baseline_batches: int) -> None:
    name, url = create_pg_database("hubnity_bench")
    rows_per_batch = ENTRIES + ACTIVITY
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
                async with httpx.AsyncClient(base_url=srv.url, timeout=300) as client:
                    headers, _, _ = await register(
                        client, srv.data_dir, f"ep-{uuid.uuid4().hex[:6]}@bench.test"
                    )
                    # One warm-up batch outside the timing (connection pool, plan cache).
                    await run_endpoint(client, headers, batch_starts(1, -400))
                    t_ep = await run_endpoint(client, headers, batch_starts(batches, 0))
                    _, base_user, base_org = await register(
                        client, srv.data_dir, f"bl-{uuid.uuid4().hex[:6]}@bench.test"
                    )
                    _, copy_user, copy_org = await register(
                        client, srv.data_dir, f"cp-{uuid.uuid4().hex[:6]}@bench.test"
                    )
                peak = rss_kib(srv.proc.pid)
        conn = await asyncpg.connect(pg_dsn(name))
        cache = aioredis.from_url(REDIS_URL)
        from server.db.session import create_engine, session_factory
        from server.runtime.config import DatabaseSettings

        engine = create_engine(DatabaseSettings(url=url))
        try:
            async with session_factory(engine)() as session:
                t_bl = await run_baseline(
                    sqlalchemy_executor(session),
                    cache,
                    uuid.UUID(base_user),
                    uuid.UUID(base_org),
                    batch_starts(baseline_batches, 0),
                    "sa",
                )
            t_raw = await run_baseline(
                asyncpg_executor(conn),
                cache,
                uuid.UUID(base_user),
                uuid.UUID(base_org),
                batch_starts(baseline_batches, 100),
                "raw",
            )
            t_cp = await run_copy(
                conn, uuid.UUID(copy_user), uuid.UUID(copy_org), batch_starts(batches, 0)
            )
        finally:
            keys = [k async for k in cache.scan_iter("bench:idem:*")]
            for i in range(0, len(keys), 1000):
                await cache.delete(*keys[i : i + 1000])
            await cache.aclose()
            await conn.close()
            await engine.dispose()
    finally:
        drop_pg_database(name)
    ep = batches * rows_per_batch / t_ep
    bl = baseline_batches * rows_per_batch / t_bl
    cp = batches * rows_per_batch / t_cp
    raw = baseline_batches * rows_per_batch / t_raw
    print(f"rows per batch: {rows_per_batch} ({ENTRIES} entries + {ACTIVITY} activity)")
    print(
        f"endpoint : {batches} batches in {t_ep:6.2f} s  -> {ep:10,.0f} rows/s "
        f"({t_ep / batches * 1000:.0f} ms per batch, server peak RSS {peak / 1024:.0f} MiB)"
    )
    print(
        f"baseline : {baseline_batches} batches in {t_bl:6.2f} s  -> {bl:10,.0f} rows/s "
        "(per row, SQLAlchemy async session + Redis, as a naive handler)"
    )
    print(
        f"bare     : {baseline_batches} batches in {t_raw:6.2f} s  -> {raw:10,.0f} rows/s "
        "(per row, bare asyncpg + Redis: the floor of any per-row design)"
    )
    print(f"COPY     : {batches} batches in {t_cp:6.2f} s  -> {cp:10,.0f} rows/s")
    print(f"endpoint / baseline = {ep / bl:5.1f}x   (target >= 20x)")
    print(f"endpoint / bare     = {ep / raw:5.1f}x")
    print(f"endpoint / COPY     = {ep / cp:5.1%}   (target >= 30%)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--batches", type=int, default=5)
    parser.add_argument("--baseline-batches", type=int, default=1)
    args = parser.parse_args()
    os.environ.setdefault("LOG_JSON", "true")
    asyncio.run(main(args.batches, args.baseline_batches))
