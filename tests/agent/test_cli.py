"""`hubnity-agent` as a real process: --version, status, headless run and SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from agent.core.outbox import Outbox
from shared.version import __version__

BIN = Path(sys.executable).parent / "hubnity-agent"


def _cmd(*args: str) -> list[str]:
    return [str(BIN), *args] if BIN.exists() else [sys.executable, "-m", "agent", *args]


def _env(data: Path) -> dict[str, str]:
    return {**os.environ, "HUBNITY_AGENT_DATA_DIR": str(data), "HUBNITY_AGENT_CREDENTIALS": "file"}


def _tracking_headless(env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        _cmd("--headless", "--track", "--no-capture", "--no-input"),
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_version() -> None:
    out = subprocess.run(_cmd("--version"), capture_output=True, text=True, check=True).stdout
    assert out.strip() == __version__


def test_headless_tracks_reports_status_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    data = tmp_path / "agent"
    env = _env(data)
    proc = _tracking_headless(env)
    try:
        assert proc.stdout is not None
        assert "headless" in proc.stdout.readline()
        deadline = time.monotonic() + 10
        status = ""
        while time.monotonic() < deadline:
            status = subprocess.run(_cmd("status"), env=env, capture_output=True, text=True).stdout
            if "state:      running" in status:
                break
            time.sleep(0.2)
        assert f"running (pid {proc.pid})" in status
        assert "state:      running" in status
        assert "queue:      1 entries" in status  # not signed in: kept locally
        second = subprocess.run(
            _cmd("--headless", "--no-capture", "--no-input"),
            env=env,
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert second.returncode == 3 and "another agent is running" in second.stderr
        time.sleep(1.5)
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(15) == 0
    box = Outbox(data, maintenance=False)
    (entry,) = box.all_entries()
    assert entry.status == "STOPPED" and entry.end is not None and entry.end > entry.start
    box.close()
    status = subprocess.run(_cmd("status"), env=env, capture_output=True, text=True).stdout
    assert "not running" in status


def test_tray_without_display_explains_headless(tmp_path: Path) -> None:
    env = _env(tmp_path / "agent")
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        env.pop(name, None)
    r = subprocess.run(_cmd(), env=env, capture_output=True, text=True, timeout=30)
    assert r.returncode == 2 and "--headless" in r.stderr


def test_pause_resume_stop_a_running_headless_agent(tmp_path: Path) -> None:
    data = tmp_path / "agent"
    env = _env(data)
    nobody = subprocess.run(_cmd("pause"), env=env, capture_output=True, text=True, timeout=30)
    assert nobody.returncode == 1 and "no agent is running" in nobody.stderr
    proc = _tracking_headless(env)

    def tell(command: str) -> str:
        r = subprocess.run(_cmd(command), env=env, capture_output=True, text=True, timeout=30)
        assert r.returncode == 0, r.stderr
        return r.stdout.strip()

    try:
        assert proc.stdout is not None and "headless" in proc.stdout.readline()
        time.sleep(1.2)
        assert tell("pause") == "paused"
        status = subprocess.run(_cmd("status"), env=env, capture_output=True, text=True).stdout
        assert "state:      paused" in status
        time.sleep(1.2)
        assert tell("resume") == "tracking (no project)"
        time.sleep(1.2)
        assert tell("stop") == "stopped"
        assert tell("sync") == "stopped"  # not signed in: nothing to send, still an answer
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(15) == 0
    box = Outbox(data, maintenance=False)
    entries = box.all_entries()
    box.close()
    assert [e.status for e in entries] == ["PAUSED", "STOPPED"]
    assert entries[0].end is not None and entries[0].end <= entries[1].start
    # Paused between them: the second entry begins at least a second later.
    assert (entries[1].start - entries[0].end).total_seconds() >= 1.0


def test_a_queue_written_by_a_newer_agent_is_refused_with_a_clear_message(
    tmp_path: Path,
) -> None:
    import sqlite3

    data = tmp_path / "agent"
    data.mkdir()
    Outbox(data).close()
    db = sqlite3.connect(data / "outbox.sqlite3")
    db.execute("PRAGMA user_version = 99")
    db.close()
    for args in (("status",), ("--headless", "--no-capture", "--no-input")):
        r = subprocess.run(_cmd(*args), env=_env(data), capture_output=True, text=True, timeout=30)
        assert r.returncode == 4, (args, r.stderr)
        assert "written by a newer Hubnity agent (queue version 99" in r.stderr
        assert "Traceback" not in r.stderr


def test_headless_description_goes_with_the_entry(tmp_path: Path) -> None:
    data = tmp_path / "agent"
    env = _env(data)
    proc = subprocess.Popen(
        _cmd("--headless", "--track", "--no-capture", "--no-input", "--description", "On-call"),
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None and "headless" in proc.stdout.readline()
        r = subprocess.run(
            _cmd("start", "--description", "Incident review"),
            env=env,
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert r.returncode == 0, r.stderr
        time.sleep(1.2)
        assert (
            subprocess.run(_cmd("stop"), env=env, capture_output=True, timeout=30).returncode == 0
        )
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(15) == 0
    box = Outbox(data, maintenance=False)
    entries = box.all_entries()
    box.close()
    # Started with the first note; the note changed while running: the entry carries the new one.
    assert [e.description for e in entries] == ["Incident review"]
