"""Employee review before upload, against a real `hubnity-server`: within the
policy's delete window the agent keeps a screenshot on the device, so the
person can delete it and it never reaches the server; after the window it can
no longer be deleted on the device and is uploaded. With deleting disallowed
nothing is held. (The server's own refusal of late deletions is in
tests/integration/screenshots/test_access.py::test_delete_policy.)"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.agent.conftest import Server, new_account, server_screenshot_keys
from tests.e2e.agent.harness import make_agent, past_clock, run

pytestmark = pytest.mark.slow


def test_deleted_in_the_window_never_uploads_late_ones_do(server: Server, tmp_path: Path) -> None:
    account = new_account(
        server,
        allowScreenshotDelete=True,
        screenshotDeleteWindowMinutes=10,
        screenshotIntervalSeconds=3600,
    )
    clock = past_clock()
    agent = make_agent(tmp_path, server, account, clock)
    assert (
        agent.policy.allow_screenshot_delete and agent.policy.screenshot_delete_window_minutes == 10
    )
    agent.start_tracking(account.project_id)
    run(agent, clock, 30)
    agent.capture_now()
    agent.capture_now()
    agent.screenshots.wait()
    private, kept = agent.outbox.waiting_screenshots()

    # Inside the window: held on the device, nothing uploaded yet.
    agent.uploader.sync_once()
    assert server_screenshot_keys(server, account.user_id) == []
    assert agent.delete_screenshot(private.key) is None
    run(agent, clock, 11 * 60)
    assert "passed" in (agent.delete_screenshot(kept.key) or "")
    agent.stop()
    agent.uploader.sync_once()
    assert server_screenshot_keys(server, account.user_id) == [kept.key]
    states = {s.key: s.state for s in agent.outbox.recent_screenshots(10)}
    assert states == {private.key: "deleted", kept.key: "uploaded"}
    agent.shutdown()


def test_without_delete_permission_nothing_is_held(server: Server, tmp_path: Path) -> None:
    account = new_account(server, allowScreenshotDelete=False, screenshotIntervalSeconds=3600)
    clock = past_clock()
    agent = make_agent(tmp_path, server, account, clock)
    agent.start_tracking(account.project_id)
    run(agent, clock, 30)
    agent.capture_now()
    agent.screenshots.wait()
    (shot,) = agent.outbox.waiting_screenshots()
    assert "not allow" in (agent.delete_screenshot(shot.key) or "")
    agent.uploader.sync_once()
    assert server_screenshot_keys(server, account.user_id) == [shot.key]
    agent.shutdown()
