"""The queue file's schema version (`PRAGMA user_version`) and its migrations."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from agent.core.outbox import LATEST_VERSION, Outbox, QueueTooNew, schema

FIXTURE = Path(__file__).parent / "fixtures" / "queue-0.1.0"


def _version(data: Path) -> int:
    db = sqlite3.connect(data / "outbox.sqlite3")
    try:
        return int(db.execute("PRAGMA user_version").fetchone()[0])
    finally:
        db.close()


def _counts(data: Path) -> dict[str, int]:
    db = sqlite3.connect(data / "outbox.sqlite3")
    try:
        return {
            t: db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
            for t in ("entries", "activity", "screenshots", "meta")
        }
    finally:
        db.close()


@pytest.fixture
def old_queue(tmp_path: Path) -> Path:
    data = tmp_path / "agent"
    shutil.copytree(FIXTURE, data)
    return data


def test_a_fresh_queue_is_created_at_the_latest_version(data_dir: Path) -> None:
    box = Outbox(data_dir)
    box.close()
    assert box.upgraded_from == 0
    assert _version(data_dir) == LATEST_VERSION


def test_a_0_1_0_queue_is_upgraded_and_keeps_every_row_and_file(old_queue: Path) -> None:
    assert _version(old_queue) == 0  # as 0.1.0 wrote it: no version at all
    before = _counts(old_queue)
    files = sorted(p.name for p in (old_queue / "screenshots").iterdir())
    box = Outbox(old_queue)
    try:
        assert box.upgraded_from == 0
        depth = box.depth()
        assert (depth.entries, depth.activity, depth.screenshots) == (4, 8, 3)
        assert box.get_meta("account") is not None
    finally:
        box.close()
    assert _version(old_queue) == LATEST_VERSION
    assert _counts(old_queue) == before
    assert sorted(p.name for p in (old_queue / "screenshots").iterdir()) == files
    again = Outbox(old_queue)  # already current: nothing to do
    again.close()
    assert again.upgraded_from == LATEST_VERSION


def _recording_steps(log: list[tuple[str, int]]) -> list[Callable[[sqlite3.Connection], None]]:
    def step(name: str, sql: str) -> Callable[[sqlite3.Connection], None]:
        def run(db: sqlite3.Connection) -> None:
            log.append((name, int(db.execute("PRAGMA user_version").fetchone()[0])))
            db.execute(sql)

        return run

    return [
        step("v2", "ALTER TABLE entries ADD COLUMN note TEXT"),
        step("v3", "CREATE INDEX entries_note ON entries(note)"),
    ]


def test_missing_steps_run_in_order_and_the_version_follows(
    old_queue: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log: list[tuple[str, int]] = []
    monkeypatch.setattr(schema, "MIGRATIONS", (*schema.MIGRATIONS, *_recording_steps(log)))
    box = Outbox(old_queue)
    box.close()
    assert box.upgraded_from == 0
    # Each step saw the file as the previous one left it, in one transaction
    # (the number is written once, at the end).
    assert log == [("v2", 0), ("v3", 0)]
    assert _version(old_queue) == LATEST_VERSION + 2
    db = sqlite3.connect(old_queue / "outbox.sqlite3")
    assert "note" in {r[1] for r in db.execute("PRAGMA table_info(entries)")}
    db.close()


def test_a_failing_step_leaves_the_file_as_it_was(
    old_queue: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(db: sqlite3.Connection) -> None:
        db.execute("CREATE TABLE half_done (x)")
        raise sqlite3.OperationalError("disk I/O error")

    log: list[tuple[str, int]] = []
    steps = (*schema.MIGRATIONS, _recording_steps(log)[0], broken)
    monkeypatch.setattr(schema, "MIGRATIONS", steps)
    with pytest.raises(sqlite3.OperationalError):
        Outbox(old_queue)
    assert _version(old_queue) == 0
    db = sqlite3.connect(old_queue / "outbox.sqlite3")
    names = {r[0] for r in db.execute("SELECT name FROM sqlite_master")}
    columns = {r[1] for r in db.execute("PRAGMA table_info(entries)")}
    db.close()
    assert "half_done" not in names and "note" not in columns  # step 2 rolled back too


def test_a_queue_from_a_newer_agent_is_refused_untouched(old_queue: Path) -> None:
    Outbox(old_queue).close()
    db = sqlite3.connect(old_queue / "outbox.sqlite3")
    db.execute(f"PRAGMA user_version = {LATEST_VERSION + 1}")
    db.close()
    digest = hashlib.sha256((old_queue / "outbox.sqlite3").read_bytes()).hexdigest()
    with pytest.raises(QueueTooNew) as err:
        Outbox(old_queue)
    assert err.value.found == LATEST_VERSION + 1 and err.value.known == LATEST_VERSION
    assert "newer Hubnity agent" in str(err.value) and "left untouched" in str(err.value)
    assert hashlib.sha256((old_queue / "outbox.sqlite3").read_bytes()).hexdigest() == digest
    assert len(list((old_queue / "screenshots").iterdir())) == 3  # no orphan sweep either
