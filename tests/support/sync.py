"""Builders for batch-sync payloads."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

BASE = datetime(2026, 1, 15, 9, 0, tzinfo=UTC)


def entry(
    start: datetime = BASE,
    minutes: int = 60,
    *,
    key: str | None = None,
    revision: int = 1,
    project_id: str | None = None,
    status: str = "STOPPED",
    **extra: Any,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "idempotencyKey": key or str(uuid.uuid4()),
        "revision": revision,
        "projectId": project_id,
        "taskId": None,
        "startTime": start.isoformat(),
        "endTime": (start + timedelta(minutes=minutes)).isoformat()
        if status == "STOPPED" or minutes
        else None,
        "status": status,
        "timezone": "Europe/Moscow",
        "description": "work",
    }
    body.update(extra)
    return body


def activity(
    key: str, minute: datetime, active: int = 30, kb: int = 10, mouse: int = 20
) -> dict[str, Any]:
    return {
        "timeEntryKey": key,
        "minute": minute.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        "keyboardClicks": kb,
        "mouseMovements": mouse,
        "activeSeconds": active,
    }


def batch(
    entries: list[dict[str, Any]] | None = None,
    acts: list[dict[str, Any]] | None = None,
    device: str = "device-1",
) -> dict[str, Any]:
    return {"deviceId": device, "entries": entries or [], "activity": acts or []}


def minutes_of(start: datetime, count: int) -> list[datetime]:
    return [start + timedelta(minutes=i) for i in range(count)]
