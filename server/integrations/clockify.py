"""Clockify (API v1).

- Auth: header `X-Api-Key`; a bad key is answered 401.
- Validation: `GET /api/v1/workspaces/{workspaceId}` (proves key and workspace).
- Users: `GET /api/v1/workspaces/{wid}/users?page=&page-size=` (id, email, name).
- Projects: `GET /api/v1/workspaces/{wid}/projects?page=&page-size=`.
- Entries, per user: `GET /api/v1/workspaces/{wid}/user/{uid}/time-entries` with
  `start`/`end` (`yyyy-MM-ddTHH:mm:ssZ`), `page` (1-based) and `page-size`; there
  is no total, a short page is the last.
- Fields: `id, userId, projectId, taskId, description, billable,
  timeInterval{start, end, duration}` with `duration` an ISO-8601 string
  (`PT1H30M`); `end`/`duration` are null while the timer runs (skipped).
- There is no updated-since filter and deletions simply vanish: incremental
  runs re-read a window, and a window run removes what the window lost.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
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
from server.integrations.values import iso_duration_seconds, parse_instant, ref_or_none

MAX_PAGE_SIZE = 5000


def _z(instant: Any) -> str:
    return str(instant.strftime("%Y-%m-%dT%H:%M:%SZ"))


class ClockifyConnector(Connector):
    provider: ClassVar[str] = "clockify"
    default_base_url: ClassVar[str] = "https://api.clockify.me"
    credential_fields: ClassVar[tuple[str, ...]] = ("apiKey",)
    required_settings: ClassVar[tuple[str, ...]] = ("workspaceId",)

    @classmethod
    def auth(cls, credentials: dict[str, str]) -> dict[str, Any]:
        return {"headers": {"X-Api-Key": credentials["apiKey"]}}

    @property
    def _wid(self) -> str:
        return str(self.settings["workspaceId"])

    @property
    def _size(self) -> int:
        return min(int(self.settings.get("pageSize") or 200), MAX_PAGE_SIZE)

    async def validate(self) -> AccountInfo:
        try:
            body = await self.http.get_json(f"/api/v1/workspaces/{self._wid}")
        except ProviderError as exc:
            if exc.status in (400, 401, 403, 404):
                raise ConnectionRejected(
                    f"Clockify refused the API key or workspace {self._wid}: {exc.reason}",
                    status=exc.status,
                ) from None
            raise
        return AccountInfo(label=f"Clockify workspace {body.get('name') or self._wid}")

    async def _paged(self, url: str, params: dict[str, Any]) -> AsyncIterator[list[Any]]:
        page = 1
        while True:
            rows = await self.http.get_json(
                url, params={**params, "page": page, "page-size": self._size}
            )
            yield rows
            if len(rows) < self._size:
                return
            page += 1

    async def list_users(self) -> list[ExternalRef]:
        out: list[ExternalRef] = []
        async for rows in self._paged(f"/api/v1/workspaces/{self._wid}/users", {}):
            out += [ExternalRef(str(u["id"]), u.get("name"), u.get("email")) for u in rows]
        return out

    async def list_projects(self) -> list[ExternalRef]:
        out: list[ExternalRef] = []
        async for rows in self._paged(f"/api/v1/workspaces/{self._wid}/projects", {}):
            out += [ExternalRef(str(p["id"]), p.get("name")) for p in rows]
        return out

    async def list_entries(self, window: Window) -> AsyncIterator[Page]:
        params = {"start": _z(window.start), "end": _z(window.end)}
        for user in await self.list_users():
            url = f"/api/v1/workspaces/{self._wid}/user/{user.id}/time-entries"
            async for rows in self._paged(url, params):
                yield _page(rows, user)


def _page(rows: list[dict[str, Any]], user: ExternalRef) -> Page:
    page = Page()
    for row in rows:
        eid = str(row.get("id"))
        try:
            interval = row["timeInterval"]
            start = parse_instant(interval["start"])
            running = not interval.get("end") or not interval.get("duration")
            page.entries.append(
                ExternalEntry(
                    external_id=eid,
                    user=user
                    if str(row.get("userId")) == user.id
                    else ExternalRef(str(row.get("userId"))),
                    start=start,
                    end=None if running else parse_instant(interval["end"]),
                    duration_seconds=0 if running else iso_duration_seconds(interval["duration"]),
                    project=ref_or_none(row.get("projectId")),
                    task=ref_or_none(row.get("taskId")),
                    description=row.get("description") or None,
                    billable=bool(row.get("billable")),
                )
            )
        except (KeyError, TypeError, ValueError) as exc:
            page.errors.append(RecordError(eid, f"unreadable Clockify entry: {exc}"))
    return page
