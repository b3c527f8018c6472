"""Helpers for the data-rights suites: a person's data seeded through the API,
job polling, and a walk over every table column that can name a person."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from tests.integration.screenshots.helpers import upload, wait_status
from tests.integration.screenshots.images import png_bytes
from tests.support.api import Account
from tests.support.sync import activity, batch, entry, minutes_of


async def seed(person: Account, start: datetime, minutes: int = 30, shots: int = 1) -> str:
    """An entry at `start` with per-minute activity, input signals and app usage,
    and `shots` READY screenshots."""
    start = start.replace(second=0, microsecond=0)
    e = entry(start, minutes, timezone="UTC")
    acts = [
        {**activity(e["idempotencyKey"], m, active=30), "intervalCv": 0.5, "keyboardShare": 0.4}
        for m in minutes_of(start, minutes)
    ]
    apps = [
        {"timeEntryKey": e["idempotencyKey"], "minute": a["minute"], "app": "code", "seconds": 50}
        for a in acts
    ]
    r = await person.post("/api/v1/sync/batch", json={**batch([e], acts), "apps": apps})
    assert r.status_code == 200 and r.json()["processed"] == 1, r.text
    assert r.json()["activity"]["processed"] == minutes, r.text
    assert r.json()["apps"]["processed"] == minutes, r.text
    for n in range(shots):
        r = await upload(
            person, png_bytes(), e["idempotencyKey"], captured_at=start + timedelta(minutes=n + 1)
        )
        assert r.status_code == 201, r.text
        shot = await wait_status(person.client, person, r.json()["id"])
        assert shot["status"] == "READY", shot
    return str(e["idempotencyKey"])


async def wait_job(account: Account, job_id: str, timeout: float = 60) -> dict[str, Any]:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        r = await account.get(f"/api/v1/rights-jobs/{job_id}")
        assert r.status_code == 200, r.text
        body: dict[str, Any] = r.json()
        if body["status"] in ("DONE", "FAILED") or loop.time() > deadline:
            return body
        await asyncio.sleep(0.1)


def recent(hours: float = 2) -> datetime:
    now = datetime.now(UTC) - timedelta(hours=hours)
    return now.replace(second=0, microsecond=0)


async def rows_naming(sessions: Any, user_id: str, email: str) -> list[tuple[str, str]]:
    """(table, column) of every row that still names the person: any id column
    (foreign key to users or not: user_id copies, an integration's target_id)
    holding their id, or any text or JSON column containing the id or email."""
    from sqlalchemy import JSON, String, Text, Uuid, cast, or_

    from server.db.base import Base

    uid = uuid.UUID(user_id)
    found: list[tuple[str, str]] = []
    async with sessions() as session:
        for table in Base.metadata.sorted_tables:
            for column in table.columns:
                names_user = any(fk.column.table.name == "users" for fk in column.foreign_keys)
                if names_user or isinstance(column.type, Uuid):  # any id column at all
                    cond = column == uid
                elif isinstance(column.type, String | Text | JSON):
                    text = cast(column, String)
                    cond = or_(text.contains(user_id), text.contains(email))
                else:
                    continue
                if (await session.execute(select(column).where(cond).limit(1))).first():
                    found.append((table.name, column.name))
    return found
