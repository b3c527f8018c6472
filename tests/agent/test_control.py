"""Commands for a running agent from another process (`hubnity-agent pause`)."""

from __future__ import annotations

import json
import stat
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from agent.core.agent import Agent
from agent.core.clock import FakeClock
from agent.core.control import NoAnswer, Reply, control_dir, send
from agent.core.tracker import State

P1 = "11111111-1111-1111-1111-111111111111"


@pytest.fixture
def agent(data_dir: Path, clock: FakeClock) -> Iterator[Agent]:
    a = Agent(data_dir, clock=clock)
    a.start(tick_thread=False, uploads=False)
    yield a
    a.shutdown()


def _ask(data: Path, agent: Agent, command: str, **args: str | None) -> Reply:
    """`send` from another thread while this one plays the agent's loop."""
    out: list[Reply | Exception] = []

    def client() -> None:
        try:
            out.append(send(data, command, timeout=5, **args))
        except Exception as exc:
            out.append(exc)

    t = threading.Thread(target=client)
    t.start()
    while t.is_alive():
        agent.control.poll(agent.run_command)
        time.sleep(0.01)
    (result,) = out
    assert isinstance(result, Reply), result
    return result


def test_start_pause_resume_stop_and_sync(data_dir: Path, agent: Agent, clock: FakeClock) -> None:
    assert _ask(data_dir, agent, "start", project=P1).message == "tracking (unknown project)"
    assert agent.tracker.state is State.RUNNING and agent.tracker.project_id == P1
    clock.advance(30)
    assert _ask(data_dir, agent, "pause") == Reply(True, "paused")
    assert agent.tracker.state is State.PAUSED
    clock.advance(30)
    assert _ask(data_dir, agent, "resume").ok and agent.tracker.state is State.RUNNING
    assert _ask(data_dir, agent, "sync").ok  # not signed in: nothing to upload, no error
    clock.advance(30)
    assert _ask(data_dir, agent, "stop") == Reply(True, "stopped")
    entries = agent.outbox.all_entries()
    assert [e.status for e in entries] == ["PAUSED", "STOPPED"]
    assert [e.seconds(clock.now()) for e in entries] == [30, 30]
    assert list(control_dir(data_dir).iterdir()) == []  # every file was cleaned up


def test_the_channel_is_private_to_the_user(data_dir: Path, agent: Agent) -> None:
    folder = control_dir(data_dir)
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    t = threading.Thread(target=lambda: send(data_dir, "sync", timeout=5))
    t.start()
    while not list(folder.glob("*.cmd")):
        time.sleep(0.005)
    (request,) = folder.glob("*.cmd")
    assert stat.S_IMODE(request.stat().st_mode) == 0o600
    during: list[str] = []

    def handle(command: str, args: dict[str, str | None]) -> str:
        during.extend(p.name for p in folder.iterdir())
        return "ok"

    assert agent.control.poll(handle) == 1
    (reply,) = folder.glob("*.reply")
    assert stat.S_IMODE(reply.stat().st_mode) == 0o600
    t.join()
    assert during == []  # the command was taken (removed) before it ran: never twice


def test_a_stale_command_from_before_a_restart_is_never_run(
    data_dir: Path, clock: FakeClock
) -> None:
    folder = control_dir(data_dir)
    folder.mkdir(mode=0o700)
    (folder / "00000000000000000001-dead.cmd").write_text('{"command": "pause", "args": {}}')
    agent = Agent(data_dir, clock=clock)
    agent.start_tracking(P1)
    agent.start(tick_thread=False, uploads=False)  # throws the old command away
    try:
        assert agent.control.poll(agent.run_command) == 0
        assert agent.tracker.state is State.RUNNING
    finally:
        agent.shutdown()


def test_a_bad_command_is_answered_not_run(data_dir: Path, agent: Agent) -> None:
    folder = control_dir(data_dir)
    (folder / "1.cmd").write_text('{"command": "format-disk", "args": {}}')
    (folder / "2.cmd").write_text("not json")
    assert agent.control.poll(agent.run_command) == 1
    answer = json.loads((folder / "1.reply").read_text())
    assert answer["ok"] is False and "unknown command" in answer["message"]
    with pytest.raises(ValueError, match="unknown command"):
        send(data_dir, "format-disk")


def test_nobody_listening_is_no_answer_and_leaves_nothing_behind(
    data_dir: Path, agent: Agent
) -> None:
    with pytest.raises(NoAnswer, match="did not pick up"):
        send(data_dir, "pause", timeout=0.2)
    assert list(control_dir(data_dir).iterdir()) == []
    assert agent.tracker.state is State.STOPPED
    with pytest.raises(NoAnswer, match="not listening"):
        send(data_dir / "elsewhere", "pause", timeout=0.2)


def test_start_with_a_description_carries_it_to_the_entry(
    data_dir: Path, agent: Agent, clock: FakeClock
) -> None:
    assert _ask(data_dir, agent, "start", project=P1, description="Quarterly report").ok
    clock.advance(30)
    # A later command without one keeps it; an empty one clears it.
    assert _ask(data_dir, agent, "pause", description=None).ok
    assert _ask(data_dir, agent, "resume", description="").ok
    assert _ask(data_dir, agent, "stop").ok
    assert [e.description for e in agent.outbox.all_entries()] == ["Quarterly report", None]
