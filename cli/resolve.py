"""Naming things on the command line: a project, team or task by its id or by
its name (`--project Apollo`), and durations like `1h30m`."""

from __future__ import annotations

import re
import uuid
from typing import Any

from cli.client import Api
from cli.errors import NotFoundError, UsageError

_DURATION = re.compile(r"^\s*(?:(\d+)\s*h)?\s*(?:(\d+)\s*m)?\s*(?:(\d+)\s*s)?\s*$", re.IGNORECASE)


def is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def by_id_or_name(api: Api, path: str, value: str, kind: str, **params: Any) -> str:
    """The id of the one object of `path` named `value` (case-insensitive),
    or `value` itself when it is an id. Several with that name: an error
    that asks for the id."""
    if is_uuid(value):
        return value
    wanted = value.strip().casefold()
    found = [
        item
        for item in api.paged(path, {"limit": 200, **params})
        if str(item.get("name", "")).casefold() == wanted
    ]
    if not found:
        raise NotFoundError(f"no {kind} named {value!r}")
    if len(found) > 1:
        ids = ", ".join(str(item["id"]) for item in found)
        raise UsageError(f"{len(found)} {kind}s are named {value!r}; give the id ({ids})")
    return str(found[0]["id"])


def project_id(api: Api, value: str) -> str:
    return by_id_or_name(api, "/api/v1/projects", value, "project")


def team_id(api: Api, value: str) -> str:
    return by_id_or_name(api, "/api/v1/teams", value, "team")


def user_id(api: Api, value: str) -> str:
    """`me`, an id, or an email of someone the caller may see."""
    if value == "me":
        return str(api.get("/api/v1/auth/me")["id"])
    if is_uuid(value):
        return value
    wanted = value.strip().casefold()
    for member in api.paged("/api/v1/members", {"limit": 200}):
        if str(member.get("email", "")).casefold() == wanted:
            return str(member["id"])
    raise NotFoundError(f"no member with the email {value!r}")


def parse_duration(value: str) -> int:
    """Seconds from `1h30m`, `45m`, `90s` or a plain number of seconds."""
    text = value.strip()
    if text.isdigit():
        return int(text)
    match = _DURATION.match(text)
    if not text or not match or not any(match.groups()):
        raise UsageError(f"{value!r} is not a duration (examples: 1h30m, 45m, 3600)")
    hours, minutes, seconds = (int(g or 0) for g in match.groups())
    return hours * 3600 + minutes * 60 + seconds


def task_id(api: Api, project: str, value: str) -> str:
    """A task of `project` by id or name."""
    return by_id_or_name(api, f"/api/v1/projects/{project}/tasks", value, "task")


def activity_id(api: Api, value: str) -> str:
    return by_id_or_name(api, "/api/v1/activities", value, "activity")
