"""A deleted entry's key is a tombstone: the agent's retry of it (or a newer
revision, or its activity) is answered `deleted` and nothing comes back."""

from __future__ import annotations

import uuid

from sqlalchemy import delete, func, select

from server.db.models import ActivityBucket, DeletedTimeEntry, TimeEntry
from tests.support.api import create_project, register
from tests.support.sync import BASE, activity, batch, entry, minutes_of

URL = "/api/v1/sync/batch"


async def _tombstone(db, key: str) -> None:
    """What DELETE /api/v1/time-entries/{id} does, straight on the rows."""
    async with db() as s:
        row = (
            await s.execute(select(TimeEntry).where(TimeEntry.idempotency_key == uuid.UUID(key)))
        ).scalar_one()
        s.add(
            DeletedTimeEntry(
                idempotency_key=row.idempotency_key,
                organization_id=row.organization_id,
                user_id=row.user_id,
            )
        )
        await s.execute(delete(TimeEntry).where(TimeEntry.id == row.id))
        await s.commit()


async def test_retry_and_newer_revision_of_a_deleted_entry_are_answered_deleted(client, db):
    owner = await register(client)
    project = await create_project(owner)
    e = entry(BASE, 30, project_id=project["id"])
    acts = [activity(e["idempotencyKey"], m) for m in minutes_of(BASE, 30)]
    assert (await owner.post(URL, json=batch([e], acts))).json()["processed"] == 1
    await _tombstone(db, e["idempotencyKey"])

    again = (await owner.post(URL, json=batch([e], acts))).json()
    assert again["processed"] == 0
    assert [(c["idempotencyKey"], c["reason"]) for c in again["conflicts"]] == [
        (e["idempotencyKey"], "deleted")
    ]
    assert {c["reason"] for c in again["activity"]["conflicts"]} == {"deleted"}
    assert len(again["activity"]["conflicts"]) == 30

    newer = (await owner.post(URL, json=batch([{**e, "revision": 5}]))).json()
    assert [c["reason"] for c in newer["conflicts"]] == ["deleted"]
    # Activity alone (its entry not in the batch) is answered deleted too.
    alone = (await owner.post(URL, json=batch([], acts[:1]))).json()
    assert [c["reason"] for c in alone["activity"]["conflicts"]] == ["deleted"]
    async with db() as s:
        key = uuid.UUID(e["idempotencyKey"])
        assert (
            await s.execute(select(func.count()).where(TimeEntry.idempotency_key == key))
        ).scalar_one() == 0
        assert (
            await s.execute(
                select(func.count())
                .select_from(ActivityBucket)
                .where(ActivityBucket.user_id == uuid.UUID(owner.user_id))
            )
        ).scalar_one() == 0


async def test_a_tombstone_of_another_user_does_not_answer_for_this_one(client, db):
    first, second = await register(client), await register(client)
    p1, p2 = await create_project(first), await create_project(second)
    e = entry(BASE, 10, project_id=p1["id"])
    await first.post(URL, json=batch([e]))
    await _tombstone(db, e["idempotencyKey"])
    r = (await second.post(URL, json=batch([{**e, "projectId": p2["id"]}]))).json()
    assert r["processed"] == 1 and r["conflicts"] == []
