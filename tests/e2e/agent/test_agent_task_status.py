"""What the timer window reads from a real server: each task's status (and
"mark done" on the user's own task), the weekly limit and the screenshot notice."""

from __future__ import annotations

from pathlib import Path

import httpx

from agent.core.api import ApiClient
from agent.core.credentials import FileStore
from agent.ui.features import DONE, fetch_extras, mark_task_done
from tests.e2e.agent.conftest import PASSWORD, Server, new_account


def test_the_agent_reads_task_status_and_marks_its_task_done(server: Server, tmp_path: Path):
    account = new_account(server)
    r = httpx.patch(
        f"{server.url}/api/v1/tasks/{account.task_id}",
        json={"assigneeId": account.user_id},
        headers=account.headers,
    )
    assert r.status_code == 200, r.text
    r = httpx.patch(
        f"{server.url}/api/v1/agent/config",
        json={"weeklyLimitSeconds": 40 * 3600, "notifyOnScreenshot": True},
        headers=account.headers,
    )
    assert r.status_code == 200, r.text
    api = ApiClient(server.url, FileStore(tmp_path / "credentials.json"))
    api.login(account.email, PASSWORD)
    try:
        extras = fetch_extras(api)
        assert extras.task_status[account.task_id] == "TODO"
        # The weekly limit and the screenshot notice the timer window shows.
        assert extras.weekly_limit_seconds == 40 * 3600 and extras.notify_screenshots is True
        mark_task_done(api, account.project_id, account.task_id)
    finally:
        api.close()
    task = httpx.get(f"{server.url}/api/v1/tasks/{account.task_id}", headers=account.headers)
    assert task.json()["status"] == DONE.lower() and task.json()["doneAt"] is not None
    # A done task is no longer offered for tracking.
    active = httpx.get(f"{server.url}/api/v1/projects/active", headers=account.headers).json()
    offered = [t["id"] for p in active["items"] for t in p["tasks"]]
    assert account.task_id not in offered
