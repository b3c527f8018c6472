"""Agent test fixtures: a temporary data dir, a fake clock, file credentials.

The agent never touches the developer's real install: every test gets its
own data dir and tokens go to a 0600 file in it, not the OS keyring.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

import pytest

from agent.core.clock import FakeClock
from agent.core.outbox import Outbox


@pytest.fixture(autouse=True)
def _agent_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUBNITY_AGENT_CREDENTIALS", "file")
    monkeypatch.setenv("HUBNITY_AGENT_DATA_DIR", str(tmp_path / "agent-data"))


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def rng() -> random.Random:
    return random.Random(1234)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    d = tmp_path / "data"
    d.mkdir()
    return d


@pytest.fixture
def outbox(data_dir: Path) -> Iterator[Outbox]:
    box = Outbox(data_dir)
    yield box
    box.close()


def need_binaries(*names: str) -> None:
    """Skip loudly when a tool is missing locally; fail in CI, where it must be there."""
    from tests.support.tools import require_tool

    for name in names:
        require_tool(name, "drive a real X display")
