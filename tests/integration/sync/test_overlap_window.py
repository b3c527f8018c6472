"""The sync's overlap look-up reads a bounded window of a user's history (closed
entries that can still reach the batch: they last at most 31 days) plus the
user's open entries whenever they started; both kinds still refuse overlaps."""

from __future__ import annotations

from datetime import timedelta

from tests.support.api import register
from tests.support.sync import BASE, batch, entry

URL = "/api/v1/sync/batch"


async def _send(owner, *entries):
    r = await owner.post(URL, json=batch(list(entries)))
    assert r.status_code == 200, r.text
    return r.json()


async def test_a_long_entry_that_started_weeks_before_still_blocks(client):
    owner = await register(client)
    long_one = entry(BASE - timedelta(days=30), 30 * 24 * 60 + 120)  # 30 days + 2 hours
    assert (await _send(owner, long_one))["processed"] == 1
    clash = await _send(owner, entry(BASE + timedelta(hours=1), 30))
    assert clash["processed"] == 0
    assert clash["conflicts"][0]["otherKey"] == long_one["idempotencyKey"]
    assert (await _send(owner, entry(BASE + timedelta(hours=2), 30)))["processed"] == 1


async def test_an_open_entry_from_months_ago_still_blocks_and_its_close_is_seen(client):
    owner = await register(client)
    old = BASE - timedelta(days=90)
    running = entry(old, 0, status="RUNNING", endTime=None)
    assert (await _send(owner, running))["processed"] == 1
    later = entry(BASE, 30)
    clash = await _send(owner, later)
    assert [c["reason"] for c in clash["conflicts"]] == ["overlap"]
    assert clash["conflicts"][0]["otherKey"] == running["idempotencyKey"]
    # Closing it (next revision) frees the time after its end.
    closed = {**running, "revision": 2, "status": "STOPPED",
              "endTime": (old + timedelta(hours=8)).isoformat()}
    assert (await _send(owner, closed))["processed"] == 1
    assert (await _send(owner, later))["processed"] == 1
