"""Kimai 2 stand-in, after kimai.org/documentation/rest-api.html and the API
controllers (TimesheetController, ProjectController, ActivityController,
UserController):

- `Authorization: Bearer <API token>`; otherwise 401 `{"code": 401, "message": "Unauthorized"}`.
- `GET /api/users/me`, `GET /api/users`, `/api/projects`, `/api/activities`
  (lists, not paginated).
- `GET /api/timesheets?page&size&begin&end&modified_after&user=all`: headers
  `X-Page, X-Total-Count, X-Total-Pages, X-Per-Page`; a page past the end → 404.
  `begin`/`end` are local times of the user's zone, `modified_after` is UTC.
- `POST /api/timesheets`, `PATCH|DELETE /api/timesheets/{id}` (DELETE → 204).
  Requests carry HTML5 local date-times without offset (`YYYY-MM-DDThh:mm:ss`);
  a value with an offset is refused here (400) — real Kimai stores a wrong time.
- Answers: `begin`/`end` ISO 8601 in the user's zone with an offset like
  `+0100`, `duration` seconds, `user/project/activity` ids.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from tests.support.standins.base import Reply, Req, StandIn

LOCAL = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$")


class KimaiStandIn(StandIn):
    name = "kimai"

    def __init__(
        self, token: str = "kimai-token-0123456789", zone: str = "Europe/Berlin", **kw: Any
    ) -> None:
        super().__init__(**kw)
        self.token = token
        self.zone = ZoneInfo(zone)
        self.users: dict[int, dict[str, Any]] = {
            1: {"id": 1, "username": "admin", "alias": "Admin"}
        }
        self.projects: dict[int, dict[str, Any]] = {}
        self.activities: dict[int, dict[str, Any]] = {}
        self.timesheets: dict[int, dict[str, Any]] = {}
        self.modified: dict[int, datetime] = {}
        self._n = 10
        # After this many successful creates, POST answers 500 (a remote failing mid-run).
        self.fail_creates_after: int | None = None
        self.creates = 0
        for method, path, handler in (
            ("GET", "/api/users/me", lambda r, p: Reply(200, self.users[1])),
            ("GET", "/api/users", lambda r, p: Reply(200, list(self.users.values()))),
            ("GET", "/api/projects", lambda r, p: Reply(200, list(self.projects.values()))),
            ("GET", "/api/activities", lambda r, p: Reply(200, list(self.activities.values()))),
            ("GET", "/api/timesheets", self._list),
            ("POST", "/api/timesheets", self._create),
            ("PATCH", "/api/timesheets/{id}", self._patch),
            ("DELETE", "/api/timesheets/{id}", self._delete),
        ):
            self.route(method, path, handler)

    def _id(self) -> int:
        self._n += 1
        return self._n

    def add_user(self, username: str) -> int:
        uid = self._id()
        self.users[uid] = {"id": uid, "username": username, "alias": username.split("@")[0]}
        return uid

    def add_project(self, name: str) -> int:
        pid = self._id()
        self.projects[pid] = {"id": pid, "name": name, "customer": 1, "visible": True}
        return pid

    def add_activity(self, name: str) -> int:
        aid = self._id()
        self.activities[aid] = {"id": aid, "name": name, "project": None, "visible": True}
        return aid

    def _out(self, t: datetime) -> str:
        return t.astimezone(self.zone).strftime("%Y-%m-%dT%H:%M:%S%z")

    def edit(self, tid: int, **changes: Any) -> None:
        """An edit made in Kimai's UI: `begin`/`end` as aware datetimes."""
        row = self.timesheets[tid]
        for key, value in changes.items():
            row[key] = self._out(value) if isinstance(value, datetime) else value
        b, e = datetime.fromisoformat(row["begin"]), datetime.fromisoformat(row["end"])
        row["duration"] = int((e - b).total_seconds())
        self.modified[tid] = datetime.now(UTC)

    def authorized(self, req: Req) -> Reply | None:
        if req.headers.get("authorization") != f"Bearer {self.token}":
            return Reply(401, {"code": 401, "message": "Unauthorized"})
        return None

    def _local(self, value: Any, field: str) -> datetime | Reply:
        if not isinstance(value, str) or not LOCAL.match(value):
            return Reply(
                400, {"code": 400, "message": f"{field}: expected local YYYY-MM-DDThh:mm:ss"}
            )
        return datetime.fromisoformat(value).replace(tzinfo=self.zone)

    def _write(self, row: dict[str, Any], body: dict[str, Any]) -> Reply | None:
        for field in ("project", "activity", "user"):
            if field in body and body[field] is not None:
                row[field] = int(body[field])
        if row.get("project") not in self.projects or row.get("activity") not in self.activities:
            return Reply(
                400, {"code": 400, "message": "This form should not contain extra fields."}
            )
        for field in ("begin", "end"):
            if field in body:
                when = self._local(body[field], field)
                if isinstance(when, Reply):
                    return when
                row[field] = self._out(when)
        for field in ("description", "billable"):
            if field in body:
                row[field] = body[field]
        b, e = datetime.fromisoformat(row["begin"]), datetime.fromisoformat(row["end"])
        row["duration"] = int((e - b).total_seconds())
        self.modified[row["id"]] = datetime.now(UTC)
        return None

    def _create(self, req: Req, p: dict[str, str]) -> Reply:
        if self.fail_creates_after is not None and self.creates >= self.fail_creates_after:
            return Reply(500, {"code": 500, "message": "Internal Server Error"})
        self.creates += 1
        tid = self._id()
        row: dict[str, Any] = {
            "id": tid,
            "user": 1,
            "tags": [],
            "billable": True,
            "exported": False,
            "description": "",
            "break": 0,
            "metaFields": [],
        }
        refused = self._write(row, req.json())
        if refused:
            return refused
        self.timesheets[tid] = row
        return Reply(200, row)

    def _patch(self, req: Req, p: dict[str, str]) -> Reply:
        row = self.timesheets.get(int(p["id"]))
        if row is None:
            return Reply(404, {"code": 404, "message": "Not found"})
        refused = self._write(row, req.json())
        return refused or Reply(200, row)

    def _delete(self, req: Req, p: dict[str, str]) -> Reply:
        if self.timesheets.pop(int(p["id"]), None) is None:
            return Reply(404, {"code": 404, "message": "Not found"})
        return Reply(204, None)

    def _list(self, req: Req, p: dict[str, str]) -> Reply:
        rows = sorted(self.timesheets.values(), key=lambda r: r["id"])
        since = req.q("modified_after")
        if since:
            mark = datetime.fromisoformat(since).replace(tzinfo=UTC)
            rows = [r for r in rows if self.modified[r["id"]] >= mark]
        for field, keep in (("begin", lambda t, b: t >= b), ("end", lambda t, b: t <= b)):
            raw = req.q(field)
            if raw:
                bound = datetime.fromisoformat(raw).replace(tzinfo=self.zone)
                rows = [r for r in rows if keep(datetime.fromisoformat(r["begin"]), bound)]
        page, size = int(req.q("page", "1") or 1), min(int(req.q("size", "50") or 50), 500)
        pages = max((len(rows) + size - 1) // size, 1)
        if page > pages:
            return Reply(404, {"code": 404, "message": "Not found"})
        headers = {
            "X-Page": str(page),
            "X-Total-Count": str(len(rows)),
            "X-Total-Pages": str(pages),
            "X-Per-Page": str(size),
        }
        return Reply(200, rows[(page - 1) * size : page * size], headers)
