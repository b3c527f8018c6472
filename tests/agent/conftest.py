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


# --- the Qt windows (pytest-qt, offscreen) ---------------------------------------------------

P1 = "11111111-1111-1111-1111-111111111111"
P2 = "22222222-2222-2222-2222-222222222222"
P3 = "44444444-4444-4444-4444-444444444444"
T1 = "33333333-3333-3333-3333-333333333333"


def tiny_jpeg(color: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (40, 20), color).save(buf, "JPEG")
    return buf.getvalue()


@pytest.fixture
def ui_agent(data_dir: Path, clock: FakeClock) -> Iterator[object]:
    """An agent with three projects (one with a task) and a capturer that
    returns a small red picture; never signed in, never uploads."""
    from agent.core.agent import Agent
    from agent.core.shots import CaptureResult
    from shared.schemas import ActiveProject, TaskOut

    a = Agent(
        data_dir,
        clock=clock,
        rng=random.Random(1),
        capturer=lambda blur: CaptureResult(tiny_jpeg(), "image/jpeg", 40, 20, tiny_jpeg()),
    )
    a.projects = [
        ActiveProject(id=P1, name="Website", tasks=[TaskOut(id=T1, project_id=P1, name="Blog")]),
        ActiveProject(id=P2, name="Internal"),
        ActiveProject(id=P3, name="Mobile app"),
    ]
    yield a
    a.shutdown()
