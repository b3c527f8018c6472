"""The real headless agent while its disk is full (chaos).

The agent process gets a file-size limit (`prlimit --fsize`) at the size its
files have now: every write that would grow its outbox (SQLite database and
WAL) fails as on a full disk. The agent must keep running and keep time in
memory, say what is wrong, and once space is back (the limit lifted) write
and upload everything: the server ends with one entry covering the whole
tracked stretch — no minute lost to the full disk, none counted twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from agent.config import Settings
from agent.core.api import ApiClient
from agent.core.credentials import FileStore
from agent.core.outbox import Outbox
from tests.e2e.agent.conftest import PASSWORD, Server, agent_entries, new_account, server_entries
from tests.support.tools import require_tool

pytestmark = pytest.mark.slow
BIN = Path(sys.executable).parent / "hubnity-agent"
HEARTBEAT = 1.0
FULL_SECONDS = 8.0


def _cmd(*args: str) -> list[str]:
    return [str(BIN), *args] if BIN.exists() else [sys.executable, "-m", "agent", *args]


def _files_size(data: Path) -> int:
    return max(p.stat().st_size for p in data.rglob("*") if p.is_file())


def test_agent_with_a_full_disk_loses_no_time(server: Server, tmp_path: Path) -> None:
    require_tool("prlimit", "limit the agent's file size (a full disk)")
    account = new_account(server)
    data = tmp_path / "agent"
    data.mkdir(mode=0o700)
    api = ApiClient(server.url, FileStore(data / "credentials.json"))
    api.login(account.email, PASSWORD)
    api.close()
    settings = Settings.load(data)
    settings.server_url, settings.email = api.server_url, account.email
    settings.heartbeat_seconds = HEARTBEAT
    settings.sync_interval_seconds, settings.sync_spread_seconds = 1.0, 0.5
    settings.save(data)
    env = {**os.environ, "HUBNITY_AGENT_DATA_DIR": str(data), "HUBNITY_AGENT_CREDENTIALS": "file"}
    env.pop("DISPLAY", None)
    log = tmp_path / "agent-stderr.log"
    with open(log, "ab") as err:
        proc = subprocess.Popen(
            _cmd(
                "--headless",
                "--no-capture",
                "--no-input",
                "--track",
                "--project",
                account.project_id,
            ),
            env=env,
            stdout=subprocess.PIPE,
            stderr=err,
            text=True,
        )
    try:
        assert proc.stdout is not None and "headless" in proc.stdout.readline()
        started = datetime.now(UTC)
        time.sleep(3)
        # The disk fills up: no file of the agent may grow any more.
        limit = _files_size(data)
        subprocess.run(["prlimit", f"--pid={proc.pid}", f"--fsize={limit}:unlimited"], check=True)
        time.sleep(FULL_SECONDS)
        assert proc.poll() is None, "the agent died of a full disk"
        # Space is back.
        subprocess.run(["prlimit", f"--pid={proc.pid}", "--fsize=unlimited:unlimited"], check=True)
        time.sleep(3)
        stopped = datetime.now(UTC)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    stderr = log.read_text(errors="replace")
    assert "cannot write the local queue (disk full?)" in stderr, stderr[-3000:]
    assert "Exception in thread" not in stderr, stderr[-3000:]  # no thread died

    # Drain what is left, then compare the agent's queue with the server.
    with open(log, "ab") as err:
        drain = subprocess.Popen(
            _cmd("--headless", "--no-capture", "--no-input"),
            env=env,
            stdout=subprocess.PIPE,
            stderr=err,
            text=True,
        )
    try:
        assert drain.stdout is not None and "headless" in drain.stdout.readline()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            drain.send_signal(signal.SIGUSR1)
            time.sleep(0.5)
            box = Outbox(data, maintenance=False)
            depth = box.depth()
            box.close()
            if depth.total == 0:
                break
        drain.send_signal(signal.SIGTERM)
        assert drain.wait(30) == 0
    finally:
        if drain.poll() is None:
            drain.kill()
    box = Outbox(data, maintenance=False)
    try:
        assert box.depth().total == 0
        mine = agent_entries(box)
    finally:
        box.close()
    on_server = server_entries(server, account.user_id)
    assert on_server == mine
    assert len(on_server) == 1, on_server
    ((_, (_, start, end, status)),) = on_server.items()
    assert status == "STOPPED" and end is not None
    start_t, end_t = datetime.fromisoformat(start), datetime.fromisoformat(end)
    # The whole stretch, full disk included: from the start to the SIGTERM.
    assert start_t >= started - timedelta(seconds=5)
    assert (end_t - start_t).total_seconds() >= (stopped - started).total_seconds() - 2.5
    assert end_t <= datetime.now(UTC)
