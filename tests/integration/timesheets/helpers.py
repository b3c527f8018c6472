"""A small organization for timesheet tests: an owner, an admin, a team with
its MANAGER and a MEMBER, a member outside the team, and a project."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tests.support.api import Account, create_project, invite, register
from tests.support.sync import batch, entry

URL = "/api/v1/timesheets"


@dataclass
class Org:
    owner: Account
    admin: Account
    manager: Account  # organization MEMBER, MANAGER of `team`
    member: Account  # in `team`
    loner: Account  # a MEMBER in no team
    team_id: str
    project_id: str


async def make_org(client: Any) -> Org:
    owner = await register(client)
    admin = await invite(owner, "ADMIN", name="Ada Admin")
    manager = await invite(owner, name="Max Manager")
    member = await invite(owner, name="Mia Member")
    loner = await invite(owner, name="Lou Loner")
    team = (await owner.post("/api/v1/teams", json={"name": f"t-{uuid.uuid4().hex[:6]}"})).json()
    for who, role in ((manager, "MANAGER"), (member, "MEMBER")):
        r = await owner.post(
            f"/api/v1/teams/{team['id']}/members", json={"userId": who.user_id, "role": role}
        )
        assert r.status_code in (200, 201), r.text
    project = await create_project(owner)
    return Org(owner, admin, manager, member, loner, team["id"], project["id"])


async def set_timezone(who: Account, tz: str) -> None:
    r = await who.patch(f"/api/v1/members/{who.user_id}", json={"timezone": tz})
    assert r.status_code == 200, r.text


async def track(
    who: Account, project_id: str, start: datetime, minutes: int, **kw: Any
) -> dict[str, Any]:
    """Syncs one entry like the agent does; answers the sync response."""
    item = entry(start, minutes, project_id=project_id, **kw)
    r = await who.post("/api/v1/sync/batch", json=batch([item]))
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    body["key"] = item["idempotencyKey"]
    return body


async def submit(who: Account, week_start: str) -> dict[str, Any]:
    r = await who.post(URL, json={"weekStart": week_start})
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]
