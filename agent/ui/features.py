"""What the server offers beyond the contract the core speaks (docs/api.md),
read from the raw answers so the windows use it where it exists and leave
it out where it does not: a weekly limit, task status ("mark done"), the
screenshot notice, a password-reset page. Blocking: call off the Qt thread.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from typing import Any

import httpx

from agent.core.api import ApiClient, ApiError, normalize_url

log = logging.getLogger(__name__)

# Task statuses arrive lower-case ("todo", "in_progress", "done"); compared upper-case.
# Names a weekly limit may carry in GET /api/v1/agent/config, and their unit in seconds.
LIMIT_KEYS = {"weeklyLimitSeconds": 1, "weeklyLimitMinutes": 60, "weeklyLimitHours": 3600}
NOTIFY_KEYS = ("notifyOnScreenshot", "screenshotNotify")
DONE = "DONE"
RESET_PATHS = ("/forgot", "/forgot-password", "/password-reset", "/reset-password")


@dataclass
class ServerExtras:
    weekly_limit_seconds: float | None = None
    notify_screenshots: bool = False
    # task id -> status, only for tasks whose status the server reports
    task_status: dict[str, str] = field(default_factory=dict)

    def supports_task_status(self, task_id: str) -> bool:
        return task_id in self.task_status


def parse_config(body: Any) -> tuple[float | None, bool]:
    if not isinstance(body, dict):
        return None, False
    limit = None
    for key, unit in LIMIT_KEYS.items():
        value = body.get(key)
        if isinstance(value, int | float) and value > 0:
            limit = float(value) * unit
            break
    notify = any(body.get(k) is True for k in NOTIFY_KEYS)
    return limit, notify


def parse_task_status(body: Any) -> dict[str, str]:
    out: dict[str, str] = {}
    items = body.get("items") if isinstance(body, dict) else None
    for p in items or []:
        for t in p.get("tasks") or [] if isinstance(p, dict) else []:
            if isinstance(t, dict) and isinstance(t.get("status"), str) and t.get("id"):
                out[str(t["id"])] = t["status"].upper()
    return out


def fetch_extras(api: ApiClient) -> ServerExtras:
    """One look at the config and the active projects, as the server sends them."""
    extras = ServerExtras()
    try:
        limit, notify = parse_config(json.loads(api.get_current("/api/v1/agent/config")))
        extras.weekly_limit_seconds, extras.notify_screenshots = limit, notify
        extras.task_status = parse_task_status(
            json.loads(api.get_current("/api/v1/projects/active"))
        )
    except (ApiError, ValueError) as exc:
        log.info("server extras unavailable: %s", exc)
    return extras


class NotOffered(Exception):
    """The server has no such feature (yet)."""


def mark_task_done(api: ApiClient, project_id: str, task_id: str) -> None:
    """`PATCH /api/v1/tasks/{id}/status` (docs/api.md): the assignee, or an admin."""
    try:
        api.request("PATCH", f"/api/v1/tasks/{task_id}/status", json={"status": DONE.lower()})
    except ApiError as exc:
        if exc.status in (404, 405):
            raise NotOffered("this server cannot mark tasks done yet") from exc
        raise


def reset_page(server_url: str, transport: httpx.BaseTransport | None = None) -> str | None:
    """The web page where a forgotten password is reset, if the server has one."""
    base = normalize_url(server_url)
    if not base:
        return None
    with httpx.Client(base_url=base, timeout=5, transport=transport) as http:
        for path in RESET_PATHS:
            try:
                if http.get(path).status_code == 200:
                    return base + path
            except httpx.HTTPError:
                return None
    return None
