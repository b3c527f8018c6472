"""The code stays ruff-clean and mypy-clean (the same commands the docs tell developers to run)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def _run(*cmd: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600)


def test_ruff_is_clean():
    proc = _run(str(BIN / "ruff"), "check", ".")
    assert proc.returncode == 0, proc.stdout[-5000:]


def test_mypy_is_clean():
    proc = _run(str(BIN / "mypy"), "server", "shared", "agent", "cli")
    assert proc.returncode == 0, proc.stdout[-5000:]
