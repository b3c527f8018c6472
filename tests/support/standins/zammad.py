"""Zammad stand-in, after docs.zammad.org: "API Introduction" (token auth,
pagination), "Time Accounting" (ticket time accountings), "Webhook" (the
signature and delivery headers).

- `Authorization: Token token=<token>`; otherwise 401 `{"error": "authentication failed"}`.
  Each access token acts as its agent (`add_token`): `users/me` and the
  `created_by_id` of a time accounting are that agent.
- `GET /api/v1/users/me`, `GET /api/v1/users?page&per_page`,
  `GET /api/v1/tickets?page&per_page` (no total count; an empty page past the
  end), `GET /api/v1/ticket_time_accounting_types`.
- `GET|POST /api/v1/tickets/{id}/time_accountings`, `PUT|DELETE .../{id}`
  (DELETE answers 200); an unknown ticket → 404 `{"error": "Couldn't find Ticket..."}`.
- Accounting: `id, ticket_id, ticket_article_id (null), time_unit (decimal
  string), type_id, created_by_id, created_at, updated_at` (UTC, `…Z`).
- `signed(body)` builds a webhook delivery the way Zammad sends it:
  `X-Hub-Signature: sha1=<hex HMAC-SHA1(token, raw body)>`, `X-Zammad-Delivery`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.support.standins.base import Reply, Req, StandIn


def _z(t: datetime) -> str:
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


class ZammadStandIn(StandIn):
    name = "zammad"

    def __init__(self, token: str = "zammad-token-0123456789", **kw: Any) -> None:
        super().__init__(**kw)
        self.token = token
        self.users: dict[int, dict[str, Any]] = {}
        self.tickets: dict[int, dict[str, Any]] = {}
        self.types: dict[int, str] = {}
        self.accountings: dict[int, dict[str, Any]] = {}
        self._n = 100
        self.me = self.add_user("agent@zammad.test", "Service", "Agent")
        self.tokens: dict[str, int] = {token: self.me}
        self.actor = self.me
        for method, path, handler in (
            ("GET", "/api/v1/users/me", self._me),
            ("GET", "/api/v1/users", self._users),
            ("GET", "/api/v1/tickets", self._tickets),
            ("GET", "/api/v1/ticket_time_accounting_types", self._types),
            ("GET", "/api/v1/tickets/{tid}/time_accountings", self._list),
            ("POST", "/api/v1/tickets/{tid}/time_accountings", self._create),
            ("PUT", "/api/v1/tickets/{tid}/time_accountings/{aid}", self._update),
            ("DELETE", "/api/v1/tickets/{tid}/time_accountings/{aid}", self._delete),
        ):
            self.route(method, path, handler)

    def _id(self) -> int:
        self._n += 1
        return self._n

    def add_user(self, email: str, first: str = "", last: str = "") -> int:
        uid = self._id()
        self.users[uid] = {
            "id": uid,
            "login": email,
            "email": email,
            "firstname": first,
            "lastname": last,
        }
        return uid

    def add_ticket(self, title: str = "Printer on fire") -> int:
        tid = self._id()
        self.tickets[tid] = {"id": tid, "number": str(31000 + tid), "title": title}
        return tid

    def add_type(self, name: str) -> int:
        tid = self._id()
        self.types[tid] = name
        return tid

    def add_accounting(self, ticket: int, user: int, units: str, type_id: int | None = None) -> int:
        aid = self._id()
        now = datetime.now(UTC) - timedelta(hours=1)
        self.accountings[aid] = {
            "id": aid,
            "ticket_id": ticket,
            "ticket_article_id": None,
            "time_unit": units,
            "type_id": type_id,
            "created_by_id": user,
            "created_at": _z(now),
            "updated_at": _z(now),
        }
        return aid

    def edit(self, aid: int, units: str) -> None:
        self.accountings[aid].update(time_unit=units, updated_at=_z(datetime.now(UTC)))

    def signed(self, secret: str, ticket: int, delivery: str | None = None) -> tuple[bytes, dict]:
        body = json.dumps(
            {"ticket": {"id": ticket, **self.tickets.get(ticket, {})}, "article": {}}
        ).encode()
        sig = hmac.new(secret.encode(), body, hashlib.sha1).hexdigest()
        headers = {
            "X-Hub-Signature": f"sha1={sig}",
            "X-Zammad-Delivery": delivery or uuid.uuid4().hex,
            "X-Zammad-Trigger": "time accounted",
            "Content-Type": "application/json",
        }
        return body, headers

    def add_token(self, token: str, user: int) -> None:
        self.tokens[token] = user

    def authorized(self, req: Req) -> Reply | None:
        header = req.headers.get("authorization", "")
        user = self.tokens.get(header[12:]) if header.startswith("Token token=") else None
        if user is None:
            return Reply(401, {"error": "authentication failed"})
        self.actor = user
        return None

    def _paged(self, req: Req, rows: list[Any]) -> Reply:
        page = int(req.q("page", "1") or 1)
        size = min(int(req.q("per_page", "100") or 100), 1000)
        return Reply(200, rows[(page - 1) * size : page * size])

    def _me(self, req: Req, p: dict[str, str]) -> Reply:
        return Reply(200, self.users[self.actor])

    def _users(self, req: Req, p: dict[str, str]) -> Reply:
        return self._paged(req, list(self.users.values()))

    def _tickets(self, req: Req, p: dict[str, str]) -> Reply:
        return self._paged(req, list(self.tickets.values()))

    def _types(self, req: Req, p: dict[str, str]) -> Reply:
        return Reply(200, [{"id": k, "name": v, "active": True} for k, v in self.types.items()])

    def _ticket(self, p: dict[str, str]) -> int | Reply:
        tid = int(p["tid"])
        if tid not in self.tickets:
            return Reply(404, {"error": f"Couldn't find Ticket with 'id'={tid}"})
        return tid

    def _list(self, req: Req, p: dict[str, str]) -> Reply:
        tid = self._ticket(p)
        if isinstance(tid, Reply):
            return tid
        return Reply(200, [a for a in self.accountings.values() if a["ticket_id"] == tid])

    def _create(self, req: Req, p: dict[str, str]) -> Reply:
        tid = self._ticket(p)
        if isinstance(tid, Reply):
            return tid
        body = req.json()
        aid = self.add_accounting(tid, self.actor, str(body["time_unit"]), body.get("type_id"))
        now = _z(datetime.now(UTC))
        self.accountings[aid].update(created_at=now, updated_at=now)
        return Reply(201, self.accountings[aid])

    def _found(self, p: dict[str, str]) -> dict[str, Any] | Reply:
        row = self.accountings.get(int(p["aid"]))
        if row is None or row["ticket_id"] != int(p["tid"]):
            return Reply(404, {"error": "Couldn't find Ticket::TimeAccounting"})
        return row

    def _update(self, req: Req, p: dict[str, str]) -> Reply:
        row = self._found(p)
        if isinstance(row, Reply):
            return row
        body = req.json()
        row.update(
            time_unit=str(body.get("time_unit", row["time_unit"])),
            type_id=body.get("type_id", row["type_id"]),
            updated_at=_z(datetime.now(UTC)),
        )
        return Reply(200, row)

    def _delete(self, req: Req, p: dict[str, str]) -> Reply:
        row = self._found(p)
        if isinstance(row, Reply):
            return row
        del self.accountings[row["id"]]
        return Reply(200, {})
