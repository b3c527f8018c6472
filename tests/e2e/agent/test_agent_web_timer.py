"""The web timer and the real agent: one running entry per person whatever
records it (docs/api.md, "Timer and the desktop agent"), and an entry deleted
on the server that the agent's retry does not bring back. A real
`hubnity-server` process; the agent as a real `hubnity-agent --headless`
process, and its core in-process for the retry."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from agent.core.agent import Agent
from agent.core.clock import FakeClock
from agent.core.credentials import FileStore
from tests.e2e.agent.conftest import PASSWORD, Server, new_account, server_entries

pytestmark = pytest.mark.slow
BIN = Path(sys.executable).parent / "hubnity-agent"


def _cmd(*args: str) -> list[str]:
    return [str(BIN), *args] if BIN.exists() else [sys.executable, "-m", "agent", *args]


def _until(pred: Callable[[], bool], timeout: float, poke: Callable[[], None]) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        poke()
        time.sleep(0.5)
        if pred():
            return True
    return False


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def test_web_timer_and_headless_agent_keep_one_running_entry(
    server: Server, tmp_path: Path
) -> None:
    account = new_account(server)
    h = account.headers
    timer = f"{server.url}/api/v1/timer"
    env = {
        **os.environ,
        "HUBNITY_AGENT_DATA_DIR": str(tmp_path / "agent"),
        "HUBNITY_AGENT_CREDENTIALS": "file",
        "HUBNITY_AGENT_PASSWORD": PASSWORD,
    }
    login = _cmd("login", "--server-url", server.url, "--email", account.email)
    ok = subprocess.run(login, env=env, capture_output=True, text=True, timeout=30)
    assert ok.returncode == 0, ok.stderr

    def tell(*args: str) -> str:
        r = subprocess.run(_cmd(*args), env=env, capture_output=True, text=True, timeout=30)
        assert r.returncode == 0, r.stderr
        return r.stdout.strip()

    def statuses() -> list[str]:
        rows = sorted(server_entries(server, account.user_id).values(), key=lambda r: str(r[1]))
        return [r[3] for r in rows]

    proc = subprocess.Popen(
        _cmd(
            "--headless",
            "--no-capture",
            "--no-input",
            "--project",
            account.project_id,
            "--description",
            "Release notes",
        ),
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    poke = lambda: proc.send_signal(signal.SIGUSR1)  # noqa: E731 - "sync now"
    try:
        assert proc.stdout is not None and "headless" in proc.stdout.readline()
        assert _until(lambda: statuses() == ["RUNNING"], 30, poke)

        # 1. The agent tracks: the web shows its entry and refuses a timer.
        state = httpx.get(timer, headers=h).json()
        assert state["state"] == "running" and state["entry"]["source"] == "agent"
        assert state["entry"]["description"] == "Release notes"  # --description reached it
        r = httpx.post(f"{timer}/start", json={"projectId": account.other_project_id}, headers=h)
        assert r.status_code == 409, r.text
        assert r.json()["extra"] == {"code": "agent_tracking", "entryId": state["entry"]["id"]}
        assert state["entry"]["id"] in r.json()["detail"] and "agent" in r.json()["detail"]
        assert httpx.post(f"{timer}/stop", headers=h).status_code == 409

        # 2. Stopped in the agent: the web timer starts.
        assert tell("stop") == "stopped"
        assert _until(lambda: statuses() == ["STOPPED"], 30, poke)
        r = httpx.post(f"{timer}/start", json={"projectId": account.other_project_id}, headers=h)
        assert r.status_code == 201, r.text
        web_entry = r.json()["entry"]
        assert web_entry["source"] == "web" and web_entry["endTime"] is None

        # 3. The agent starts while the web timer runs: the timer ends where the
        #    agent's entry begins, and the agent's time is stored, not parked.
        time.sleep(1.1)
        assert tell("start", "--project", account.project_id).startswith("tracking")
        assert _until(lambda: statuses() == ["STOPPED", "STOPPED", "RUNNING"], 30, poke)
        ended = httpx.get(f"{server.url}/api/v1/time-entries/{web_entry['id']}", headers=h).json()
        assert ended["status"] == "STOPPED" and ended["endTime"] is not None
        agent_now = httpx.get(timer, headers=h).json()
        assert agent_now["state"] == "running" and agent_now["entry"]["source"] == "agent"
        assert _at(ended["endTime"]) == _at(agent_now["entry"]["startTime"])
        status = tell("status")
        assert "parked:     0" in status, status
        assert tell("stop") == "stopped"
        assert _until(lambda: "RUNNING" not in statuses(), 30, poke)
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(15) == 0


def test_an_entry_deleted_on_the_server_stays_deleted_when_the_agent_sends_it_again(
    server: Server, tmp_path: Path
) -> None:
    account = new_account(server)
    clock = FakeClock((datetime.now(UTC) - timedelta(hours=3)).replace(microsecond=0))
    agent = Agent(
        tmp_path / "agent",
        clock=clock,
        capturer=None,
        rng=random.Random(2),
        store=FileStore(tmp_path / "agent" / "credentials.json"),
    )
    agent.sign_in(server.url, account.email, PASSWORD, start_uploads=False)
    try:
        agent.start_tracking(account.project_id)
        for _ in range(180):
            agent.counter.key()
            clock.advance(1)
            agent.tick()
        agent.stop()
        agent.uploader.sync_once()
        (key,) = server_entries(server, account.user_id)
        items = httpx.get(
            f"{server.url}/api/v1/time-entries", params={"source": "agent"}, headers=account.headers
        ).json()["items"]
        entry_id = items[0]["id"]
        r = httpx.delete(f"{server.url}/api/v1/time-entries/{entry_id}", headers=account.headers)
        assert r.status_code == 204, r.text

        # The same revision again (an answer lost on the way), then a newer one.
        with agent.outbox._tx() as db:
            db.execute("UPDATE entries SET synced_revision = 0 WHERE key = ?", (key,))
            db.execute("UPDATE activity SET synced_version = 0 WHERE entry_key = ?", (key,))
        assert agent.outbox.depth().entries == 1
        agent.uploader.sync_once()
        assert server_entries(server, account.user_id) == {}
        assert agent.outbox.depth().total == 0 and agent.outbox.parked_entries() == []
        assert any("deleted on the server" in n for n in agent.uploader.status.parked_now)
        agent.outbox.update_entry(key, description="edited after the delete")
        agent.uploader.sync_once()
        assert server_entries(server, account.user_id) == {}
        assert agent.outbox.depth().total == 0 and agent.outbox.parked_entries() == []
    finally:
        agent.shutdown()
