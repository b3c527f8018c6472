"""Toggl Track stand-in: API v9 + Reports API v3, after engineering.toggl.com/docs
(authentication, api/workspaces, api/users, api/projects, reports/detailed_reports).

- Basic auth `<token>:api_token`; anything else → 403 (Toggl answers 403, not 401).
- `GET /api/v9/workspaces/{wid}`, `.../users`, `.../projects?page=&per_page=`.
- `POST /reports/api/v3/workspace/{wid}/search/time_entries`: body `start_date`,
  `end_date` (inclusive dates), `page_size`, `first_row_number`; rows of
  `{user_id, username, project_id, task_id, description, billable,
  time_entries[{id, seconds, start, stop, at}], row_number}`; the next page's
  row number in `X-Next-Row-Number`, absent on the last page.
  A `user_ids` filter in the body keeps those people's entries.
- `GET /api/v9/me`: the token owner (`me_id`, default the first user added).
- `GET /api/v9/me/time_entries` (engineering.toggl.com/docs/api/time_entries):
  only the token owner's entries, in every workspace; `since` (UNIX seconds)
  → entries modified since then (`at`), deleted ones included with
  `server_deleted_at` set; else `start_date`/`end_date` filter on start.
  Fields: id, workspace_id, project_id, task_id, user_id, description, start,
  stop, duration (seconds; negative while running), billable, tags, tag_ids,
  at, server_deleted_at, duronly. Not paginated.
- A running timer has `stop: null` and a negative `seconds` (v9 writes -1).
- Deleted entries (`delete()`, or removed from `entries`) vanish from the report.
"""

from __future__ import annotations

import base64
import bisect
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.support.standins.base import Reply, Req, StandIn


def _iso(t: datetime) -> str:
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")


class TogglStandIn(StandIn):
    name = "toggl"

    def __init__(
        self, token: str = "toggl-token-0123456789", workspace_id: int = 777, **kw: Any
    ) -> None:
        super().__init__(**kw)
        self.token = token
        self.workspace_id = workspace_id
        self.users: list[dict[str, Any]] = []
        self.projects: list[dict[str, Any]] = []
        self.entries: dict[int, dict[str, Any]] = {}
        self.max_page_size = 1000
        self.me_id: int | None = None
        self._next_id = 1000
        self._version = 0
        self._sorted: tuple[tuple[int, int], list[dict[str, Any]], list[datetime]] | None = None
        w = r"/api/v9/workspaces/{wid}"
        self.route("GET", w, self._workspace)
        self.route("GET", w + "/users", self._users)
        self.route("GET", w + "/projects", self._projects)
        self.route("POST", "/reports/api/v3/workspace/{wid}/search/time_entries", self._search)
        self.route("GET", "/api/v9/me", self._me)
        self.route("GET", "/api/v9/me/time_entries", self._my_entries)

    # --- data ---------------------------------------------------------------
    def add_user(self, email: str, name: str) -> int:
        uid = 100 + len(self.users)
        self.users.append({"id": uid, "email": email, "fullname": name})
        if self.me_id is None:
            self.me_id = uid
        return uid

    def add_project(self, name: str) -> int:
        pid = 500 + len(self.projects)
        self.projects.append(
            {"id": pid, "name": name, "workspace_id": self.workspace_id, "active": True}
        )
        return pid

    def add_entry(
        self,
        user_id: int,
        start: datetime,
        seconds: int | None,
        *,
        project_id: int | None = None,
        description: str = "",
        billable: bool = False,
        workspace_id: int | None = None,
    ) -> int:
        """seconds None: a running timer."""
        self._next_id += 1
        self.entries[self._next_id] = {
            "id": self._next_id,
            "user_id": user_id,
            "project_id": project_id,
            "task_id": None,
            "description": description,
            "billable": billable,
            "start": start,
            "seconds": -1 if seconds is None else seconds,
            "stop": None if seconds is None else start + timedelta(seconds=seconds),
            "at": datetime.now(UTC),
            "workspace_id": workspace_id or self.workspace_id,
            "server_deleted_at": None,
        }
        self._version += 1
        return self._next_id

    def edit(self, entry_id: int, **changes: Any) -> None:
        self.entries[entry_id].update(changes, at=datetime.now(UTC))
        self._version += 1

    def delete(self, entry_id: int) -> None:
        """Deleted as Toggl does: gone from reports, listed by `since` with server_deleted_at."""
        now = datetime.now(UTC)
        self.entries[entry_id].update(server_deleted_at=now, at=now)
        self._version += 1

    def _by_start(self) -> tuple[list[dict[str, Any]], list[datetime]]:
        """Entries by (start, id), cached until an entry is added, edited or deleted."""
        key = (self._version, len(self.entries))
        if self._sorted is None or self._sorted[0] != key:
            live = (
                e
                for e in self.entries.values()
                if not e.get("server_deleted_at")
                and e.get("workspace_id", self.workspace_id) == self.workspace_id
            )
            rows = sorted(live, key=lambda e: (e["start"], e["id"]))
            self._sorted = (key, rows, [e["start"] for e in rows])
        return self._sorted[1], self._sorted[2]

    # --- API ----------------------------------------------------------------
    def authorized(self, req: Req) -> Reply | None:
        expected = "Basic " + base64.b64encode(f"{self.token}:api_token".encode()).decode()
        if req.headers.get("authorization") != expected:
            return Reply(403, "Incorrect username and/or password", content_type="text/plain")
        return None

    def _wid_ok(self, p: dict[str, str]) -> bool:
        return p["wid"] == str(self.workspace_id)

    def _workspace(self, req: Req, p: dict[str, str]) -> Reply:
        if not self._wid_ok(p):
            return Reply(
                403, "User cannot access the selected workspace", content_type="text/plain"
            )
        return Reply(200, {"id": self.workspace_id, "name": "Stand-in Workspace"})

    def _users(self, req: Req, p: dict[str, str]) -> Reply:
        return Reply(200, self.users) if self._wid_ok(p) else Reply(403, "forbidden")

    def _projects(self, req: Req, p: dict[str, str]) -> Reply:
        page, per_page = int(req.q("page", "1") or 1), int(req.q("per_page", "151") or 151)
        start = (page - 1) * per_page
        return Reply(200, self.projects[start : start + per_page])

    def _search(self, req: Req, p: dict[str, str]) -> Reply:
        if not self._wid_ok(p):
            return Reply(403, "forbidden", content_type="text/plain")
        body = req.json()
        first_day = datetime.fromisoformat(body["start_date"]).replace(tzinfo=UTC)
        last_day = datetime.fromisoformat(body["end_date"]).replace(tzinfo=UTC)
        size = int(body.get("page_size") or 50)
        if size > self.max_page_size:
            return Reply(
                400, f"page_size must be at most {self.max_page_size}", content_type="text/plain"
            )
        first = int(body.get("first_row_number") or 1)
        rows_by_start, starts = self._by_start()
        lo = bisect.bisect_left(starts, first_day)
        hi = bisect.bisect_left(starts, last_day + timedelta(days=1))
        matching = rows_by_start[lo:hi]
        if body.get("user_ids"):
            wanted = set(body["user_ids"])
            matching = [e for e in matching if e["user_id"] in wanted]
        chunk = matching[first - 1 : first - 1 + size]
        names = {u["id"]: u["fullname"] for u in self.users}
        rows = [
            {
                "user_id": e["user_id"],
                "username": names.get(e["user_id"], "?"),
                "project_id": e["project_id"],
                "task_id": e["task_id"],
                "description": e["description"],
                "billable": e["billable"],
                "tag_ids": [],
                "row_number": first + i,
                "time_entries": [
                    {
                        "id": e["id"],
                        "seconds": e["seconds"],
                        "start": _iso(e["start"]),
                        "stop": _iso(e["stop"]) if e["stop"] else None,
                        "at": _iso(e["at"]),
                    }
                ],
            }
            for i, e in enumerate(chunk)
        ]
        headers = {}
        if first - 1 + size < len(matching):
            headers["X-Next-Row-Number"] = str(first + size)
            headers["X-Next-ID"] = str(matching[first - 1 + size]["id"])
        return Reply(200, rows, headers)

    def _me(self, req: Req, p: dict[str, str]) -> Reply:
        user = next((u for u in self.users if u["id"] == self.me_id), None)
        if user is None:
            return Reply(404, "user not found", content_type="text/plain")
        return Reply(200, {**user, "default_workspace_id": self.workspace_id})

    def _my_entries(self, req: Req, p: dict[str, str]) -> Reply:
        mine = [e for e in self.entries.values() if e["user_id"] == self.me_id]
        since = req.q("since")
        if since is not None:
            cutoff = datetime.fromtimestamp(int(since), UTC)
            mine = [e for e in mine if e["at"] >= cutoff]
        else:
            mine = [e for e in mine if not e.get("server_deleted_at")]
            first, last = req.q("start_date"), req.q("end_date")
            if first and last:
                lo = datetime.fromisoformat(first).replace(tzinfo=UTC)
                hi = datetime.fromisoformat(last).replace(tzinfo=UTC)
                mine = [e for e in mine if lo <= e["start"] < hi]
        mine.sort(key=lambda e: e["start"], reverse=True)  # newest first, as Toggl lists
        return Reply(
            200,
            [
                {
                    "id": e["id"],
                    "workspace_id": e.get("workspace_id", self.workspace_id),
                    "project_id": e["project_id"],
                    "task_id": e["task_id"],
                    "user_id": e["user_id"],
                    "description": e["description"],
                    "start": _iso(e["start"]),
                    "stop": _iso(e["stop"]) if e["stop"] else None,
                    "duration": e["seconds"],
                    "billable": e["billable"],
                    "tags": [],
                    "tag_ids": [],
                    "duronly": True,
                    "at": _iso(e["at"]),
                    "server_deleted_at": (
                        _iso(e["server_deleted_at"]) if e.get("server_deleted_at") else None
                    ),
                }
                for e in mine
            ],
        )
