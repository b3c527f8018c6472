"""Driving the agent core against a real `hubnity-server` on a fake clock:
an agent signed in to the server, seconds of typing, a full upload, and the
comparison of the agent's record with the server's rows."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

from agent.core.agent import Agent
from agent.core.clock import FakeClock
from agent.core.credentials import FileStore
from agent.core.shots import CaptureResult
from tests.e2e.agent.conftest import (
    PASSWORD,
    Account,
    Server,
    agent_activity,
    agent_entries,
    jpeg,
    server_activity,
    server_entries,
    server_screenshot_keys,
)


def capture(blur: int) -> CaptureResult:
    data = jpeg()
    return CaptureResult(data, "image/jpeg", 64, 48, data, {"os": "test", "displayCount": 1})


def make_agent(
    tmp: Path, server: Server, account: Account, clock: FakeClock, rng_seed: int = 3
) -> Agent:
    agent = Agent(
        tmp / "agent",
        clock=clock,
        capturer=capture,
        rng=random.Random(rng_seed),
        store=FileStore(tmp / "agent" / "credentials.json"),
    )
    agent.sign_in(server.url, account.email, PASSWORD, start_uploads=False)
    return agent


def past_clock(hours: float = 3) -> FakeClock:
    return FakeClock((datetime.now(UTC) - timedelta(hours=hours)).replace(microsecond=0))


def run(agent: Agent, clock: FakeClock, seconds: int, typing: bool = True) -> None:
    for _ in range(seconds):
        if typing:
            agent.counter.key()
            agent.counter.move()
        clock.advance(1)
        agent.tick()


def drain(agent: Agent) -> None:
    agent.screenshots.wait()  # captures finished
    agent.uploader.sync_once()
    assert agent.outbox.depth().total == 0, agent.outbox.depth()


def assert_same_record(agent: Agent, server: Server, account: Account) -> None:
    """The server's rows are exactly the agent's record: nothing lost, nothing doubled."""
    assert server_entries(server, account.user_id) == agent_entries(agent.outbox)
    assert server_activity(server, account.user_id) == agent_activity(agent.outbox)
    uploaded = sorted(
        s.key for s in agent.outbox.recent_screenshots(10_000) if s.state == "uploaded"
    )
    on_server = server_screenshot_keys(server, account.user_id)
    assert sorted(on_server) == uploaded and len(set(on_server)) == len(on_server)
