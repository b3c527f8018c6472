"""Tempo Cloud stand-in, after the Tempo REST API v4 OpenAPI (apidocs.tempo.io:
"Retrieve worklogs", the Worklog and PageableMetadata schemas).

- `Authorization: Bearer <token>`; otherwise 401 `{"errors": [{"message": ...}]}`.
- `GET /4/worklogs?from&to` (inclusive dates) `&offset&limit` (max 5000),
  `updatedFrom` (date-time) with `orderBy=UPDATED`; the envelope
  `{self, metadata{count, offset, limit, next?}, results}` where `next` is the
  full URL of the next page.
- Worklog: `tempoWorklogId, issue{id, self}, author{accountId, self},
  timeSpentSeconds, billableSeconds, startDate, startTime ("HH:mm:ss"),
  description, createdAt, updatedAt, attributes{values}`.
- Deleted worklogs are not listed anywhere.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from tests.support.standins.base import Reply, Req, StandIn


def _z(t: datetime) -> str:
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class TempoStandIn(StandIn):
    name = "tempo"

    def __init__(self, token: str = "tempo-token-0123456789", **kw: Any) -> None:
        super().__init__(**kw)
        self.token = token
        self.worklogs: dict[int, dict[str, Any]] = {}
        self._n = 5000
        self.route("GET", "/4/worklogs", self._list)

    def add_worklog(
        self,
        account_id: str,
        start: datetime,
        seconds: int,
        *,
        issue_id: int = 10001,
        description: str = "",
        billable: int | None = None,
    ) -> int:
        """`start` is the local (naive) start as Tempo stores it."""
        self._n += 1
        now = datetime.now(UTC) - timedelta(hours=1)  # written a while ago
        self.worklogs[self._n] = {
            "self": f"{self.url}/4/worklogs/{self._n}",
            "tempoWorklogId": self._n,
            "issue": {
                "self": f"https://example.atlassian.net/rest/api/2/issue/{issue_id}",
                "id": issue_id,
            },
            "timeSpentSeconds": seconds,
            "billableSeconds": seconds if billable is None else billable,
            "startDate": start.date().isoformat(),
            "startTime": start.strftime("%H:%M:%S"),
            "description": description,
            "createdAt": _z(now),
            "updatedAt": _z(now),
            "author": {
                "self": "https://example.atlassian.net/rest/api/2/user",
                "accountId": account_id,
            },
            "attributes": {"self": "", "values": []},
        }
        return self._n

    def edit(self, worklog_id: int, **changes: Any) -> None:
        self.worklogs[worklog_id].update(changes, updatedAt=_z(datetime.now(UTC)))

    def authorized(self, req: Req) -> Reply | None:
        if req.headers.get("authorization") != f"Bearer {self.token}":
            return Reply(401, {"errors": [{"message": "Unauthorized: the token is invalid"}]})
        return None

    def _list(self, req: Req, p: dict[str, str]) -> Reply:
        offset, limit = int(req.q("offset", "0") or 0), int(req.q("limit", "50") or 50)
        if limit > 5000:
            return Reply(400, {"errors": [{"message": "limit must be at most 5000"}]})
        lo = date.fromisoformat(req.q("from") or "2000-01-01")
        hi = date.fromisoformat(req.q("to") or "2100-01-01")
        since = req.q("updatedFrom")
        rows = [
            w
            for w in self.worklogs.values()
            if lo <= date.fromisoformat(w["startDate"]) <= hi
            and (since is None or w["updatedAt"] >= since.replace("+00:00", "Z"))
        ]
        key = "updatedAt" if req.q("orderBy") == "UPDATED" else "tempoWorklogId"
        rows.sort(key=lambda w: (w[key], w["tempoWorklogId"]))
        page = rows[offset : offset + limit]
        params = {k: v[0] for k, v in req.query.items()}
        metadata: dict[str, Any] = {"count": len(page), "offset": offset, "limit": limit}
        if offset + limit < len(rows):
            metadata["next"] = f"{self.url}/4/worklogs?" + urlencode(
                {**params, "offset": offset + limit, "limit": limit}
            )
        if offset > 0:
            metadata["previous"] = f"{self.url}/4/worklogs?" + urlencode(
                {**params, "offset": max(offset - limit, 0), "limit": limit}
            )
        return Reply(200, {"self": f"{self.url}/4/worklogs", "metadata": metadata, "results": page})
