"""The agent's policy and projects polls against a real server: the second
poll of an unchanged answer is a 304 without a body, and a change on the
server reaches the agent at its next poll."""

from __future__ import annotations

from pathlib import Path

import httpx

from agent.core.api import ApiClient
from agent.core.credentials import FileStore
from agent.ui.features import fetch_extras
from tests.e2e.agent.conftest import PASSWORD, Server, new_account


class Recording(httpx.HTTPTransport):
    """The real transport, noting each answer's path, status and body size."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[tuple[str, int, int]] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = super().handle_request(request)
        response.read()
        self.seen.append((request.url.path, response.status_code, len(response.content)))
        return response


def test_unchanged_policy_and_projects_are_304_and_changes_arrive(server: Server, tmp_path: Path):
    account = new_account(server)
    wire = Recording()
    api = ApiClient(server.url, FileStore(tmp_path / "credentials.json"), transport=wire)
    api.login(account.email, PASSWORD)
    try:
        policy, projects = api.policy(), api.active_projects()
        assert {p.name for p in projects} == {"Website", "Internal"}
        del wire.seen[:]
        assert api.policy() == policy and api.active_projects() == projects
        # The timer window's look at the same answers is conditional too.
        assert fetch_extras(api).task_status == {account.task_id: "TODO"}
        assert [(path, status, size) for path, status, size in wire.seen] == [
            ("/api/v1/agent/config", 304, 0),
            ("/api/v1/projects/active", 304, 0),
            ("/api/v1/agent/config", 304, 0),
            ("/api/v1/projects/active", 304, 0),
        ]
        r = httpx.patch(
            f"{server.url}/api/v1/agent/config", json={"blurLevel": 2}, headers=account.headers
        )
        assert r.status_code == 200, r.text
        r = httpx.post(
            f"{server.url}/api/v1/projects", json={"name": "Support"}, headers=account.headers
        )
        assert r.status_code == 201, r.text
        del wire.seen[:]
        assert api.policy().blur_level == 2
        assert {p.name for p in api.active_projects()} == {"Website", "Internal", "Support"}
        assert [status for _, status, _ in wire.seen] == [200, 200]
    finally:
        api.close()
