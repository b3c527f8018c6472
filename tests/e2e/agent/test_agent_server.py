"""The agent core against a real `hubnity-server` process, with a fake clock."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from agent.core.api import ApiClient, NetworkError, Rejected
from agent.core.credentials import FileStore
from agent.core.idle import IdleAction
from agent.core.tracker import State
from tests.e2e.agent.conftest import (
    PASSWORD,
    Server,
    new_account,
    server_entries,
    server_screenshot_keys,
)
from tests.e2e.agent.harness import assert_same_record, drain, make_agent, past_clock, run

pytestmark = pytest.mark.slow


def test_sign_in_errors_and_policy_and_projects(server: Server, tmp_path: Path) -> None:
    account = new_account(server, screenshotIntervalSeconds=300, blurLevel=2)
    api = ApiClient(server.url, FileStore(tmp_path / "c.json"))
    with pytest.raises(Rejected, match="wrong email or password"):
        api.login(account.email, "not the password")
    api.login(account.email, PASSWORD)
    policy = api.policy()
    assert (policy.screenshot_interval_seconds, policy.blur_level) == (300, 2)
    projects = api.active_projects()
    website = next(p for p in projects if p.id == account.project_id)
    assert [t.id for t in website.tasks] == [account.task_id]
    assert api.me().email == account.email
    dead = ApiClient("http://127.0.0.1:9", FileStore(tmp_path / "d.json"))
    with pytest.raises(NetworkError):
        dead.login(account.email, PASSWORD)


def test_refresh_on_401_and_sign_in_again_when_refresh_dies(server: Server, tmp_path) -> None:
    import httpx

    account = new_account(server)
    store = FileStore(tmp_path / "c.json")
    api = ApiClient(server.url, store)
    api.login(account.email, PASSWORD)
    tokens = store.load(api.server_url)
    assert tokens is not None
    # An access token the server refuses (as after expiry) → refresh → retry works.
    from agent.core.credentials import Tokens

    api._tokens = Tokens("not-a-valid-jwt", tokens.refresh_token)
    assert api.me().email == account.email
    fresh = store.load(api.server_url)
    assert fresh is not None and fresh.refresh_token != tokens.refresh_token
    # Someone reuses the old (rotated) refresh token: the server revokes the family.
    httpx.post(f"{server.url}/api/v1/auth/refresh", json={"refreshToken": tokens.refresh_token})
    api._tokens = Tokens("not-a-valid-jwt", fresh.refresh_token)
    from agent.core.api import AuthRequired

    with pytest.raises(AuthRequired):
        api.me()
    assert store.load(api.server_url) is None and not api.signed_in


def test_simulated_hour_with_server_outage_arrives_exactly_once(
    server: Server, tmp_path: Path
) -> None:
    account = new_account(server, screenshotIntervalSeconds=300, screenshotDeleteWindowMinutes=0)
    clock = past_clock()
    agent = make_agent(tmp_path, server, account, clock)
    agent.start_tracking(account.project_id)
    outage = False
    for minute in range(60):
        run(agent, clock, 60)
        if minute == 25:
            agent.switch(account.project_id, account.task_id)
        if minute == 40:
            agent.switch(account.other_project_id, None)
        if minute == 15:
            server.stop()
            outage = True
        if minute == 35:
            server.start()
            outage = False
        if minute % 5 == 4:
            agent.screenshots.wait()
            delay = agent.uploader.cycle()
            if outage:
                assert not agent.uploader.status.online and delay > 0
                assert agent.outbox.depth().total > 0  # kept while the server is away
    agent.stop()
    drain(agent)
    entries = agent.outbox.all_entries()
    assert len(entries) == 3
    assert sum(e.seconds(clock.now()) for e in entries) == pytest.approx(3600, abs=1)
    assert len([s for s in agent.outbox.recent_screenshots(100) if s.state == "uploaded"]) == 12
    assert_same_record(agent, server, account)
    agent.shutdown()


def test_sleep_jump_ends_entry_at_last_heartbeat_on_server(server: Server, tmp_path) -> None:
    account = new_account(server)
    clock = past_clock()
    agent = make_agent(tmp_path, server, account, clock)
    agent.start_tracking(account.project_id)
    run(agent, clock, 600)
    asleep_at = clock.now()
    clock.suspend(3600)
    agent.tick()
    assert agent.tracker.state is State.STOPPED
    drain(agent)
    ((_rev, _start, end, status),) = server_entries(server, account.user_id).values()
    assert status == "STOPPED"
    assert end == asleep_at.isoformat(timespec="milliseconds")
    assert_same_record(agent, server, account)
    agent.shutdown()


def test_idle_discard_removes_idle_time_on_server(server: Server, tmp_path) -> None:
    account = new_account(server, idleTimeoutSeconds=300)
    clock = past_clock()
    agent = make_agent(tmp_path, server, account, clock)
    agent.start_tracking(account.project_id)
    run(agent, clock, 600)
    agent.uploader.sync_once()  # the server already has the entry before the split
    run(agent, clock, 1200, typing=False)
    run(agent, clock, 120)
    assert agent.idle_pending is not None
    agent.uploader.sync_once()  # the answer comes late: uploads happened meanwhile
    agent.resolve_idle(IdleAction.DISCARD)
    run(agent, clock, 60)
    agent.stop()
    drain(agent)
    rows = server_entries(server, account.user_id)
    assert len(rows) == 2
    total = 0.0
    for _rev, start, end, _st in rows.values():
        total += (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds()
    assert 600 + 180 - 2 <= total <= 600 + 180 + 2  # 20 idle minutes are gone
    assert_same_record(agent, server, account)
    agent.shutdown()


def test_poisoned_items_are_parked_and_do_not_block(server: Server, tmp_path) -> None:
    account = new_account(server, screenshotDeleteWindowMinutes=0)
    clock = past_clock()
    agent = make_agent(tmp_path, server, account, clock)
    bogus = "00000000-0000-4000-8000-000000000000"
    agent.start_tracking(account.project_id)
    run(agent, clock, 120)
    agent.switch(bogus, None)  # a project that does not exist (e.g. deleted meanwhile)
    run(agent, clock, 120)
    poisoned_key = agent.tracker.current.key  # type: ignore[union-attr]
    agent.switch(account.other_project_id, None)
    run(agent, clock, 120)
    agent.tracker.timezone = "Mars/Olympus_Mons"  # an entry the server finds invalid
    agent.switch(account.project_id, None)
    run(agent, clock, 60)
    invalid_key = agent.tracker.current.key  # type: ignore[union-attr]
    agent.tracker.timezone = "UTC"
    agent.switch(account.other_project_id, None)
    agent.screenshots.wait()
    agent.capture_now()
    # A screenshot the server refuses for good (not an image at all).
    bad = agent.outbox.waiting_screenshots()[-1]
    path = agent.outbox.screenshot_path(bad)
    assert path is not None
    path.write_bytes(b"GIF89a this is not an allowed image type")
    agent.capture_now()
    run(agent, clock, 60)
    agent.stop()
    agent.uploader.sync_once()
    depth = agent.outbox.depth()
    assert depth.entries == 0 and depth.screenshots == 0
    parked = {e.key: e.parked_reason for e in agent.outbox.parked_entries()}
    assert parked == {poisoned_key: "unknown_project", invalid_key: "invalid"}
    assert agent.outbox.get_screenshot(bad.key).state == "parked"  # type: ignore[union-attr]
    rows = server_entries(server, account.user_id)
    assert len(rows) == 3 and poisoned_key not in rows and invalid_key not in rows
    on_server = server_screenshot_keys(server, account.user_id)
    uploaded = [s.key for s in agent.outbox.recent_screenshots(100) if s.state == "uploaded"]
    assert bad.key not in on_server and uploaded
    assert sorted(on_server) == sorted(uploaded)
    # The next cycle does not send the parked items again.
    agent.uploader.sync_once()
    assert agent.outbox.depth().parked >= 3
    agent.shutdown()


def test_unsent_time_is_never_uploaded_under_another_account(server: Server, tmp_path) -> None:
    from agent.core.account import AccountMismatch

    alice, bob = new_account(server, screenshotDeleteWindowMinutes=0), new_account(server)
    clock = past_clock()
    agent = make_agent(tmp_path, server, alice, clock)
    agent.start_tracking(alice.project_id)
    run(agent, clock, 300)
    agent.sign_out()  # offline sign-out: alice's entry is still unsent
    assert agent.outbox.depth().entries == 1
    with pytest.raises(AccountMismatch, match="unsent item"):
        agent.sign_in(server.url, bob.email, PASSWORD, start_uploads=False)
    assert not agent.api.signed_in
    assert server_entries(server, bob.user_id) == {}
    agent.sign_in(server.url, alice.email, PASSWORD, start_uploads=False)
    drain(agent)
    assert len(server_entries(server, alice.user_id)) == 1
    agent.sign_out()
    agent.sign_in(server.url, bob.email, PASSWORD, start_uploads=False)  # queue empty: fine
    assert agent.outbox.all_entries() == []  # alice's history is not shown to bob
    agent.shutdown()


def test_failed_capture_uploads_an_explanation_not_a_black_image(server: Server, tmp_path) -> None:
    import json

    from agent.platform.capture import ScreenCapturer

    account = new_account(server, screenshotDeleteWindowMinutes=0)
    clock = past_clock()
    agent = make_agent(tmp_path, server, account, clock)
    reason = "the captured screen is completely black"
    agent.screenshots.capturer = lambda blur: ScreenCapturer()._failed(reason)
    agent.start_tracking(account.project_id)
    run(agent, clock, 30)
    agent.capture_now()
    assert agent.snapshot().capture_problem == reason  # shown in the tray
    agent.stop()
    drain(agent)
    with server.db() as db:
        rows = db.execute(
            "SELECT content_type, metadata FROM screenshots WHERE replace(user_id, '-', '') = ?",
            (account.user_id.replace("-", ""),),
        ).fetchall()
    assert rows  # (a scheduled capture may have added one more; all are failures)
    for content_type, raw in rows:
        meta = json.loads(raw) if isinstance(raw, str) else raw
        assert content_type == "image/png"
        assert meta["captureFailed"] is True and meta["captureProblem"].startswith(reason)
    agent.shutdown()
