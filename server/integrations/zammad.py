"""Zammad (REST API, ticket time accounting) — two-way.

- Auth: `Authorization: Token token=<access token>` (docs.zammad.org, "API
  Introduction"); a refused token answers 401.
- Validation: `GET /api/v1/users/me`.
- Users: `GET /api/v1/users?page&per_page` (emails, for mapping by email).
- Activities: `GET /api/v1/ticket_time_accounting_types` (the time-accounting
  types; mapped to Hubnity activities).
- Tickets: `GET /api/v1/tickets?page&per_page` — no total count: an empty
  page is the end. Time accountings have no updated-since filter and no
  deletion feed, so a run reads the accountings of every ticket (or, after a
  webhook, of the ticket it named) and each ticket's list is complete: a
  linked accounting missing from it was deleted in Zammad.
- Accountings: `GET|POST /api/v1/tickets/{ticket_id}/time_accountings`,
  `PUT|DELETE .../{id}` (docs.zammad.org, "Time Accounting"). Fields `id,
  ticket_id, time_unit` (a decimal string, unitless: the `timeUnitSeconds`
  setting says what one unit is, default 60 = minutes), `type_id,
  created_by_id, created_at, updated_at`. There is no start time: the record
  is read as ending at `created_at`, and pushing cannot set a start (links
  keep Hubnity's start).
- Ticket keys: the ticket id (the number in `#ticket/zoom/<id>`).
- Webhooks: `X-Hub-Signature: sha1=<hex HMAC-SHA1(secret, raw body)>`,
  `X-Zammad-Delivery` (unique per delivery); see server/integrations/webhooks.py.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from decimal import Decimal, InvalidOperation
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
from server.integrations.http import ProviderError, decode_json
from server.integrations.values import parse_instant

API = "/api/v1"


class ZammadConnector(Connector):
    provider: ClassVar[str] = "zammad"
    two_way: ClassVar[bool] = True
    default_base_url: ClassVar[str] = ""
    credential_fields: ClassVar[tuple[str, ...]] = ("apiToken",)
    optional_credentials: ClassVar[tuple[str, ...]] = ("webhookSecret",)
    ticket_pattern: ClassVar[str | None] = r"^\d+$"
    carries_start: ClassVar[bool] = False

    @classmethod
    def auth(cls, credentials: dict[str, str]) -> dict[str, Any]:
        return {"headers": {"Authorization": f"Token token={credentials['apiToken']}"}}

    @property
    def unit_seconds(self) -> int:
        return int(self.settings.get("timeUnitSeconds") or 60)

    async def validate(self) -> AccountInfo:
        try:
            me = await self.http.get_json(f"{API}/users/me")
        except ProviderError as exc:
            if exc.status in (401, 403):
                raise ConnectionRejected(
                    f"Zammad refused the access token: {exc.reason}", status=exc.status
                ) from None
            raise
        return AccountInfo(
            label=f"Zammad ({me.get('email') or me.get('login') or 'token'})",
            external_id=str(me["id"]) if me.get("id") is not None else None,
        )

    async def _pages(self, path: str) -> AsyncIterator[list[dict[str, Any]]]:
        size = min(int(self.settings.get("pageSize") or 100), 1000)
        page = 1
        while True:
            rows = await self.http.get_json(path, params={"page": page, "per_page": size})
            if not rows:
                return
            yield rows
            if len(rows) < size:
                return
            page += 1

    async def list_users(self) -> list[ExternalRef]:
        out = []
        async for rows in self._pages(f"{API}/users"):
            for u in rows:
                name = " ".join(x for x in (u.get("firstname"), u.get("lastname")) if x)
                out.append(ExternalRef(str(u["id"]), name or u.get("login"), u.get("email")))
        return out

    async def list_activities(self) -> list[ExternalRef]:
        rows = await self.http.get_json(f"{API}/ticket_time_accounting_types")
        return [ExternalRef(str(t["id"]), t.get("name")) for t in rows]

    async def list_entries(self, window: Window) -> AsyncIterator[Page]:
        if window.tickets is not None:
            tickets = list(window.tickets)
        else:
            tickets = []
            async for rows in self._pages(f"{API}/tickets"):
                tickets.extend(str(t["id"]) for t in rows)
        for ticket in tickets:
            try:
                rows = await self.http.get_json(f"{API}/tickets/{ticket}/time_accountings")
            except ProviderError as exc:
                if exc.status == 404:  # the ticket is gone: its worklogs with it
                    yield Page(complete_tickets=[ticket])
                    continue
                raise
            yield self.page(rows, ticket)

    def page(self, rows: list[dict[str, Any]], ticket: str) -> Page:
        page = Page(complete_tickets=[ticket])
        for row in rows:
            try:
                page.entries.append(self.normalize(row))
            except (KeyError, TypeError, ValueError, OverflowError, InvalidOperation) as exc:
                page.errors.append(
                    RecordError(str(row.get("id")), f"unreadable Zammad time accounting: {exc}")
                )
        return page

    def normalize(self, row: dict[str, Any]) -> ExternalEntry:
        seconds = int(Decimal(str(row["time_unit"])) * self.unit_seconds)
        end = parse_instant(str(row["created_at"]))
        type_id = row.get("type_id")
        return ExternalEntry(
            external_id=str(row["id"]),
            user=ExternalRef(str(row["created_by_id"])),
            start=end - timedelta(seconds=seconds),
            end=end,
            duration_seconds=seconds,
            activity=ExternalRef(str(type_id)) if type_id else None,
            ticket_key=str(row["ticket_id"]),
            remote_updated_at=parse_instant(str(row["updated_at"])),
        )

    def _body(self, entry: ExternalEntry) -> dict[str, Any]:
        units = Decimal(entry.duration_seconds) / Decimal(self.unit_seconds)
        body: dict[str, Any] = {"time_unit": f"{units:.2f}"}
        if entry.activity is not None:
            body["type_id"] = int(entry.activity.id)
        return body

    async def create_entry(self, entry: ExternalEntry) -> ExternalEntry:
        body, _ = await self.http.post_json(
            f"{API}/tickets/{entry.ticket_key}/time_accountings", self._body(entry)
        )
        return self.normalize(body)

    async def update_entry(self, external_id: str, entry: ExternalEntry) -> ExternalEntry:
        response = await self.http.request(
            "PUT",
            f"{API}/tickets/{entry.ticket_key}/time_accountings/{external_id}",
            json=self._body(entry),
        )
        return self.normalize(decode_json(response, self.provider))

    async def delete_entry(self, external_id: str, ticket_key: str | None) -> None:
        await self.http.request(
            "DELETE",
            f"{API}/tickets/{ticket_key}/time_accountings/{external_id}",
            ok=(200, 204, 404),
        )
