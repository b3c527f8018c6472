"""`hubnity-agent login` and `--headless` as real processes against a real server."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

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


def test_login_then_headless_uploads_and_finishes_entry(server: Server, tmp_path: Path) -> None:
    account = new_account(server)
    env = {
        **os.environ,
        "HUBNITY_AGENT_DATA_DIR": str(tmp_path / "agent"),
        "HUBNITY_AGENT_CREDENTIALS": "file",
        "HUBNITY_AGENT_PASSWORD": "wrong",
    }
    bad = subprocess.run(
        _cmd("login", "--server-url", server.url, "--email", account.email),
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert bad.returncode == 1 and "wrong email or password" in bad.stderr
    env["HUBNITY_AGENT_PASSWORD"] = PASSWORD
    ok = subprocess.run(
        _cmd("login", "--server-url", server.url, "--email", account.email),
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert ok.returncode == 0, ok.stderr
    cred = tmp_path / "agent" / "credentials.json"
    assert cred.stat().st_mode & 0o777 == 0o600

    run = ["--headless", "--no-capture", "--no-input"]
    proc = subprocess.Popen(
        _cmd(*run, "--project", account.project_id),
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None and "headless" in proc.stdout.readline()
        poke = lambda: proc.send_signal(signal.SIGUSR1)  # noqa: E731 - "sync now"

        def running_on_server() -> bool:
            rows = list(server_entries(server, account.user_id).values())
            return len(rows) == 1 and rows[0][3] == "RUNNING"

        assert _until(running_on_server, 30, poke)
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(15) == 0
    again = subprocess.Popen(
        _cmd(*run), env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert again.stdout is not None and "headless" in again.stdout.readline()

        def stopped_on_server() -> bool:
            rows = list(server_entries(server, account.user_id).values())
            return len(rows) == 1 and rows[0][3] == "STOPPED"

        assert _until(stopped_on_server, 30, lambda: again.send_signal(signal.SIGUSR1))
    finally:
        again.send_signal(signal.SIGTERM)
        assert again.wait(15) == 0
    status = subprocess.run(_cmd("status"), env=env, capture_output=True, text=True).stdout
    assert "queue:      0 entries" in status and "last sync:  never" not in status
