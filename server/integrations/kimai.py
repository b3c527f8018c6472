"""Kimai 2 (REST API) — two-way, timesheets by project mapping.

- Auth: `Authorization: Bearer <API token>` (kimai.org/documentation/rest-api.html,
  tokens since 2.17); a refused token answers 401.
- Validation: `GET /api/users/me`. Users `GET /api/users` (id, username,
  alias; an email-like username or the `email` field maps by email), masters
  `GET /api/projects`, `GET /api/activities` (not paginated).
- Timesheets: `GET /api/timesheets?modified_after&begin&page&size&user=all`
  (`modified_after` in UTC, `begin` a local HTML5 date-time), pages by
  `page`/`size` with `X-Total-Pages`; `POST /api/timesheets`,
  `PATCH|DELETE /api/timesheets/{id}`.
- Dates: answers carry ISO 8601 with the user's offset; requests use local
  `YYYY-MM-DDThh:mm:ss` without offset, in the `timezone` setting (the Kimai
  user's zone, default UTC). `duration` is seconds.
- Deletions are invisible to `modified_after`: a timesheet deleted in Kimai is
  found when an update pushed to it answers 404 — a conflict (changed here,
  deleted there) that a person settles.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

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
from server.integrations.http import ProviderError, decode_json
from server.integrations.values import parse_instant

LOCAL = "%Y-%m-%dT%H:%M:%S"


class KimaiConnector(Connector):
    provider: ClassVar[str] = "kimai"
    two_way: ClassVar[bool] = True
    updated_since: ClassVar[bool] = True
    default_base_url: ClassVar[str] = ""
    credential_fields: ClassVar[tuple[str, ...]] = ("apiToken",)

    @classmethod
    def auth(cls, credentials: dict[str, str]) -> dict[str, Any]:
        return {"headers": {"Authorization": f"Bearer {credentials['apiToken']}"}}

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(str(self.settings.get("timezone") or "UTC"))

    async def validate(self) -> AccountInfo:
        try:
            me = await self.http.get_json("/api/users/me")
        except ProviderError as exc:
            if exc.status in (401, 403):
                raise ConnectionRejected(
                    f"Kimai refused the API token: {exc.reason}", status=exc.status
                ) from None
            raise
        return AccountInfo(
            label=f"Kimai ({me.get('username') or me.get('alias') or 'token'})",
            external_id=str(me["id"]) if me.get("id") is not None else None,
        )

    async def list_users(self) -> list[ExternalRef]:
        rows = await self.http.get_json("/api/users")
        out = []
        for u in rows:
            username = str(u.get("username") or "")
            email = u.get("email") or (username if "@" in username else None)
            out.append(ExternalRef(str(u["id"]), u.get("alias") or username, email))
        return out

    async def list_projects(self) -> list[ExternalRef]:
        rows = await self.http.get_json("/api/projects")
        return [ExternalRef(str(p["id"]), p.get("name")) for p in rows]

    async def list_activities(self) -> list[ExternalRef]:
        rows = await self.http.get_json("/api/activities")
        return [ExternalRef(str(a["id"]), a.get("name")) for a in rows]

    async def list_entries(self, window: Window) -> AsyncIterator[Page]:
        size = min(int(self.settings.get("pageSize") or 50), 500)
        params: dict[str, Any] = {"size": size, "user": "all", "order": "ASC"}
        if window.updated_since is not None:
            params["modified_after"] = window.updated_since.astimezone(ZoneInfo("UTC")).strftime(
                LOCAL
            )
        else:
            params["begin"] = window.start.astimezone(self.zone).strftime(LOCAL)
            params["end"] = window.end.astimezone(self.zone).strftime(LOCAL)
        page = 1
        while True:
            response = await self.http.request(
                "GET", "/api/timesheets", params={**params, "page": page}, ok=(200, 404)
            )
            if response.status_code == 404:  # Kimai answers 404 past the last page
                return
            rows = decode_json(response, self.provider)
            total = int(response.headers.get("x-total-pages") or 0) or None
            yield self.page(rows, total)
            if not rows or (total is not None and page >= total):
                return
            page += 1

    def page(self, rows: list[dict[str, Any]], total: int | None) -> Page:
        out = Page(total_pages=total)
        for row in rows:
            if row.get("end") is None:
                continue  # a running timesheet: read once it stops
            try:
                out.entries.append(self.normalize(row))
            except (KeyError, TypeError, ValueError) as exc:
                out.errors.append(RecordError(str(row.get("id")), f"unreadable timesheet: {exc}"))
        return out

    def normalize(self, row: dict[str, Any]) -> ExternalEntry:
        def ref(value: Any) -> ExternalRef:
            return ExternalRef(str(value["id"] if isinstance(value, dict) else value))

        start = parse_instant(str(row["begin"]))
        end = parse_instant(str(row["end"]))
        return ExternalEntry(
            external_id=str(row["id"]),
            user=ref(row["user"]),
            start=start,
            end=end,
            duration_seconds=int(row.get("duration") or (end - start).total_seconds()),
            project=ref(row["project"]),
            activity=ref(row["activity"]),
            description=row.get("description") or None,
            billable=row.get("billable"),
        )

    def _body(self, entry: ExternalEntry) -> dict[str, Any]:
        end = entry.end or entry.start + timedelta(seconds=entry.duration_seconds)
        body: dict[str, Any] = {
            "begin": entry.start.astimezone(self.zone).strftime(LOCAL),
            "end": end.astimezone(self.zone).strftime(LOCAL),
            "project": int(entry.project.id) if entry.project else None,
            "activity": int(entry.activity.id) if entry.activity else None,
            "user": int(entry.user.id),
            "description": entry.description or "",
        }
        if entry.billable is not None:
            body["billable"] = entry.billable
        return body

    async def create_entry(self, entry: ExternalEntry) -> ExternalEntry:
        body, _ = await self.http.post_json("/api/timesheets", self._body(entry))
        return self.normalize(body)

    async def update_entry(self, external_id: str, entry: ExternalEntry) -> ExternalEntry:
        response = await self.http.request(
            "PATCH", f"/api/timesheets/{external_id}", json=self._body(entry)
        )
        return self.normalize(decode_json(response, self.provider))

    async def delete_entry(self, external_id: str, ticket_key: str | None) -> None:
        await self.http.request("DELETE", f"/api/timesheets/{external_id}", ok=(200, 204, 404))
