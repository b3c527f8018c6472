"""What the tombstone look-up adds to a sync batch on PostgreSQL.

Run:  .venv/bin/python -m bench.sync_tombstones [--repeat 50] [--tombstones 100000]

A batch whose keys the server does not hold yet (new entries: the usual case)
asks `deleted_time_entries` which of them a person deleted. Measured here, in
one run on a fresh database holding 5,000 entries of the user and
`--tombstones` deleted keys: the statement the sync already runs for such a
batch (stored entries by key and in the batch's window, `store_pg._STORED`)
and the tombstone look-up (`store_pg._DELETED`), both with 1,000 new keys,
alternated, median of `--repeat` rounds; the ratio is the look-up's share.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._env import create_pg_database, drop_pg_database, pg_dsn
from bench.sync_profile import batch_rows, columns, sign_up
from server.db.migrate import upgrade
from server.sync import store_pg


async def main(repeat: int, tombstones: int) -> None:
    name, url = create_pg_database("hubnity_tombstones")
    try:
        upgrade(url)
        conn = await asyncpg.connect(pg_dsn(name))
        try:
            org, user = await sign_up(url)
            for day in range(50):  # history: 5,000 entries
                entries, _ = batch_rows(
                    org, user, datetime(2025, 1, 1, tzinfo=UTC) + timedelta(days=day)
                )
                await conn.fetchval(store_pg._ENTRY_UPSERT, *columns(entries))
            await conn.copy_records_to_table(
                "deleted_time_entries",
                records=[(uuid.uuid4(), org, user, datetime.now(UTC)) for _ in range(tombstones)],
                columns=["idempotency_key", "organization_id", "user_id", "deleted_at"],
            )
            await conn.execute("ANALYZE")
            start = datetime(2025, 3, 1, tzinfo=UTC)
            stored, deleted = [], []
            for _ in range(repeat):
                keys = [uuid.uuid4() for _ in range(1000)]
                t0 = time.perf_counter()
                await conn.fetch(
                    store_pg._STORED,
                    keys,
                    user,
                    start,
                    start + timedelta(days=7),
                    start - timedelta(days=31),
                )
                t1 = time.perf_counter()
                await conn.fetch(store_pg._DELETED, user, keys)
                t2 = time.perf_counter()
                stored.append(t1 - t0)
                deleted.append(t2 - t1)
            s, d = statistics.median(stored) * 1000, statistics.median(deleted) * 1000
            print(f"tombstones: {tombstones:,}; 1,000 new keys per batch; {repeat} rounds")
            print(f"stored-entries look-up (already in every batch): p50 {s:.2f} ms")
            print(f"tombstone look-up (added):                      p50 {d:.2f} ms")
            print(f"tombstone look-up / stored-entries look-up = {d / s:.2f}x")
        finally:
            await conn.close()
    finally:
        drop_pg_database(name)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--tombstones", type=int, default=100_000)
    args = parser.parse_args()
    asyncio.run(main(args.repeat, args.tombstones))
