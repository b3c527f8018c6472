"""No key identity reaches storage or the network: keys typed on a real X
display (xdotool) are counted by pynput, stored and uploaded to a real server,
and the typed text appears nowhere, not in the agent's files, not in any
request body, not in the server's database."""

from __future__ import annotations

import os
import time
from pathlib import Path

import httpx
import pytest

from agent.core.agent import Agent
from agent.core.credentials import FileStore
from agent.platform.input import InputListeners
from tests.agent.xdisplay import xdotool, xvfb
from tests.e2e.agent.conftest import PASSWORD, Server, new_account, server_activity

pytestmark = [
    pytest.mark.x11,
    pytest.mark.slow,
    pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning"),
]
SECRET = "qzxjvkwpfy"


class RecordingTransport(httpx.HTTPTransport):
    def __init__(self) -> None:
        super().__init__()
        self.bodies: list[bytes] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.bodies.append(request.read())
        return super().handle_request(request)


def _all_bytes(root: Path) -> bytes:
    return b"".join(p.read_bytes() for p in root.rglob("*") if p.is_file())


def test_typed_keys_are_counted_but_never_stored_or_sent(server: Server, tmp_path: Path) -> None:
    account = new_account(server)
    transport = RecordingTransport()
    with xvfb() as display:
        old = os.environ.get("DISPLAY")
        os.environ["DISPLAY"] = display
        agent = Agent(
            tmp_path / "agent",
            transport=transport,
            store=FileStore(tmp_path / "agent" / "credentials.json"),
        )
        listeners = InputListeners(agent.counter)
        try:
            agent.sign_in(server.url, account.email, PASSWORD, start_uploads=False)
            assert listeners.start(), listeners.error
            agent.start_tracking(account.project_id)
            time.sleep(0.3)
            xdotool(display, "type", "--delay", "10", SECRET)
            deadline = time.monotonic() + 5
            while agent.counter.total_keys < len(SECRET) and time.monotonic() < deadline:
                time.sleep(0.05)
            for _ in range(3):
                agent.tick()
                time.sleep(0.4)
            agent.stop()
            agent.uploader.sync_once()
        finally:
            listeners.stop()
            if old is None:
                os.environ.pop("DISPLAY", None)
            else:
                os.environ["DISPLAY"] = old
    assert agent.counter.total_keys == len(SECRET)
    assert agent.outbox.depth().total == 0
    uploaded = server_activity(server, account.user_id)
    assert sum(kb for kb, _m, _a in uploaded.values()) == len(SECRET)  # counts did arrive
    agent.shutdown()
    needle = SECRET.encode()
    assert needle not in _all_bytes(tmp_path / "agent")
    assert all(needle not in body for body in transport.bodies)
    assert any(b"keyboardClicks" in body for body in transport.bodies)
    assert needle not in _all_bytes(server.data_dir)
