"""An agent upgraded from 0.1.0 uploads everything its old queue held.

The fixture (`tests/agent/fixtures/queue-0.1.0`, made by `make_queue_010.py`
with the 0.1.0 outbox module) is a data dir as 0.1.0 left it: four entries
(one still RUNNING, as after a crash), eight activity minutes and three
screenshot files, nothing acknowledged yet, no schema version. This test
does what a real upgrade does: the 0.1.0 agent was signed in to this server
as this user (its `login` stored the tokens and bound the queue to the
account: `meta.account` = "<server url>|<user id>"), then the new agent
starts on the same data dir, migrates the queue and uploads it to a real
`hubnity-server` process. The server must end up with exactly the fixture's
rows, none lost, none twice, and the queue must be empty.

Timestamps: the fixture's entries are fixed, on 2026-11-30 (UTC). The server
refuses a start more than 24 h in the future and an entry longer than 31
days, and has no maximum age for entries or screenshots
(`server/sync/validate.py`; screenshot retention is a purge job that first
runs an hour after the server starts), so they are sent as they are, with no
shifting.
"""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

from agent.config import Settings
from agent.core.account import bind_account
from agent.core.agent import Agent
from agent.core.api import ApiClient
from agent.core.credentials import FileStore
from agent.core.outbox import LATEST_VERSION
from tests.agent.fixtures import make_queue_010 as fixture
from tests.e2e.agent.conftest import (
    PASSWORD,
    Account,
    Server,
    agent_entries,
    as_key,
    new_account,
    server_activity,
    server_entries,
    server_screenshot_keys,
    server_screenshots,
    user_rows,
)

FIXTURE = Path(fixture.__file__).parent / "queue-0.1.0"


def _ms(text: str) -> str:
    return datetime.fromisoformat(text).astimezone(UTC).isoformat(timespec="milliseconds")


Entries = dict[str, tuple[str, str, str, str | None, str | None]]
Activity = dict[tuple[str, str], tuple[int, int, int]]
Shots = dict[str, tuple[str, str, str]]


def _read_fixture(data: Path, ids: dict[str, str]) -> tuple[Entries, Activity, Shots]:
    """What the 0.1.0 queue holds, read with plain SQL (not with the code under
    test); `ids` maps the placeholder project and task ids to the real ones."""
    db = sqlite3.connect(data / "outbox.sqlite3")
    try:
        assert db.execute("PRAGMA user_version").fetchone()[0] == 0
        entries = {
            key: (
                _ms(start),
                _ms(end if status != "RUNNING" else heartbeat),  # a crash ends it there
                "STOPPED" if status == "RUNNING" else status,
                ids.get(project, project),
                ids.get(task, task),
            )
            for key, start, end, heartbeat, status, project, task in db.execute(
                "SELECT key, start_time, end_time, last_heartbeat, status, project_id, task_id"
                " FROM entries WHERE revision > synced_revision"
            )
        }
        activity = {
            (key, datetime.fromisoformat(minute).astimezone(UTC).isoformat()): (kb, mm + mc, act)
            for key, minute, kb, mm, mc, act in db.execute(
                "SELECT entry_key, minute, keyboard, mouse_moves, mouse_clicks, active_seconds"
                " FROM activity WHERE version > synced_version"
            )
        }
        shots = {
            key: (
                hashlib.sha256((data / "screenshots" / file).read_bytes()).hexdigest(),
                ctype,
                _ms(captured),
            )
            for key, file, ctype, captured in db.execute(
                "SELECT key, file, content_type, captured_at FROM screenshots"
                " WHERE state = 'waiting'"
            )
        }
    finally:
        db.close()
    return entries, activity, shots


def _signed_in_with_0_1_0(data: Path, server: Server, account: Account) -> None:
    """What `hubnity-agent login` of 0.1.0 left in the data dir for this account:
    tokens, settings, and the queue bound to the account. The fixture's
    placeholder projects become this organization's projects."""
    api = ApiClient(server.url, FileStore(data / "credentials.json"))
    api.login(account.email, PASSWORD)
    api.close()
    settings = Settings.load(data)
    settings.server_url, settings.email = api.server_url, account.email
    settings.save(data)
    db = sqlite3.connect(data / "outbox.sqlite3")
    with db:
        db.execute(
            "UPDATE meta SET value = ? WHERE key = 'account'",
            (f"{api.server_url}|{account.user_id}",),
        )
        db.execute("UPDATE meta SET value = ? WHERE key = 'account_email'", (account.email,))
        for column, placeholder, real in _real_ids(account):
            db.execute(
                f"UPDATE entries SET {column} = ? WHERE {column} = ?",
                (real, placeholder),
            )
    db.close()


def _real_ids(account: Account) -> list[tuple[str, str, str]]:
    return [
        ("project_id", fixture.PROJECT, account.project_id),
        ("task_id", fixture.TASK, account.task_id),
        ("project_id", fixture.OTHER_PROJECT, account.other_project_id),
    ]


def test_a_0_1_0_queue_is_upgraded_and_uploaded_exactly(server: Server, tmp_path: Path) -> None:
    # The server refuses starts more than 24 h ahead of its clock.
    assert datetime.now(UTC) > fixture.at("08:00:00") - timedelta(hours=24), "clock is off"
    account = new_account(server, screenshotDeleteWindowMinutes=0)
    data = tmp_path / "agent"
    shutil.copytree(FIXTURE, data)
    entries, activity, shots = _read_fixture(
        data, {placeholder: real for _c, placeholder, real in _real_ids(account)}
    )
    assert (len(entries), len(activity), len(shots)) == (4, 8, 3)
    _signed_in_with_0_1_0(data, server, account)

    agent = Agent(data, store=FileStore(data / "credentials.json"))
    try:
        assert agent.outbox.upgraded_from == 0
        assert agent.snapshot().notices  # the RUNNING entry was ended at its heartbeat
        # Signing in again as the same person (what the tray offers) keeps the queue.
        bind_account(agent.outbox, agent.api)
        assert agent.outbox.depth().total == 4 + 8 + 3
        for _ in range(5):
            agent.uploader.sync_once()
            if agent.outbox.depth().total == 0:
                break
        depth = agent.outbox.depth()
        assert (depth.total, depth.parked, depth.dropped_screenshots) == (0, 0, 0)
        assert not any((data / "screenshots").iterdir())  # sent files are gone
        mine = agent_entries(agent.outbox)
    finally:
        agent.shutdown()

    on_server = server_entries(server, account.user_id)
    assert {k: (s, e, st) for k, (_r, s, e, st) in on_server.items()} == {
        k: (s, e, st) for k, (s, e, st, _p, _t) in entries.items()
    }
    assert on_server == mine  # and the revisions the agent holds, not an older one
    refs = {
        as_key(k): (None if p is None else as_key(p), None if t is None else as_key(t))
        for k, p, t in user_rows(
            server,
            account.user_id,
            "SELECT idempotency_key, project_id, task_id FROM time_entries"
            " WHERE replace(user_id, '-', '') = ?",
        )
    }
    assert refs == {k: (p, t) for k, (_s, _e, _st, p, t) in entries.items()}
    assert server_activity(server, account.user_id) == activity
    keys = server_screenshot_keys(server, account.user_id)
    assert len(keys) == len(set(keys)) == 3
    assert server_screenshots(server, account.user_id) == shots

    # Started once more, the upgraded agent has nothing left to send and sends nothing twice.
    again = Agent(data, store=FileStore(data / "credentials.json"))
    try:
        assert again.outbox.upgraded_from == LATEST_VERSION
        again.uploader.sync_once()
        assert again.outbox.depth().total == 0
    finally:
        again.shutdown()
    assert server_entries(server, account.user_id) == on_server
    assert len(server_screenshot_keys(server, account.user_id)) == 3
