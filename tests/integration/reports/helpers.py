"""Helpers for report tests: people with time zones, entries and activity via sync."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.support.api import Account, invite


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def z(instant: datetime) -> str:
    return instant.astimezone(UTC).isoformat().replace("+00:00", "Z")


async def person(owner: Account, name: str, timezone: str = "UTC", role: str = "MEMBER") -> Account:
    acc = await invite(owner, role=role, name=name)
    r = await owner.patch(f"/api/v1/members/{acc.user_id}", json={"timezone": timezone})
    assert r.status_code == 200, r.text
    return acc


def entry(
    start: datetime,
    end: datetime | None,
    project_id: str | None = None,
    task_id: str | None = None,
    key: str | None = None,
    status: str = "STOPPED",
    description: str = "work",
) -> dict[str, Any]:
    return {
        "idempotencyKey": key or str(uuid.uuid4()),
        "revision": 1,
        "projectId": project_id,
        "taskId": task_id,
        "startTime": start.isoformat(),
        "endTime": end.isoformat() if end else None,
        "status": status,
        "timezone": "UTC",
        "description": description,
    }


def minute(key: str, at: datetime, active: int, kb: int = 5, mouse: int = 7) -> dict[str, Any]:
    return {
        "timeEntryKey": key,
        "minute": z(at),
        "keyboardClicks": kb,
        "mouseMovements": mouse,
        "activeSeconds": active,
    }


def minutes(key: str, start: datetime, count: int, active: int) -> list[dict[str, Any]]:
    return [minute(key, start + timedelta(minutes=i), active) for i in range(count)]


async def sync(
    acc: Account, entries: list[dict[str, Any]], acts: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    r = await acc.post(
        "/api/v1/sync/batch", json={"deviceId": "dev-1", "entries": entries, "activity": acts or []}
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert not body["conflicts"] and not body["activity"]["conflicts"], body
    return body  # type: ignore[no-any-return]


async def make_team(
    owner: Account, name: str, managers: list[Account], members: list[Account]
) -> str:
    r = await owner.post("/api/v1/teams", json={"name": name})
    assert r.status_code == 201, r.text
    team_id = r.json()["id"]
    for acc, role in [(m, "MANAGER") for m in managers] + [(m, "MEMBER") for m in members]:
        r = await owner.post(
            f"/api/v1/teams/{team_id}/members", json={"userId": acc.user_id, "role": role}
        )
        assert r.status_code == 201, r.text
    return team_id  # type: ignore[no-any-return]
