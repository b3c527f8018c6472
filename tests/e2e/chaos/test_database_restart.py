"""PostgreSQL restarted in the middle of a burst of syncs."""

from __future__ import annotations

import asyncio
from datetime import UTC

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from tests.conftest import TEST_ENV
from tests.e2e.chaos.agents import Acked, agent_loop, utc
from tests.support.api import invite, register
from tests.support.chaos import pg_cluster
from tests.support.process import run_server

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

AGENTS = 4
ROUNDS = 40


async def test_syncs_survive_a_database_restart(tmp_path):
    with pg_cluster(tmp_path) as pg:
        env = {**TEST_ENV, "DATABASE_URL": pg.url}
        from server.db.migrate import upgrade

        await asyncio.to_thread(upgrade, pg.url)
        with run_server(tmp_path / "data", env) as server:
            # Four agents sync a minute each round; the database goes away for 2 s.
            async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
                owner = await register(http, data_dir=server.data_dir)
                people = [owner] + [await invite(owner) for _ in range(AGENTS - 1)]
                acked = Acked()
                loop = asyncio.get_running_loop()
                stop_at = loop.time() + 120
                tasks = [
                    asyncio.create_task(
                        agent_loop(p, utc(2026, 3, 2, 8 + i), ROUNDS, acked, stop_at)
                    )
                    for i, p in enumerate(people)
                ]
                # Let the burst run, then take the database away for two seconds.
                while sum(acked.statuses.values()) < AGENTS * 8:
                    await asyncio.sleep(0.05)
                await asyncio.to_thread(pg.restart, 2.0)
                await asyncio.gather(*tasks)
            log = server.log()
        assert not acked.errors, acked.errors[:3]
        assert "unhandled error" not in log, log[-3000:]
        # The outage was seen (refused connections or 503s), and everything got through.
        assert acked.statuses[503] + acked.statuses[0] > 0, acked.statuses
        assert len(acked.entries) == AGENTS, acked.statuses
        assert len(acked.minutes) == AGENTS * ROUNDS, acked.statuses

        engine = create_async_engine(pg.url)
        try:
            async with engine.connect() as conn:
                rows = (
                    await conn.execute(
                        text("SELECT idempotency_key, revision, duration_seconds FROM time_entries")
                    )
                ).all()
                minutes = (
                    await conn.execute(
                        text(
                            "SELECT e.idempotency_key, b.minute FROM activity_buckets b"
                            " JOIN time_entries e ON e.id = b.time_entry_id"
                        )
                    )
                ).all()
                rollup = (
                    await conn.execute(
                        text("SELECT coalesce(sum(minutes), 0) FROM activity_rollups")
                    )
                ).scalar_one()
        finally:
            await engine.dispose()
        # Exactly once: one row per acknowledged entry at its last revision,
        # one bucket per acknowledged minute, and the rollups agree.
        assert sorted(str(r[0]) for r in rows) == sorted(acked.entries)
        assert all(r[1] == ROUNDS and r[2] == ROUNDS * 60 for r in rows), rows
        stored = {(str(k), m if m.tzinfo else m.replace(tzinfo=UTC)) for k, m in minutes}
        assert len(minutes) == len(stored) == AGENTS * ROUNDS
        assert stored == {(k, m) for k, m in acked.minutes}
        assert rollup == AGENTS * ROUNDS
