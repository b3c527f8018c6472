"""kill -9 the agent at random moments while it tracks and uploads; after a
restart nothing is lost and nothing is doubled on the server."""

from __future__ import annotations

import json
import os
import random
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
from tests.e2e.agent.conftest import (
    PASSWORD,
    Server,
    agent_activity,
    agent_entries,
    new_account,
    server_activity,
    server_entries,
    server_screenshot_keys,
)

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[3]
TRIALS = int(os.environ.get("HUBNITY_KILL_TRIALS", "20"))


def _worker(mode: str, data: Path, seed: int, projects: str) -> subprocess.Popen[str]:
    env = {**os.environ, "HUBNITY_AGENT_CREDENTIALS": "file"}
    return subprocess.Popen(
        [sys.executable, "-m", "tests.e2e.agent.kill_worker", mode, str(data), str(seed), projects],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _advance_clock_file(data: Path) -> None:
    f = data / "fake-clock.txt"
    f.write_text((datetime.fromisoformat(f.read_text().strip()) + timedelta(minutes=2)).isoformat())


def test_kill_minus_9_during_upload_loses_and_duplicates_nothing(
    server: Server, tmp_path: Path
) -> None:
    account = new_account(server, screenshotIntervalSeconds=60, screenshotDeleteWindowMinutes=0)
    data = tmp_path / "agent"
    data.mkdir()
    api = ApiClient(server.url, FileStore(data / "credentials.json"))
    api.login(account.email, PASSWORD)
    settings = Settings.load(data)
    settings.server_url = api.server_url
    settings.save(data)
    start = (datetime.now(UTC) - timedelta(hours=14)).replace(microsecond=0)
    (data / "fake-clock.txt").write_text(start.isoformat())
    projects = f"{account.project_id},{account.other_project_id}"
    rng = random.Random(20261123)
    killed_busy = 0
    for trial in range(TRIALS):
        proc = _worker("work", data, trial, projects)
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.strip() == "ready", proc.stderr.read() if proc.stderr else ""
        if trial % 2:
            # Aim: kill within a few ms after an upload began (mid-request).
            for _ in range(rng.randint(1, 25)):
                if proc.stdout.readline().strip() != "sync":
                    break
            time.sleep(rng.uniform(0, 0.006))
            proc.send_signal(signal.SIGKILL)
            killed_busy += 1
        else:
            try:  # anywhere: mid-tick, mid-write, mid-capture, mid-upload
                proc.wait(timeout=rng.uniform(0.15, 1.2))
            except subprocess.TimeoutExpired:
                proc.send_signal(signal.SIGKILL)
                killed_busy += 1
        proc.wait(10)
        assert proc.returncode == -signal.SIGKILL, proc.stderr.read() if proc.stderr else ""
        _advance_clock_file(data)
    assert killed_busy == TRIALS
    drain = _worker("drain", data, 999, projects)
    out, err = drain.communicate(timeout=120)
    assert drain.returncode == 0, err
    assert json.loads(out.strip().splitlines()[-1])["depth"] == 0
    box = Outbox(data, maintenance=False)
    try:
        mine = agent_entries(box)
        assert len(mine) >= TRIALS  # every run tracked something
        assert all(status != "RUNNING" for _r, _s, _e, status in mine.values())
        assert server_entries(server, account.user_id) == mine
        assert server_activity(server, account.user_id) == agent_activity(box)
        uploaded = sorted(s.key for s in box.recent_screenshots(100_000) if s.state == "uploaded")
        on_server = server_screenshot_keys(server, account.user_id)
        assert sorted(on_server) == uploaded and len(set(on_server)) == len(on_server)
        assert box.depth().parked == 0
    finally:
        box.close()
