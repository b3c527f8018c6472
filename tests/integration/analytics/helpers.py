"""A small world for analytics tests: two people at the far ends of the clock
(Auckland, UTC+13 then +12 after its DST change on 2026-04-05; Honolulu,
UTC-10), two customers in two currencies, rates on a customer, a project and a
task, billable and non-billable activities, tasks done on time and late.

Entries and done times are written to the database directly (the analytics
read them; how they arrive is tested elsewhere); everything else goes through
the API. Expected figures are worked out by hand in the tests.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import update

from server.db.models import ActivityRollup, Task, TimeEntry
from tests.integration.reports.helpers import make_team, person
from tests.support.api import Account, register


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@dataclass
class World:
    owner: Account
    kai: Account  # Pacific/Auckland
    hana: Account  # Pacific/Honolulu
    mia: Account  # manages the team with Hana
    team_id: str
    ids: dict[str, str] = field(default_factory=dict)


async def _post(acc: Account, url: str, body: dict[str, Any]) -> dict[str, Any]:
    r = await acc.post(url, json=body)
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


async def add_entry(
    db: Any,
    acc: Account,
    start: datetime,
    end: datetime | None,
    *,
    project: str | None = None,
    task: str | None = None,
    activity: str | None = None,
    billable: bool | None = None,
    source: str = "agent",
) -> uuid.UUID:
    entry_id = uuid.uuid4()
    async with db() as s:
        s.add(
            TimeEntry(
                id=entry_id,
                organization_id=uuid.UUID(acc.org_id),
                user_id=uuid.UUID(acc.user_id),
                idempotency_key=uuid.uuid4(),
                project_id=uuid.UUID(project) if project else None,
                task_id=uuid.UUID(task) if task else None,
                activity_id=uuid.UUID(activity) if activity else None,
                billable=billable,
                source=source,
                start_time=start,
                end_time=end,
                duration_seconds=int((end - start).total_seconds()) if end else 0,
                status="STOPPED" if end else "RUNNING",
            )
        )
        await s.commit()
    return entry_id


async def add_active(db: Any, acc: Account, entry_id: uuid.UUID, slot: datetime, secs: int) -> None:
    async with db() as s:
        s.add(
            ActivityRollup(
                time_entry_id=entry_id,
                slot=slot,
                organization_id=uuid.UUID(acc.org_id),
                user_id=uuid.UUID(acc.user_id),
                active_seconds=secs,
                minutes=15,
            )
        )
        await s.commit()


async def mark_done(db: Any, task_id: str, at: datetime) -> None:
    async with db() as s:
        await s.execute(
            update(Task).where(Task.id == uuid.UUID(task_id)).values(status="done", done_at=at)
        )
        await s.commit()


async def build(
    client: Any, db: Any, org_name: str = "Acme", kai_name: str = "Kai Auckland"
) -> World:
    owner = await register(client, org_name=org_name, timezone="UTC")
    kai = await person(owner, kai_name, "Pacific/Auckland")
    hana = await person(owner, "Hana Honolulu", "Pacific/Honolulu")
    mia = await person(owner, "Mia Manager", "Europe/Berlin")
    team_id = await make_team(owner, "Island", [mia], [hana])
    w = World(owner, kai, hana, mia, team_id)
    acme = await _post(owner, "/api/v1/customers", {"name": "Acme", "hourlyRate": "100.00"})
    globex = await _post(
        owner, "/api/v1/customers", {"name": "Globex", "currency": "USD", "hourlyRate": "80.00"}
    )
    web = await _post(
        owner,
        "/api/v1/projects",
        {
            "name": "Web",
            "customerId": acme["id"],
            "hourlyRate": "120.00",
            "budgetSeconds": 36000,
            "color": "#3366ff",
        },
    )
    ops = await _post(owner, "/api/v1/projects", {"name": "Ops", "customerId": globex["id"]})
    internal = await _post(owner, "/api/v1/projects", {"name": "Internal", "billable": False})
    dev = await _post(owner, "/api/v1/activities", {"name": "Dev"})
    meeting = await _post(owner, "/api/v1/activities", {"name": "Meeting", "billable": False})
    build_task = await _post(
        owner,
        f"/api/v1/projects/{web['id']}/tasks",
        {
            "name": "Build",
            "hourlyRate": "150.00",
            "estimateSeconds": 7200,
            "dueDate": "2026-04-03",
            "assigneeId": kai.user_id,
        },
    )
    docs = await _post(
        owner,
        f"/api/v1/projects/{web['id']}/tasks",
        {
            "name": "Docs",
            "estimateSeconds": 1800,
            "dueDate": "2026-04-02",
            "assigneeId": kai.user_id,
        },
    )
    fix = await _post(
        owner,
        f"/api/v1/projects/{ops['id']}/tasks",
        {
            "name": "Fix",
            "estimateSeconds": 3600,
            "dueDate": "2026-04-01",
            "assigneeId": hana.user_id,
        },
    )
    old = await _post(
        owner,
        f"/api/v1/projects/{ops['id']}/tasks",
        {"name": "Old", "estimateSeconds": 60, "assigneeId": hana.user_id},
    )
    w.ids = {
        "acme": acme["id"],
        "globex": globex["id"],
        "web": web["id"],
        "ops": ops["id"],
        "internal": internal["id"],
        "dev": dev["id"],
        "meeting": meeting["id"],
        "build": build_task["id"],
        "docs": docs["id"],
        "fix": fix["id"],
        "old": old["id"],
    }
    i = w.ids
    # Kai, Auckland. E1: 23:00-01:00 NZDT across local midnight of 1/2 April, task rate.
    e1 = await add_entry(
        db, kai, utc(2026, 4, 1, 10), utc(2026, 4, 1, 12), project=i["web"], task=i["build"],
        activity=i["dev"],
    )  # fmt: skip
    # E2: 01:30 NZDT -> 03:30 NZST on 5 April (3 real hours; 02:00-03:00 happens twice).
    await add_entry(db, kai, utc(2026, 4, 4, 12, 30), utc(2026, 4, 4, 15, 30), project=i["web"])
    # E3: manual, 09:00-10:00 NZDT on 3 April, on a non-billable project.
    await add_entry(
        db, kai, utc(2026, 4, 2, 20), utc(2026, 4, 2, 21), project=i["internal"], source="manual"
    )
    # Hana, Honolulu. E4: 22:00 on 1 April -> 00:30 on 2 April HST.
    await add_entry(
        db, hana, utc(2026, 4, 2, 8), utc(2026, 4, 2, 10, 30), project=i["ops"], task=i["fix"],
        activity=i["dev"],
    )  # fmt: skip
    # E5: a non-billable activity, but the entry says billable: 10:00-10:20 on 6 April.
    await add_entry(
        db, hana, utc(2026, 4, 6, 20), utc(2026, 4, 6, 20, 20), project=i["ops"],
        activity=i["meeting"], billable=True,
    )  # fmt: skip
    # E6: a billable project, but the entry says not billable: 09:00-09:45 on 7 April.
    await add_entry(
        db, hana, utc(2026, 4, 7, 19), utc(2026, 4, 7, 19, 45), project=i["web"], billable=False
    )
    # E7: 23:00 on 31 March -> 01:00 on 1 April HST: only its second hour is in range.
    e7 = await add_entry(
        db, hana, utc(2026, 4, 1, 9), utc(2026, 4, 1, 11), project=i["ops"], activity=i["dev"]
    )
    await add_active(db, kai, e1, utc(2026, 4, 1, 10), 600)
    await add_active(db, hana, e7, utc(2026, 4, 1, 9), 900)  # 31 March local: outside
    await add_active(db, hana, e7, utc(2026, 4, 1, 10, 15), 300)
    # Build: done 23:30 NZDT on 3 April (due the 3rd): on time.
    await mark_done(db, i["build"], utc(2026, 4, 3, 10, 30))
    # Docs: done 00:30 NZDT on 3 April (due the 2nd; still the 2nd in UTC): late.
    await mark_done(db, i["docs"], utc(2026, 4, 2, 11, 30))
    # Fix: done 23:00 HST on 1 April (due the 1st; already the 2nd in UTC): on time.
    await mark_done(db, i["fix"], utc(2026, 4, 2, 9))
    # Old: done before the range.
    await mark_done(db, i["old"], utc(2026, 3, 20, 12))
    return w
