"""Tempo Cloud (REST API v4).

- Auth: `Authorization: Bearer <token>`; a bad token is answered 401. The base
  URL is `https://api.tempo.io` (or the EU/US cluster, `api.eu.tempo.io` /
  `api.us.tempo.io`: a wrong cluster also answers 401).
- Validation: `GET /4/worklogs?limit=1`.
- Entries: `GET /4/worklogs?from=&to=` (YYYY-MM-DD, both inclusive) with
  `offset`/`limit` (max 5000); the envelope is `{metadata{count, offset, limit,
  next}, results}` and `metadata.next` is the full URL of the next page.
  Incremental runs add `updatedFrom` with `orderBy=UPDATED`.
- Fields: `tempoWorklogId, issue{id}, author{accountId}, timeSpentSeconds,
  billableSeconds, startDate, startTime ("HH:mm:ss", or seconds since
  midnight in some examples), description, updatedAt`. The start is a local
  time without offset: it is read in the integration's `timezone` setting
  (default UTC). There are no emails: authors are mapped by accountId.
- Deletions are not listed: a window run removes what the window lost.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, time, timedelta
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
from server.integrations.http import ProviderError
from server.integrations.values import parse_instant

MAX_PAGE_SIZE = 5000


class TempoConnector(Connector):
    provider: ClassVar[str] = "tempo"
    updated_since: ClassVar[bool] = True
    default_base_url: ClassVar[str] = "https://api.tempo.io"
    credential_fields: ClassVar[tuple[str, ...]] = ("apiToken",)

    @classmethod
    def auth(cls, credentials: dict[str, str]) -> dict[str, Any]:
        return {"headers": {"Authorization": f"Bearer {credentials['apiToken']}"}}

    async def validate(self) -> AccountInfo:
        try:
            await self.http.get_json("/4/worklogs", params={"limit": 1})
        except ProviderError as exc:
            if exc.status in (401, 403):
                raise ConnectionRejected(
                    f"Tempo refused the API token (check the token and the EU/US cluster): "
                    f"{exc.reason}",
                    status=exc.status,
                ) from None
            raise
        return AccountInfo(label="Tempo")

    async def list_entries(self, window: Window) -> AsyncIterator[Page]:
        zone = ZoneInfo(str(self.settings.get("timezone") or "UTC"))
        size = min(int(self.settings.get("pageSize") or 1000), MAX_PAGE_SIZE)
        params: dict[str, Any] = {
            "from": window.start.astimezone(zone).date().isoformat(),
            "to": (window.end - timedelta(microseconds=1)).astimezone(zone).date().isoformat(),
            "offset": 0,
            "limit": size,
        }
        if window.updated_since is not None:
            params["updatedFrom"] = window.updated_since.strftime("%Y-%m-%dT%H:%M:%SZ")
            params["orderBy"] = "UPDATED"
        url: str | None = "/4/worklogs"
        query: dict[str, Any] | None = params
        while url:
            body = await self.http.get_json(url, params=query)
            yield _page(body.get("results") or [], zone, window)
            url = (body.get("metadata") or {}).get("next")
            query = None  # `next` carries every parameter (an empty dict would drop them)


def _start(row: dict[str, Any], zone: ZoneInfo) -> datetime:
    raw_time = row.get("startTime") or "00:00:00"
    if isinstance(raw_time, int) or str(raw_time).isdigit():
        secs = int(raw_time)
        clock = time(secs // 3600, secs % 3600 // 60, secs % 60)
    else:
        clock = time.fromisoformat(str(raw_time))
    day = datetime.fromisoformat(str(row["startDate"])[:10]).date()
    local = datetime.combine(day, clock, tzinfo=zone)
    return parse_instant(local.isoformat())


def _page(rows: list[dict[str, Any]], zone: ZoneInfo, window: Window) -> Page:
    page = Page()
    for row in rows:
        eid = str(row.get("tempoWorklogId"))
        try:
            start = _start(row, zone)
            seconds = int(row["timeSpentSeconds"])
            issue = row.get("issue") or {}
            billable = row.get("billableSeconds")
            page.entries.append(
                ExternalEntry(
                    external_id=eid,
                    user=ExternalRef(str(row["author"]["accountId"])),
                    start=start,
                    end=start + timedelta(seconds=seconds),
                    duration_seconds=seconds,
                    # A worklog belongs to a Jira issue; admins map issues to projects.
                    project=ExternalRef(f"issue:{issue['id']}") if issue.get("id") else None,
                    description=row.get("description") or None,
                    billable=None if billable is None else int(billable) > 0,
                    remote_updated_at=(
                        parse_instant(row["updatedAt"]) if row.get("updatedAt") else None
                    ),
                )
            )
        except (KeyError, TypeError, ValueError, OverflowError) as exc:
            page.errors.append(RecordError(eid, f"unreadable Tempo worklog: {exc}"))
    return page
