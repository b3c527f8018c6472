"""Clockify stand-in, after docs.clockify.me (API v1: workspaces, users, projects,
"Get time entries for a user on workspace"; schemas TimeEntryDtoImplV1 and
TimeIntervalDtoV1).

- Header `X-Api-Key`; a bad key → 401 `{"message": ..., "code": 1000}`.
- `GET /api/v1/workspaces/{wid}`, `.../users`, `.../projects` and
  `.../user/{uid}/time-entries?start&end&page&page-size`: `page` is 1-based,
  no total; a short page is the last. Entries come newest first.
- `timeInterval{start, end, duration}` with an ISO-8601 `duration` (PT1H30M);
  `end` and `duration` are null while the timer runs.
- Deleted entries simply disappear.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tests.support.standins.base import Reply, Req, StandIn


def _z(t: datetime) -> str:
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_duration(seconds: int) -> str:
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return (
        "PT"
        + (f"{h}H" if h else "")
        + (f"{m}M" if m else "")
        + (f"{s}S" if s or not (h or m) else "")
    )


class ClockifyStandIn(StandIn):
    name = "clockify"

    def __init__(
        self, key: str = "clockify-key-0123456789", workspace_id: str = "ws1", **kw: Any
    ) -> None:
        super().__init__(**kw)
        self.key = key
        self.workspace_id = workspace_id
        self.users: list[dict[str, Any]] = []
        self.projects: list[dict[str, Any]] = []
        self.entries: dict[str, dict[str, Any]] = {}
        self._n = 0
        w = "/api/v1/workspaces/{wid}"
        self.route("GET", w, self._workspace)
        self.route("GET", w + "/users", lambda r, p: self._paged(r, self.users))
        self.route("GET", w + "/projects", lambda r, p: self._paged(r, self.projects))
        self.route("GET", w + "/user/{uid}/time-entries", self._entries)

    def add_user(self, email: str, name: str) -> str:
        uid = f"u{len(self.users) + 1:022d}"
        self.users.append({"id": uid, "email": email, "name": name, "status": "ACTIVE"})
        return uid

    def add_project(self, name: str) -> str:
        pid = f"p{len(self.projects) + 1:022d}"
        self.projects.append({"id": pid, "name": name, "workspaceId": self.workspace_id})
        return pid

    def add_entry(
        self,
        user_id: str,
        start: datetime,
        seconds: int | None,
        *,
        project_id: str | None = None,
        description: str = "",
        billable: bool = True,
    ) -> str:
        self._n += 1
        eid = f"e{self._n:023d}"
        end = None if seconds is None else start + timedelta(seconds=seconds)
        self.entries[eid] = {
            "id": eid,
            "description": description,
            "userId": user_id,
            "workspaceId": self.workspace_id,
            "projectId": project_id,
            "taskId": None,
            "tagIds": [],
            "billable": billable,
            "isLocked": False,
            "type": "REGULAR",
            "customFieldValues": [],
            "timeInterval": {
                "start": _z(start),
                "end": _z(end) if end else None,
                "duration": iso_duration(seconds) if seconds is not None else None,
            },
        }
        return eid

    def authorized(self, req: Req) -> Reply | None:
        if req.headers.get("x-api-key") != self.key:
            return Reply(
                401,
                {
                    "message": "Full authentication is required to access this resource",
                    "code": 1000,
                },
            )
        return None

    def _workspace(self, req: Req, p: dict[str, str]) -> Reply:
        if p["wid"] != self.workspace_id:
            return Reply(403, {"message": "Access Denied", "code": 1000})
        return Reply(200, {"id": self.workspace_id, "name": "Stand-in Workspace"})

    @staticmethod
    def _slice(req: Req, rows: list[Any]) -> list[Any]:
        page, size = int(req.q("page", "1") or 1), int(req.q("page-size", "50") or 50)
        if size > 5000:
            size = 5000
        return rows[(page - 1) * size : page * size]

    def _paged(self, req: Req, rows: list[Any]) -> Reply:
        return Reply(200, self._slice(req, rows))

    def _entries(self, req: Req, p: dict[str, str]) -> Reply:
        lo = datetime.fromisoformat(str(req.q("start")).replace("Z", "+00:00"))
        hi = datetime.fromisoformat(str(req.q("end")).replace("Z", "+00:00"))
        rows = sorted(
            (
                e
                for e in self.entries.values()
                if e["userId"] == p["uid"]
                and lo
                <= datetime.fromisoformat(e["timeInterval"]["start"].replace("Z", "+00:00"))
                < hi
            ),
            key=lambda e: e["timeInterval"]["start"],
            reverse=True,
        )
        return Reply(200, self._slice(req, rows))
