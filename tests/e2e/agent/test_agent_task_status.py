"""The timer window's "mark done" against a real server: the agent sees each
task's status in the active projects and moves the user's own task to done."""

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
    api = ApiClient(server.url, FileStore(tmp_path / "credentials.json"))
    api.login(account.email, PASSWORD)
    try:
        extras = fetch_extras(api)
        assert extras.task_status[account.task_id] == "TODO"
        mark_task_done(api, account.project_id, account.task_id)
    finally:
        api.close()
    task = httpx.get(f"{server.url}/api/v1/tasks/{account.task_id}", headers=account.headers)
    assert task.json()["status"] == DONE.lower() and task.json()["doneAt"] is not None
    # A done task is no longer offered for tracking.
    active = httpx.get(f"{server.url}/api/v1/projects/active", headers=account.headers).json()
    offered = [t["id"] for p in active["items"] for t in p["tasks"]]
    assert account.task_id not in offered
