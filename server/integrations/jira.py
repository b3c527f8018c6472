"""Jira Cloud (REST API v3 worklogs) — two-way.

- Auth: HTTP Basic `<email>:<API token>` (a refused token answers 401).
  Base URL `https://<site>.atlassian.net`. A person's own OAuth 2.0 (3LO)
  connection sends `Bearer <access token>` to
  `https://api.atlassian.com/ex/jira/<cloudId>` instead (same paths).
- Validation: `GET /rest/api/3/myself`. Users: `GET /rest/api/3/users/search
  ?startAt&maxResults` (a short page ends it; emails only where visible).
- Changes: `GET /rest/api/3/worklog/updated?since=<ms>` and
  `GET /rest/api/3/worklog/deleted?since=<ms>` → `{values[{worklogId,
  updatedTime}], nextPage, lastPage}` (1000 per page, oldest first; worklogs
  changed in the last minute are left out — the run's cursor keeps 5 minutes
  of overlap); the ids are read with `POST /rest/api/3/worklog/list {ids}`
  (≤ 1000), their issue keys with `GET /rest/api/3/issue/{id}?fields=key`.
- Writes per issue: `POST /rest/api/3/issue/{key}/worklog`, `PUT|DELETE
  .../worklog/{id}`, all with `adjustEstimate=leave&notifyUsers=false` (the
  remaining estimate and watchers are left alone).
- Fields: `id, issueId, author{accountId, emailAddress, displayName},
  started` (`2021-01-17T12:34:00.000+0000` — `Z` or `+00:00` is refused),
  `timeSpentSeconds` (under 60 → 400), `comment` (an ADF document in v3),
  `updated`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

import httpx

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

API = "/rest/api/3"
WRITE = {"adjustEstimate": "leave", "notifyUsers": "false"}


def jira_started(when: datetime) -> str:
    """`yyyy-MM-dd'T'HH:mm:ss.SSSZ` in UTC, e.g. `2024-01-01T09:00:00.000+0000`."""
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + (
        f"{when.microsecond // 1000:03d}+0000"
    )


def adf(text: str | None) -> dict[str, Any]:
    content = [{"type": "paragraph", "content": [{"type": "text", "text": text}]}] if text else []
    return {"type": "doc", "version": 1, "content": content}


def adf_text(node: Any) -> str:
    """Plain text of an ADF document (paragraphs joined by newlines); v2 strings pass."""
    if node is None:
        return ""
    if isinstance(node, str):
        return node
    if node.get("type") == "text":
        return str(node.get("text") or "")
    parts = [adf_text(child) for child in node.get("content") or []]
    joiner = "\n" if node.get("type") == "doc" else ""
    return joiner.join(parts)


class JiraConnector(Connector):
    provider: ClassVar[str] = "jira"
    two_way: ClassVar[bool] = True
    updated_since: ClassVar[bool] = True
    lists_deletions: ClassVar[bool] = True
    default_base_url: ClassVar[str] = ""
    credential_fields: ClassVar[tuple[str, ...]] = ("email", "apiToken")
    # The OAuth app people's own OAuth connections refresh through.
    optional_credentials: ClassVar[tuple[str, ...]] = ("oauthClientId", "oauthClientSecret")
    ticket_pattern: ClassVar[str | None] = r"^[A-Z][A-Z0-9_]+-\d+$"

    @classmethod
    def auth(cls, credentials: dict[str, str]) -> dict[str, Any]:
        if credentials.get("accessToken"):  # OAuth 2.0 (3LO), through api.atlassian.com
            return {"headers": {"Authorization": f"Bearer {credentials['accessToken']}"}}
        return {"auth": httpx.BasicAuth(credentials["email"], credentials["apiToken"])}

    def __init__(self, *args: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self._keys: dict[str, str] = {}  # issue id → key

    async def validate(self) -> AccountInfo:
        try:
            me = await self.http.get_json(f"{API}/myself")
        except ProviderError as exc:
            if exc.status in (401, 403):
                raise ConnectionRejected(
                    f"Jira refused the email and API token: {exc.reason}", status=exc.status
                ) from None
            raise
        return AccountInfo(
            label=f"Jira ({me.get('emailAddress') or me.get('displayName')})",
            external_id=str(me["accountId"]) if me.get("accountId") else None,
        )

    async def list_users(self) -> list[ExternalRef]:
        out: list[ExternalRef] = []
        start, size = 0, 100
        while True:
            rows = await self.http.get_json(
                f"{API}/users/search", params={"startAt": start, "maxResults": size}
            )
            out += [
                ExternalRef(str(u["accountId"]), u.get("displayName"), u.get("emailAddress"))
                for u in rows
                if u.get("accountId")
            ]
            if len(rows) < size:
                return out
            start += size

    async def _feed(self, path: str, since_ms: int) -> AsyncIterator[list[str]]:
        url: str | None = path
        params: dict[str, Any] | None = {"since": since_ms}
        while url:
            body = await self.http.get_json(url, params=params)
            yield [str(v["worklogId"]) for v in body.get("values") or []]
            if body.get("lastPage", True):
                return
            url, params = body.get("nextPage"), None  # a full URL with every parameter

    async def _key(self, issue_id: str) -> str:
        if issue_id not in self._keys:
            body = await self.http.get_json(f"{API}/issue/{issue_id}", params={"fields": "key"})
            self._keys[issue_id] = str(body["key"])
        return self._keys[issue_id]

    async def list_entries(self, window: Window) -> AsyncIterator[Page]:
        since = window.updated_since or window.start
        since_ms = int(since.timestamp() * 1000)
        async for ids in self._feed(f"{API}/worklog/updated", since_ms):
            page = Page()
            for i in range(0, len(ids), 1000):
                body, _ = await self.http.post_json(
                    f"{API}/worklog/list", {"ids": ids[i : i + 1000]}
                )
                for row in body:
                    try:
                        key = await self._key(str(row["issueId"]))
                        page.entries.append(self.normalize(row, key))
                    except ProviderError as exc:
                        if exc.status != 404:
                            raise
                        page.errors.append(RecordError(str(row.get("id")), exc.reason))
                    except (KeyError, TypeError, ValueError, OverflowError) as exc:
                        page.errors.append(
                            RecordError(str(row.get("id")), f"unreadable Jira worklog: {exc}")
                        )
            yield page
        async for ids in self._feed(f"{API}/worklog/deleted", since_ms):
            yield Page(deleted=ids)

    def normalize(self, row: dict[str, Any], key: str) -> ExternalEntry:
        start = parse_instant(str(row["started"]))
        seconds = int(row["timeSpentSeconds"])
        author = row.get("author") or {}
        return ExternalEntry(
            external_id=str(row["id"]),
            user=ExternalRef(
                str(author["accountId"]), author.get("displayName"), author.get("emailAddress")
            ),
            start=start,
            end=start + timedelta(seconds=seconds),
            duration_seconds=seconds,
            description=adf_text(row.get("comment")) or None,
            ticket_key=key,
            remote_updated_at=parse_instant(str(row["updated"])) if row.get("updated") else None,
        )

    def _body(self, entry: ExternalEntry) -> dict[str, Any]:
        return {
            "started": jira_started(entry.start),
            "timeSpentSeconds": entry.duration_seconds,
            "comment": adf(entry.description),
        }

    async def create_entry(self, entry: ExternalEntry) -> ExternalEntry:
        key = str(entry.ticket_key)
        body, _ = await self.http.post_json(
            f"{API}/issue/{key}/worklog", self._body(entry), params=WRITE
        )
        return self.normalize(body, key)

    async def update_entry(self, external_id: str, entry: ExternalEntry) -> ExternalEntry:
        key = str(entry.ticket_key)
        response = await self.http.request(
            "PUT", f"{API}/issue/{key}/worklog/{external_id}", params=WRITE, json=self._body(entry)
        )
        return self.normalize(decode_json(response, self.provider), key)

    async def delete_entry(self, external_id: str, ticket_key: str | None) -> None:
        await self.http.request(
            "DELETE",
            f"{API}/issue/{ticket_key}/worklog/{external_id}",
            params=WRITE,
            ok=(200, 204, 404),
        )
