"""The retention purge: screenshots (objects too), per-minute records and rollups
older than the policy's days go; nothing younger is touched; a run that crashes
part-way converges when run again. SQLite and PostgreSQL, local storage."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.integration.rights.helpers import seed
from tests.integration.screenshots.helpers import app_client, hub_of, in_app
from tests.support.api import invite, register

DAYS = 30


async def _counts(app_state: Any, org_id: str, cutoff: datetime) -> dict[str, tuple[int, int]]:
    """(older, younger) than the cut-off, per table, for the organization."""
    from server.db.models import Screenshot
    from server.rights.tables import minute_tables, slot_tables

    out: dict[str, tuple[int, int]] = {}
    org = uuid.UUID(org_id)
    async with app_state.sessions() as session:
        tables = [(t, t.c.minute) for t in minute_tables()]
        tables += [(t, t.c.slot) for t in slot_tables()]
        tables.append((Screenshot.__table__, Screenshot.__table__.c.captured_at))
        for table, col in tables:
            counts = []
            for cond in (col < cutoff, col >= cutoff):
                stmt = select(func.count()).select_from(table)
                counts.append(
                    (
                        await session.execute(stmt.where(table.c.organization_id == org, cond))
                    ).scalar_one()
                )
            out[table.name] = (counts[0], counts[1])
    return out


class _CrashAt:
    """A session factory that fails at its n-th use: a crash mid-purge."""

    def __init__(self, real: Any, at: int) -> None:
        self.real, self.at, self.used = real, at, 0

    def __call__(self) -> Any:
        self.used += 1
        if self.used == self.at:
            raise RuntimeError("simulated crash")
        return self.real()


def _files(client: Any, org_id: str) -> list[str]:
    root = hub_of(client).storage.root
    return sorted(p.name for p in (root / "screenshots" / org_id).rglob("*") if p.is_file())


async def test_purge_keeps_the_young_and_converges_after_crashes(backend, session_tmp):
    from server.rights import retention

    async with app_client(backend, session_tmp / f"ret-{uuid.uuid4().hex[:6]}") as client:
        app_state = hub_of(client)
        owner = await register(client)
        member = await invite(owner)
        r = await owner.patch("/api/v1/agent/config", json={"retentionDays": DAYS})
        assert r.status_code == 200
        now = datetime.now(UTC)
        cutoff = retention.cutoff_of(now, DAYS)
        # Old data on both sides of the cut-off; the edge entry straddles it.
        await seed(member, (cutoff - timedelta(days=5)).replace(second=0), minutes=20, shots=2)
        await seed(owner, (cutoff - timedelta(days=1)).replace(second=0), minutes=15, shots=1)
        await seed(member, cutoff - timedelta(minutes=30), minutes=60, shots=1)
        await seed(member, (now - timedelta(days=1)).replace(second=0), minutes=10, shots=1)
        before = await in_app(client, _counts, app_state, owner.org_id, cutoff)
        assert before["activity_buckets"] == (20 + 15 + 30, 30 + 10)
        assert before["app_usage"][0] > 0 and before["activity_signals"][0] > 0
        assert before["screenshots"] == (4, 1)
        files_before = _files(client, owner.org_id)
        young_shot = [n for n in files_before if ".thumb." not in n]
        assert len(young_shot) == 5

        real = app_state.sessions
        for at in (3, 6, 9, 14, 20):  # crash at several points, each a partial run
            app_state.sessions = _CrashAt(real, at)
            with pytest.raises(RuntimeError, match="simulated crash"):
                await in_app(
                    client, retention.purge_org, app_state, uuid.UUID(owner.org_id), DAYS, now, 7
                )
            app_state.sessions = real
            partial = await in_app(client, _counts, app_state, owner.org_id, cutoff)
            for name, (_old, young) in partial.items():
                assert young == before[name][1], (at, name)  # nothing younger, ever
        removed = await in_app(client, retention.purge_all, app_state, now)
        after = await in_app(client, _counts, app_state, owner.org_id, cutoff)
        assert {name: old for name, (old, _) in after.items()} == dict.fromkeys(after, 0)
        assert {name: young for name, (_, young) in after.items()} == {
            name: young for name, (_, young) in before.items()
        }
        # Objects: only the young screenshot's image and thumbnail remain.
        assert len(_files(client, owner.org_id)) == 2
        items = (await member.get("/api/v1/screenshots")).json()["items"]
        assert len(items) == 1
        # Idempotent: a second run finds nothing.
        again = await in_app(client, retention.purge_all, app_state, now)
        assert not any(again.values()), again
        assert removed["activity_buckets"] <= before["activity_buckets"][0]
        # Time entries (the timesheet) stay.
        entries = (
            await member.get(
                "/api/v1/reports/entries",
                params={"from": (cutoff - timedelta(days=6)).isoformat(), "to": now.isoformat()},
            )
        ).json()
        assert len(entries["items"]) == 3


def test_the_purge_is_a_daily_job_in_both_runners(session_tmp):
    from server.jobs.registry import PERIODIC
    from server.jobs.worker import worker_kwargs
    from tests.conftest import make_settings

    (daily,) = [p for p in PERIODIC if p.name == "retention_purge"]
    assert daily.every_seconds == 24 * 3600 and daily.first_after == 600  # in-process
    settings = make_settings(
        f"sqlite+aiosqlite:///{session_tmp / 'cron.db'}", session_tmp, REDIS_URL="redis://x:1/0"
    )
    crons = {c.name: c for c in worker_kwargs(settings)["cron_jobs"]}
    cron = crons[f"{settings.redis.prefix}retention_purge"]  # arq: once a day at 00:00 UTC
    assert (cron.hour, cron.minute, cron.second) == ({0}, 0, 0)
