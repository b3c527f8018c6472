"""Jira Cloud stand-in, after developer.atlassian.com REST API v3: "Issue
worklogs" (get/add/update/delete worklog, get IDs of updated/deleted
worklogs, get worklogs by IDs), "Myself", "User search", "Rate limiting".

- HTTP Basic `<email>:<API token>`; otherwise 401 `{"errorMessages": [...]}`.
- `GET /rest/api/3/myself`, `GET /rest/api/3/users/search?startAt&maxResults`,
  `GET /rest/api/3/issue/{idOrKey}?fields=key`.
- `GET|POST /rest/api/3/issue/{key}/worklog`, `PUT|DELETE .../worklog/{id}`
  (DELETE → 204); an unknown issue → 404 "Issue does not exist or you do not
  have permission to see it."; `started` must look like
  `2021-01-17T12:34:00.000+0000` (`Z` or `+00:00` → 400 "Invalid date
  format"), `timeSpentSeconds` ≥ 60, `comment` an ADF document (v3).
- `GET /rest/api/3/worklog/updated|deleted?since=<ms>` → `{values[{worklogId,
  updatedTime, properties}], since, until, self, lastPage, nextPage?}`,
  oldest first, `page_size` per page (1000 in Jira) with `nextPage` a full URL.
- `POST /rest/api/3/worklog/list {ids}` (at most 1000).
Worklogs changed in the last minute are not left out here (Jira does that;
the connector's cursor overlaps by minutes anyway).

People's own access, after developer.atlassian.com "API tokens" and
"OAuth 2.0 (3LO) apps" / "Implementing the Refresh Token Flow":
- more Basic `<email>:<API token>` pairs, each acting as its account
  (`add_api_token`); a worklog is authored by whoever wrote it;
- `POST /oauth/token {grant_type: refresh_token, client_id, client_secret,
  refresh_token}` → `{access_token, token_type: "Bearer", expires_in,
  refresh_token, scope}`; the refresh token is rotating (dead once used) and
  an unknown one answers 403 `{"error": "invalid_grant", "error_description":
  "Unknown or invalid refresh token."}`; a wrong client → 401 access_denied;
- `/ex/jira/{cloudId}/rest/api/3/...` takes `Bearer <access token>` (expired
  → 401); Bearer tokens on the site URL are refused, like Jira's.
"""

from __future__ import annotations

import base64
import re
import secrets
import time
from datetime import UTC, datetime
from typing import Any

from tests.support.standins.base import Reply, Req, StandIn

STARTED = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d{4}$")
NO_ISSUE = "Issue does not exist or you do not have permission to see it."


def _jira_time(t: datetime) -> str:
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}+0000"


class JiraStandIn(StandIn):
    name = "jira"

    def __init__(
        self,
        email: str = "bot@example.test",
        token: str = "jira-token-0123456789",
        page_size: int = 1000,
        **kw: Any,
    ) -> None:
        super().__init__(**kw)
        self.email, self.token, self.page_size = email, token, page_size
        self.accounts: dict[str, dict[str, Any]] = {}
        self.me = self.add_account(email, "Sync Bot")
        self.issues: dict[str, str] = {}  # key → id
        self.worklogs: dict[str, dict[str, Any]] = {}
        self.updated: dict[str, int] = {}  # worklog id → ms
        self.deleted: dict[str, int] = {}
        self._n = 10000
        self._last_ms = 0
        self.actor = self.me
        self.basic: dict[str, str] = {f"{email}:{token}": self.me}  # "email:token" → account
        self.client_id, self.client_secret, self.cloud_id = "hubnity-app", "app-S3CR3T", "cloud-1"
        self.access: dict[str, tuple[str, float]] = {}  # token → (account, expires monotonic)
        self.refresh_tokens: dict[str, str] = {}  # live refresh token → account
        self.refreshes = 0
        self.refresh_delay = 0.0  # seconds the token endpoint takes (races)
        self.route("POST", "/oauth/token", self._token)
        for method, path, handler in (
            ("GET", "/rest/api/3/myself", lambda r, p: Reply(200, self.accounts[self.actor])),
            ("GET", "/rest/api/3/users/search", self._users),
            ("GET", "/rest/api/3/issue/{key}", self._issue),
            ("GET", "/rest/api/3/issue/{key}/worklog", self._list),
            ("POST", "/rest/api/3/issue/{key}/worklog", self._create),
            ("PUT", "/rest/api/3/issue/{key}/worklog/{wid}", self._update),
            ("DELETE", "/rest/api/3/issue/{key}/worklog/{wid}", self._delete),
            ("GET", "/rest/api/3/worklog/updated", lambda r, p: self._feed(r, self.updated)),
            ("GET", "/rest/api/3/worklog/deleted", lambda r, p: self._feed(r, self.deleted)),
            ("POST", "/rest/api/3/worklog/list", self._by_ids),
        ):
            self.route(method, path, handler)

    def _id(self) -> str:
        self._n += 1
        return str(self._n)

    def _now_ms(self) -> int:
        """Strictly increasing, so that paging by time never splits equal instants."""
        self._last_ms = max(int(datetime.now(UTC).timestamp() * 1000), self._last_ms + 1)
        return self._last_ms

    def add_account(self, email: str | None, name: str) -> str:
        account = f"5b10ac8d82e05b22cc7d{len(self.accounts):04d}"
        self.accounts[account] = {
            "accountId": account,
            "accountType": "atlassian",
            "displayName": name,
            **({"emailAddress": email} if email else {}),
            "active": True,
        }
        return account

    def add_issue(self, key: str) -> str:
        self.issues[key] = self._id()
        return self.issues[key]

    def add_worklog(
        self, key: str, account: str, started: datetime, seconds: int, comment: str = ""
    ) -> str:
        wid = self._id()
        now = _jira_time(datetime.now(UTC))
        self.worklogs[wid] = {
            "self": f"{self.url}/rest/api/3/issue/{self.issues[key]}/worklog/{wid}",
            "id": wid,
            "issueId": self.issues[key],
            "author": self.accounts[account],
            "updateAuthor": self.accounts[account],
            "comment": {
                "type": "doc",
                "version": 1,
                "content": [{"type": "paragraph", "content": [{"type": "text", "text": comment}]}]
                if comment
                else [],
            },
            "created": now,
            "updated": now,
            "started": _jira_time(started),
            "timeSpent": f"{seconds // 3600}h {seconds % 3600 // 60}m",
            "timeSpentSeconds": seconds,
        }
        self.updated[wid] = self._now_ms()
        return wid

    def edit(self, wid: str, **changes: Any) -> None:
        row = self.worklogs[wid]
        if "comment" in changes:
            text = changes.pop("comment")
            row["comment"]["content"] = [
                {"type": "paragraph", "content": [{"type": "text", "text": text}]}
            ]
        row.update(changes, updated=_jira_time(datetime.now(UTC)))
        self.updated[wid] = self._now_ms()

    def remove(self, wid: str) -> None:
        del self.worklogs[wid]
        self.updated.pop(wid, None)
        self.deleted[wid] = self._now_ms()

    def add_api_token(self, email: str, token: str, account: str) -> None:
        self.basic[f"{email}:{token}"] = account

    def grant(self, account: str, expires_in: int = 3600) -> tuple[str, str]:
        """What the authorization-code exchange gives: (access token, refresh token)."""
        access, refresh = f"at-{secrets.token_hex(12)}", f"rt-{secrets.token_hex(12)}"
        self.access[access] = (account, time.monotonic() + expires_in)
        self.refresh_tokens[refresh] = account
        return access, refresh

    def expire_access_tokens(self) -> None:
        self.access = {t: (a, 0.0) for t, (a, _) in self.access.items()}

    def _token(self, req: Req, p: dict[str, str]) -> Reply:
        body = req.json() or {}
        if (body.get("client_id"), body.get("client_secret")) != (
            self.client_id,
            self.client_secret,
        ):
            return Reply(401, {"error": "access_denied", "error_description": "Unauthorized"})
        if self.refresh_delay:
            time.sleep(self.refresh_delay)
        account = self.refresh_tokens.pop(str(body.get("refresh_token")), None)
        if body.get("grant_type") != "refresh_token" or account is None:
            return Reply(
                403,
                {
                    "error": "invalid_grant",
                    "error_description": "Unknown or invalid refresh token.",
                },
            )
        self.refreshes += 1
        access, refresh = self.grant(account)
        return Reply(
            200,
            {
                "access_token": access,
                "token_type": "Bearer",
                "expires_in": 3600,
                "refresh_token": refresh,
                "scope": "read:jira-work write:jira-work offline_access",
            },
        )

    def authorized(self, req: Req) -> Reply | None:
        if req.path == "/oauth/token":
            return None
        header = req.headers.get("authorization", "")
        prefix = f"/ex/jira/{self.cloud_id}"
        account: str | None = None
        if req.path.startswith(prefix) and header.startswith("Bearer "):
            req.path = req.path[len(prefix) :]
            found = self.access.get(header[7:])
            if found is not None and found[1] > time.monotonic():
                account = found[0]
        elif header.startswith("Basic ") and not req.path.startswith("/ex/"):
            try:
                account = self.basic.get(base64.b64decode(header[6:]).decode())
            except ValueError:
                account = None
        if account is None:
            return Reply(
                401,
                {
                    "errorMessages": ["Client must be authenticated to access this resource."],
                    "errors": {},
                },
            )
        self.actor = account
        return None

    def _users(self, req: Req, p: dict[str, str]) -> Reply:
        start, size = int(req.q("startAt", "0") or 0), int(req.q("maxResults", "50") or 50)
        return Reply(200, list(self.accounts.values())[start : start + size])

    def _issue_id(self, key: str) -> str | None:
        if key in self.issues:
            return self.issues[key]
        return key if key in self.issues.values() else None

    def _issue(self, req: Req, p: dict[str, str]) -> Reply:
        iid = self._issue_id(p["key"])
        if iid is None:
            return Reply(404, {"errorMessages": [NO_ISSUE], "errors": {}})
        key = next(k for k, v in self.issues.items() if v == iid)
        return Reply(200, {"id": iid, "key": key, "self": f"{self.url}/rest/api/3/issue/{iid}"})

    def _list(self, req: Req, p: dict[str, str]) -> Reply:
        iid = self._issue_id(p["key"])
        if iid is None:
            return Reply(404, {"errorMessages": [NO_ISSUE], "errors": {}})
        rows = [w for w in self.worklogs.values() if w["issueId"] == iid]
        return Reply(200, {"startAt": 0, "maxResults": 5000, "total": len(rows), "worklogs": rows})

    def _check(self, body: dict[str, Any]) -> Reply | None:
        if not STARTED.match(str(body.get("started", ""))):
            return Reply(
                400,
                {
                    "errorMessages": [],
                    "errors": {
                        "started": "Invalid date format. Please enter the date in the format \"yyyy-MM-dd'T'HH:mm:ss.SSSZ\"."
                    },
                },
            )
        if int(body.get("timeSpentSeconds") or 0) < 60:
            return Reply(
                400,
                {
                    "errorMessages": [],
                    "errors": {"timeLogged": "Time Spent must be at least 1 minute."},
                },
            )
        comment = body.get("comment")
        if comment is not None and not (isinstance(comment, dict) and comment.get("type") == "doc"):
            return Reply(
                400, {"errorMessages": ["Comment must be an Atlassian Document."], "errors": {}}
            )
        return None

    def _create(self, req: Req, p: dict[str, str]) -> Reply:
        iid = self._issue_id(p["key"])
        if iid is None:
            return Reply(404, {"errorMessages": [NO_ISSUE], "errors": {}})
        body = req.json()
        refused = self._check(body)
        if refused:
            return refused
        key = next(k for k, v in self.issues.items() if v == iid)
        started = datetime.strptime(body["started"], "%Y-%m-%dT%H:%M:%S.%f%z")
        wid = self.add_worklog(key, self.actor, started, int(body["timeSpentSeconds"]))
        self.worklogs[wid]["comment"] = body.get("comment") or self.worklogs[wid]["comment"]
        return Reply(201, self.worklogs[wid])

    def _found(self, p: dict[str, str]) -> dict[str, Any] | Reply:
        iid = self._issue_id(p["key"])
        row = self.worklogs.get(p["wid"])
        if iid is None or row is None or row["issueId"] != iid:
            return Reply(
                404, {"errorMessages": ["Cannot find worklog with id: " + p["wid"]], "errors": {}}
            )
        return row

    def _update(self, req: Req, p: dict[str, str]) -> Reply:
        row = self._found(p)
        if isinstance(row, Reply):
            return row
        body = req.json()
        refused = self._check(body)
        if refused:
            return refused
        started = datetime.strptime(body["started"], "%Y-%m-%dT%H:%M:%S.%f%z")
        row.update(started=_jira_time(started), timeSpentSeconds=int(body["timeSpentSeconds"]))
        if body.get("comment") is not None:
            row["comment"] = body["comment"]
        row["updated"] = _jira_time(datetime.now(UTC))
        row["updateAuthor"] = self.accounts[self.actor]
        self.updated[row["id"]] = self._now_ms()
        return Reply(200, row)

    def _delete(self, req: Req, p: dict[str, str]) -> Reply:
        row = self._found(p)
        if isinstance(row, Reply):
            return row
        self.remove(row["id"])
        return Reply(204, None)

    def _feed(self, req: Req, log: dict[str, int]) -> Reply:
        since = int(req.q("since", "0") or 0)
        rows = sorted((ms, wid) for wid, ms in log.items() if ms >= since)
        page = rows[: self.page_size]
        last = len(rows) <= self.page_size
        path = req.path
        body: dict[str, Any] = {
            "values": [
                {"worklogId": int(w), "updatedTime": ms, "properties": []} for ms, w in page
            ],
            "since": since,
            "until": page[-1][0] if page else since,
            "self": f"{self.url}{path}?since={since}",
            "lastPage": last,
        }
        if not last:
            # nextPage continues after the last value (instants are unique here).
            body["nextPage"] = f"{self.url}{path}?since={page[-1][0] + 1}"
        return Reply(200, body)

    def _by_ids(self, req: Req, p: dict[str, str]) -> Reply:
        ids = [str(i) for i in (req.json() or {}).get("ids", [])]
        if len(ids) > 1000:
            return Reply(400, {"errorMessages": ["At most 1000 ids."], "errors": {}})
        return Reply(200, [self.worklogs[i] for i in ids if i in self.worklogs])
