"""Timesheet approval through the API, on SQLite and PostgreSQL: who may
submit, see, approve, reject and reopen; reasons; audit; the keyset list."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from server.db.models import AuditLog
from tests.integration.timesheets.helpers import URL, make_org, submit, track
from tests.support.api import register

WEEK = "2026-01-12"  # a Monday


async def _audit(db, timesheet_id: str) -> list[tuple[str, dict]]:
    async with db() as s:
        rows = await s.execute(
            select(AuditLog.action, AuditLog.detail, AuditLog.actor_user_id)
            .where(AuditLog.target_type == "timesheet", AuditLog.target_id == timesheet_id)
            .order_by(AuditLog.created_at)
        )
        return [(a, {**d, "actor": str(u)}) for a, d, u in rows]


async def test_submit_validation_and_shape(client):
    org = await make_org(client)
    await track(org.member, org.project_id, datetime(2026, 1, 13, 9, tzinfo=UTC), 90)
    for body, needle in [
        ({"weekStart": "2026-01-13"}, "must be a Monday: 2026-01-13 is a Tuesday"),
        ({"weekStart": "13/01/2026"}, "date like"),
        ({"weekStart": "1999-12-27"}, "from 2000-01-01 to 2099-12-31"),
        ({"weekStart": "2099-12-28"}, "has not started yet"),
        ({}, "weekStart"),
    ]:
        r = await org.member.post(URL, json=body)
        assert r.status_code == 400 and needle in r.json()["detail"], (body, r.text)
    # A userId in the body is ignored: one submits only one's own week.
    r = await org.member.post(URL, json={"weekStart": WEEK, "userId": org.loner.user_id})
    assert r.status_code == 201, r.text
    ts = r.json()
    assert ts["userId"] == org.member.user_id and ts["userName"] == "Mia Member"
    assert (ts["weekStart"], ts["status"]) == (WEEK, "submitted")
    assert (ts["trackedSeconds"], ts["manualSeconds"]) == (5400, 0)
    assert (ts["startsAt"], ts["endsAt"]) == ("2026-01-12T00:00:00Z", "2026-01-19T00:00:00Z")
    again = await org.member.post(URL, json={"weekStart": WEEK})
    assert again.status_code == 409 and "awaits a decision" in again.json()["detail"]
    assert (await org.member.get(f"{URL}/{ts['id']}")).json() == ts


async def test_roles_matrix(client, db):
    org = await make_org(client)
    stranger = await register(client)
    sheets = {
        name: await submit(getattr(org, name), WEEK)
        for name in ("owner", "admin", "manager", "member", "loner")
    }
    member_ts = sheets["member"]["id"]

    # Who sees the member's week: themselves, their team MANAGER, ADMIN, OWNER.
    for who, status in [
        (org.member, 200),
        (org.manager, 200),
        (org.admin, 200),
        (org.owner, 200),
        (org.loner, 404),
        (stranger, 404),
    ]:
        assert (await who.get(f"{URL}/{member_ts}")).status_code == status

    # Lists: members their own, the MANAGER their team (and self), admins everyone.
    async def listed(who, **params) -> set[str]:
        r = await who.get(URL, params=params)
        assert r.status_code == 200, r.text
        return {i["userId"] for i in r.json()["items"]}

    assert await listed(org.member) == {org.member.user_id}
    assert await listed(org.loner) == {org.loner.user_id}
    assert await listed(org.manager) == {org.manager.user_id, org.member.user_id}
    everyone = {getattr(org, n).user_id for n in sheets}
    assert await listed(org.admin) == everyone and await listed(org.owner) == everyone
    assert await listed(stranger) == set()
    assert await listed(org.manager, teamId=org.team_id) == {
        org.manager.user_id,
        org.member.user_id,
    }
    assert await listed(org.admin, userId=org.loner.user_id) == {org.loner.user_id}
    for who, params in [
        (org.loner, {"teamId": org.team_id}),
        (org.member, {"userId": org.loner.user_id}),
        (org.manager, {"userId": org.loner.user_id}),
        (stranger, {"userId": org.member.user_id}),
    ]:
        assert (await who.get(URL, params=params)).status_code == 404, (who.email, params)
    assert (await org.admin.get(URL, params={"status": "nope"})).status_code == 400

    # Nobody decides their own week, whatever their role: 403 with the reason.
    for name in sheets:
        who = getattr(org, name)
        for action, body in (("approve", None), ("reject", {"reason": "no"})):
            r = await who.post(f"{URL}/{sheets[name]['id']}/{action}", json=body)
            assert r.status_code == 403 and "their own week" in r.json()["detail"], (name, r.text)
    # Someone who may not see it: 404, like an unknown id; another organization too.
    assert (await org.loner.post(f"{URL}/{member_ts}/approve")).status_code == 404
    assert (await stranger.post(f"{URL}/{member_ts}/approve")).status_code == 404
    assert (await org.member.post(f"{URL}/{sheets['loner']['id']}/approve")).status_code == 404
    # The team MANAGER approves their team's member, not someone outside the team.
    r = await org.manager.post(f"{URL}/{member_ts}/approve")
    assert r.status_code == 200 and r.json()["status"] == "approved", r.text
    assert r.json()["decidedBy"] == org.manager.user_id
    assert (await org.manager.post(f"{URL}/{sheets['loner']['id']}/approve")).status_code == 404
    # Deciding twice is a 409 with the state named.
    r = await org.admin.post(f"{URL}/{member_ts}/approve")
    assert r.status_code == 409 and "is approved" in r.json()["detail"]
    # ADMIN approves the MANAGER; OWNER approves the ADMIN; ADMIN approves the OWNER.
    for who, whose in (
        (org.admin, "manager"),
        (org.owner, "admin"),
        (org.admin, "owner"),
        (org.owner, "loner"),
    ):
        r = await who.post(f"{URL}/{sheets[whose]['id']}/approve")
        assert r.status_code == 200 and r.json()["status"] == "approved", (whose, r.text)
    # Filters by status.
    r = await org.admin.get(URL, params={"status": "submitted"})
    assert r.json()["items"] == []
    assert [(a, d["actor"]) for a, d in await _audit(db, member_ts)] == [
        ("timesheet.submitted", org.member.user_id),
        ("timesheet.approved", org.manager.user_id),
    ]


async def test_reject_with_reason_then_resubmit_then_reopen(client, db):
    org = await make_org(client)
    await track(org.member, org.project_id, datetime(2026, 1, 14, 9, tzinfo=UTC), 60)
    ts = await submit(org.member, WEEK)
    path = f"{URL}/{ts['id']}"
    for body, needle in [
        ({"reason": "   "}, "reason is required"),
        ({"reason": "x" * 501}, "at most 500"),
        ({}, "reason"),
    ]:
        r = await org.manager.post(f"{path}/reject", json=body)
        assert r.status_code == 400 and needle in r.json()["detail"], r.text
    assert (await org.member.get(path)).json()["status"] == "submitted"  # nothing written
    r = await org.manager.post(f"{path}/reject", json={"reason": " Wednesday is missing "})
    assert r.status_code == 200, r.text
    assert (r.json()["status"], r.json()["reason"]) == ("rejected", "Wednesday is missing")
    assert (await org.manager.post(f"{path}/approve")).status_code == 409  # not submitted
    # The member adds the missing time and submits again: same id, new totals.
    await track(org.member, org.project_id, datetime(2026, 1, 14, 11, tzinfo=UTC), 30)
    again = await submit(org.member, WEEK)
    assert again["id"] == ts["id"]
    assert (again["status"], again["reason"], again["trackedSeconds"]) == ("submitted", None, 5400)
    r = await org.admin.post(f"{path}/approve")
    assert r.status_code == 200 and r.json()["status"] == "approved"
    # Reopen: ADMIN/OWNER only, with a reason, never their own; then it may be submitted again.
    assert (await org.manager.post(f"{path}/reopen", json={"reason": "fix"})).status_code == 403
    assert (await org.member.post(f"{path}/reopen", json={"reason": "fix"})).status_code == 403
    assert (await org.owner.post(f"{path}/reopen", json={"reason": ""})).status_code == 400
    r = await org.owner.post(f"{path}/reopen", json={"reason": "billing correction"})
    assert r.status_code == 200 and r.json()["status"] == "reopened", r.text
    assert (await org.owner.post(f"{path}/reopen", json={"reason": "x"})).status_code == 409
    assert (await submit(org.member, WEEK))["status"] == "submitted"
    actions = [(a, d.get("reason")) for a, d in await _audit(db, ts["id"])]
    assert actions == [
        ("timesheet.submitted", None),
        ("timesheet.rejected", "Wednesday is missing"),
        ("timesheet.submitted", None),
        ("timesheet.approved", None),
        ("timesheet.reopened", "billing correction"),
        ("timesheet.submitted", None),
    ]


async def test_list_is_keyset_paginated_newest_week_first(client):
    org = await make_org(client)
    weeks = ["2026-01-05", "2026-01-12", "2026-01-19", "2026-01-26", "2026-02-02"]
    for week in weeks:
        await submit(org.member, week)
    seen, cursor = [], None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = (await org.manager.get(URL, params={**params, "userId": org.member.user_id})).json()
        seen += [i["weekStart"] for i in page["items"]]
        cursor = page["nextCursor"]
        if not cursor:
            break
    assert seen == sorted(weeks, reverse=True)
    r = await org.manager.get(URL, params={"weekStart": "2026-01-19"})
    assert [i["weekStart"] for i in r.json()["items"]] == ["2026-01-19"]
    assert (await org.manager.get(URL, params={"cursor": "garbage!"})).status_code == 400
    assert (await org.manager.get(URL, params={"limit": 0})).status_code == 400
