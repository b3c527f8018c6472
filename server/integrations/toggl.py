"""Toggl Track (API v9 + Reports API v3).

- Auth: HTTP Basic `<api token>:api_token`; a bad token is answered 403.
- Validation: `GET /api/v9/workspaces/{workspaceId}` (proves token and workspace).
- Users: `GET /api/v9/workspaces/{wid}/users` (id, email, fullname).
- Projects: `GET /api/v9/workspaces/{wid}/projects?page=&per_page=` (short page ends).
- Entries, workspace-wide: Reports v3 `POST /reports/api/v3/workspace/{wid}/search/
  time_entries` with `start_date`/`end_date` (YYYY-MM-DD, end inclusive),
  `page_size`, `first_row_number`; the next page's row number comes in the
  `X-Next-Row-Number` header, absent on the last page. Rows group entries
  sharing user/project/description: `time_entries[{id, seconds, start, stop, at}]`.
- Units: seconds. A running timer has a negative duration (or no `stop`) and
  is skipped until it stops. The report lists no deleted entries, so a window
  run removes what the window no longer holds.
- `scope: "me"` (setting): only the token owner's entries (`GET /api/v9/me`
  gives their id; window runs filter the report by `user_ids`). Then a
  scheduled run asks v9 `GET /api/v9/me/time_entries?since=<unix seconds>`
  for what changed since the high-water mark, deleted entries included
  (`server_deleted_at` set) — an endpoint that only ever lists the token
  owner's own entries, which is why a workspace-wide integration cannot use
  it. Its history is short (about three months), so a mark older than
  `SINCE_DAYS` re-reads a window instead.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

from server.integrations.base import (
    AccountInfo,
    ConnectionRejected,
    Connector,
    ExternalEntry,
    ExternalRef,
    Page,
    RecordError,
    Window,
)
from server.integrations.http import ProviderError
from server.integrations.values import parse_instant, ref_or_none

MAX_PAGE_SIZE = 1000
SINCE_DAYS = 60


class TogglConnector(Connector):
    provider: ClassVar[str] = "toggl"
    default_base_url: ClassVar[str] = "https://api.track.toggl.com"
    credential_fields: ClassVar[tuple[str, ...]] = ("apiToken",)
    required_settings: ClassVar[tuple[str, ...]] = ("workspaceId",)

    @classmethod
    def auth(cls, credentials: dict[str, str]) -> dict[str, Any]:
        return {"auth": (credentials["apiToken"], "api_token")}

    @property
    def _wid(self) -> str:
        return str(self.settings["workspaceId"])

    @property
    def _own_only(self) -> bool:
        return self.settings.get("scope") == "me"

    def incremental(self, mark: datetime) -> bool:
        return self._own_only and mark > datetime.now(UTC) - timedelta(days=SINCE_DAYS)

    async def validate(self) -> AccountInfo:
        try:
            body = await self.http.get_json(f"/api/v9/workspaces/{self._wid}")
        except ProviderError as exc:
            if exc.status in (401, 403, 404):
                raise ConnectionRejected(
                    f"Toggl refused the API token or workspace {self._wid}: {exc.reason}",
                    status=exc.status,
                ) from None
            raise
        return AccountInfo(label=f"Toggl workspace {body.get('name') or self._wid}")

    async def list_users(self) -> list[ExternalRef]:
        rows = await self.http.get_json(f"/api/v9/workspaces/{self._wid}/users")
        return [
            ExternalRef(str(u["id"]), u.get("fullname") or u.get("name"), u.get("email"))
            for u in rows
        ]

    async def list_projects(self) -> list[ExternalRef]:
        out: list[ExternalRef] = []
        page, per_page = 1, 200
        while True:
            rows = await self.http.get_json(
                f"/api/v9/workspaces/{self._wid}/projects",
                params={"page": page, "per_page": per_page},
            )
            out += [ExternalRef(str(p["id"]), p.get("name")) for p in rows]
            if len(rows) < per_page:
                return out
            page += 1

    async def list_entries(self, window: Window) -> AsyncIterator[Page]:
        if window.updated_since is not None:
            since = int(window.updated_since.timestamp())
            rows = await self.http.get_json("/api/v9/me/time_entries", params={"since": since})
            yield _changes(rows, self._wid)
            return
        size = min(int(self.settings.get("pageSize") or 50), MAX_PAGE_SIZE)
        body: dict[str, Any] = {
            "start_date": window.start.date().isoformat(),
            # The report's end date is inclusive; the window's end is not.
            "end_date": (window.end - timedelta(microseconds=1)).date().isoformat(),
            "page_size": size,
            "order_by": "date",
            "order_dir": "asc",
        }
        if self._own_only:
            me = await self.http.get_json("/api/v9/me")
            body["user_ids"] = [me["id"]]
        url = f"/reports/api/v3/workspace/{self._wid}/search/time_entries"
        while True:
            rows, response = await self.http.post_json(url, body)
            yield _page(rows, window)
            nxt = response.headers.get("x-next-row-number")
            if not nxt or not rows:
                return
            body["first_row_number"] = int(nxt)


def _page(rows: list[dict[str, Any]], window: Window) -> Page:
    page = Page()
    refs: dict[tuple[Any, ...], tuple[ExternalRef, ExternalRef | None, ExternalRef | None]] = {}
    for row in rows:
        get = row.get
        key = (
            get("user_id"), get("username"), get("email"),
            get("project_id"), get("project_name"), get("task_id"), get("task_name"),
        )  # fmt: skip
        try:
            found, cache = refs.get(key), True
        except TypeError:  # an unhashable value (not Toggl's shape): made for this row only
            found, cache = None, False
        if found is None:  # a page repeats a few people and projects: their refs made once
            found = (
                ExternalRef(str(key[0]), key[1], key[2]),
                ref_or_none(key[3], key[4]),
                ref_or_none(key[5], key[6]),
            )
            if cache:
                refs[key] = found
        user, project, task = found
        for te in row.get("time_entries") or []:
            eid = str(te.get("id"))
            try:
                start = parse_instant(te["start"])
                seconds = int(te.get("seconds") or 0)
                stop = te.get("stop")
                running = stop is None or seconds < 0
                if start < window.start or start >= window.end:
                    continue
                page.entries.append(
                    ExternalEntry(
                        external_id=eid,
                        user=user,
                        start=start,
                        end=None if running else parse_instant(stop),
                        duration_seconds=0 if running else seconds,
                        project=project,
                        task=task,
                        description=row.get("description") or None,
                        billable=bool(row.get("billable")),
                        remote_updated_at=parse_instant(te["at"]) if te.get("at") else None,
                    )
                )
            except (KeyError, TypeError, ValueError) as exc:
                page.errors.append(RecordError(eid, f"unreadable Toggl entry: {exc}"))
    return page


def _changes(rows: Any, wid: str) -> Page:
    """v9 time entries changed since the mark: deleted ones by id, the rest in full."""
    page = Page()
    for te in rows:
        if str(te.get("workspace_id", te.get("wid"))) != wid:
            continue  # the token owner's entries in other workspaces
        eid = str(te.get("id"))
        if te.get("server_deleted_at"):
            page.deleted.append(eid)
            continue
        try:
            start = parse_instant(te["start"])
            seconds = int(te.get("duration") or 0)
            stop = te.get("stop")
            running = stop is None or seconds < 0
            page.entries.append(
                ExternalEntry(
                    external_id=eid,
                    user=ExternalRef(str(te.get("user_id", te.get("uid")))),
                    start=start,
                    end=None if running else parse_instant(stop),
                    duration_seconds=0 if running else seconds,
                    project=ref_or_none(te.get("project_id")),
                    task=ref_or_none(te.get("task_id")),
                    description=te.get("description") or None,
                    billable=bool(te.get("billable")),
                    remote_updated_at=parse_instant(te["at"]) if te.get("at") else None,
                )
            )
        except (KeyError, TypeError, ValueError) as exc:
            page.errors.append(RecordError(eid, f"unreadable Toggl entry: {exc}"))
    return page
