"""Agent-like clients for the chaos tests: they send what a real agent sends
and retry what was not acknowledged, as the agent's outbox does."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import httpx

from tests.support.api import Account
from tests.support.sync import activity, batch, entry


@dataclass
class Acked:
    entries: set[str] = field(default_factory=set)
    minutes: set[tuple[str, datetime]] = field(default_factory=set)
    statuses: Counter[int] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)  # 5xx bodies other than 503


async def sync_until_acked(account: Account, body: dict, acked: Acked, stop_at: float) -> bool:
    """One batch, retried until the server acknowledges it (or time runs out)."""
    loop = asyncio.get_running_loop()
    while loop.time() < stop_at:
        try:
            r = await account.post("/api/v1/sync/batch", json=body, timeout=10)
        except httpx.HTTPError:
            acked.statuses[0] += 1  # connection refused/reset: the server is down
            await asyncio.sleep(0.2)
            continue
        acked.statuses[r.status_code] += 1
        if r.status_code == 200:
            result = r.json()
            assert not result["conflicts"], result
            for e in body["entries"]:
                acked.entries.add(e["idempotencyKey"])
            for a in body["activity"]:
                acked.minutes.add((a["timeEntryKey"], datetime.fromisoformat(a["minute"])))
            return True
        if r.status_code != 503:
            acked.errors.append(f"{r.status_code} {r.text[:300]}")
        else:
            assert r.json()["detail"], r.text
            assert r.headers.get("retry-after"), r.headers
        await asyncio.sleep(0.2)
    return False


async def agent_loop(
    account: Account, start: datetime, rounds: int, acked: Acked, stop_at: float
) -> None:
    """`rounds` minutes of one agent: a running entry's next revision and its
    new activity minute each round, then the entry stopped."""
    key = str(uuid.uuid4())
    for i in range(rounds):
        minute = start + timedelta(minutes=i)
        body = batch(
            [entry(start, i + 1, key=key, revision=i + 1)],
            [activity(key, minute)],
        )
        if not await sync_until_acked(account, body, acked, stop_at):
            return
        await asyncio.sleep(0.05)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)
