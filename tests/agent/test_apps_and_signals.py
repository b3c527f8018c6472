"""App tracking and input signals in the agent, without a display: the signals
of a minute through the real counting path, the Windows and macOS probes
behind the platform interface (their OS calls scripted), the queue's apps
rows and migration, and what the uploader sends and does with the answer."""

from __future__ import annotations

import json
import sqlite3
from datetime import timedelta
from pathlib import Path

import httpx

from agent.core.activity import InputCounter, MinuteBuckets
from agent.core.apps import AppMinutes, Foreground
from agent.core.clock import FakeClock, floor_minute
from agent.core.outbox import LATEST_VERSION, AppRow, Outbox
from agent.platform.foreground import MacForeground, WindowsForeground, executable_name, safe
from shared.enums import AppTracking
from shared.schemas import TrackingPolicy
from tests.agent.test_uploader import Server, make, track


def _minute(counter: InputCounter, clock: FakeClock, events) -> object:  # type: ignore[no-untyped-def]
    """Feed (delay, kind, x, y) events through the counter and buckets; the minute's row."""
    buckets = MinuteBuckets()
    start = floor_minute(clock.now())
    for delay, kind, x, y in events:
        clock.advance(delay)
        if kind == "key":
            counter.key()
        elif kind == "scroll":
            counter.scroll()
        else:
            counter.move(x, y)
        buckets.absorb("e1", counter.drain(), clock.now())
    return buckets.row(start, buckets._buckets[start])


def test_signals_of_a_jiggler_minute_and_a_typing_minute(clock: FakeClock) -> None:
    counter = InputCounter(clock)
    jiggle = _minute(counter, clock, [(5.0, "move", 100 + i % 2, 100) for i in range(11)])
    assert jiggle.interval_cv == 0.0 and jiggle.distinct_positions == 2  # type: ignore[attr-defined]
    assert jiggle.pointer_span == 1 and jiggle.keyboard_share == 0.0  # type: ignore[attr-defined]
    assert jiggle.pointer_moves == 11  # type: ignore[attr-defined]
    clock.advance(60 - clock.now().second)
    typing = [(0.15 + (i % 7) * 0.05, "key", None, None) for i in range(40)]
    typing += [(2.0 + i * 0.01, "move", 300 + 7 * i, 200 + 3 * i) for i in range(10)]
    typing += [(0.5, "scroll", None, None)] * 3
    row = _minute(counter, clock, typing)
    assert row.interval_cv > 1.0 and row.distinct_positions == 10  # type: ignore[attr-defined]
    assert row.keyboard_share == round(40 / 53, 4) and row.pointer_moves == 10  # type: ignore[attr-defined]
    assert row.keyboard == 40 and row.mouse_moves == 13  # type: ignore[attr-defined]


def test_signals_reach_the_wire_and_the_queue_keeps_them(outbox: Outbox, clock) -> None:  # type: ignore[no-untyped-def]
    from agent.core.uploader import activity_to_wire

    counter = InputCounter(clock)
    row = _minute(counter, clock, [(5.0, "move", 10 * i, 0) for i in range(5)])
    row.entry_key = "11111111-1111-1111-1111-111111111111"  # type: ignore[attr-defined]
    outbox.put_activity(row)  # type: ignore[arg-type]
    (stored,) = outbox.all_activity()
    assert (stored.interval_cv, stored.distinct_positions, stored.pointer_span) == (0.0, 5, 40)
    wire = activity_to_wire(stored)
    assert (wire.interval_cv, wire.pointer_moves, wire.keyboard_share) == (0.0, 5, 0.0)


def test_windows_probe_behind_the_interface() -> None:
    class FakeWin:
        def __init__(self, hwnd: int, image: str | None, text: str) -> None:
            self.hwnd, self.image, self.text = hwnd, image, text

        def foreground_window(self) -> int:
            return self.hwnd

        def window_pid(self, hwnd: int) -> int:
            return 4242 if hwnd else 0

        def process_image(self, pid: int) -> str | None:
            return self.image

        def window_text(self, hwnd: int) -> str:
            return self.text

    word = r"C:\Program Files\Microsoft Office\root\Office16\WINWORD.EXE"
    assert WindowsForeground(FakeWin(7, word, "Report.docx - Word"))() == Foreground(
        "WINWORD", "Report.docx - Word"
    )
    assert WindowsForeground(FakeWin(7, word, ""))() == Foreground("WINWORD", None)
    assert WindowsForeground(FakeWin(0, None, ""))() is None  # lock screen, UAC prompt

    # Under the `apps` policy the title is not even asked for.
    class NoTitle(FakeWin):
        def window_text(self, hwnd: int) -> str:
            raise AssertionError("title asked for")

    assert WindowsForeground(NoTitle(7, word, "x"))(titles=False) == Foreground("WINWORD")
    # An elevated process we may not open: its title is all there is.
    assert WindowsForeground(FakeWin(7, None, "Admin"))() == Foreground("unknown", "Admin")


def test_macos_probe_behind_the_interface() -> None:
    class FakeMac:
        def __init__(self, front, windows) -> None:  # type: ignore[no-untyped-def]
            self.front, self.windows = front, windows

        def frontmost(self):  # type: ignore[no-untyped-def]
            return self.front

        def window_titles(self):  # type: ignore[no-untyped-def]
            return self.windows

    safari = "/Applications/Safari.app/Contents/MacOS/Safari"
    windows = [(10, "Dock"), (77, "Hubnity docs"), (77, "Other tab")]
    assert MacForeground(FakeMac((safari, 77), windows))() == Foreground("Safari", "Hubnity docs")
    # Without the Screen Recording permission window names are missing: the app only.
    assert MacForeground(FakeMac((safari, 77), [(77, None)]))() == Foreground("Safari", None)
    assert MacForeground(FakeMac(None, []))() is None
    assert MacForeground(FakeMac((safari, 77), windows))(titles=False) == Foreground("Safari")


def test_executable_names_and_a_probe_that_fails() -> None:
    assert executable_name("/usr/lib/firefox/firefox") == "firefox"
    assert executable_name(r"C:\Windows\notepad.exe") == "notepad"

    def broken(titles: bool = True) -> Foreground | None:
        raise OSError("BadWindow")

    assert safe(broken)() is None


def test_app_minutes_follow_the_policy_and_redact_before_the_queue(
    outbox: Outbox, clock: FakeClock
) -> None:
    shown = [Foreground("code", "payroll 2026 - secret.py")]
    apps = AppMinutes(lambda titles=True: shown[0])
    policy = TrackingPolicy(app_tracking=AppTracking.TITLES, redaction_patterns=[r"\d+", "secret"])
    for _ in range(30):
        apps.sample("e1", clock.now(), policy)
        clock.advance(1)
    shown[0] = Foreground("x" * 500, None)
    for _ in range(40):
        apps.sample("e1", clock.now(), policy)
        clock.advance(1)
    apps.flush(outbox, clock.now(), final=True)
    rows = outbox.apps_of("e1")
    assert [(r.app[:4], r.title, r.seconds) for r in rows] == [
        ("code", "payroll *** - ***.py", 30),
        ("xxxx", "", 30),
        ("xxxx", "", 10),
    ]
    assert len(rows[1].app) == 128
    # Under `apps` the title is never kept; under `off` the probe is not even asked.
    asked: list[bool] = []

    def probe(titles: bool = True) -> Foreground:
        asked.append(titles)
        return Foreground("code", "secret" if titles else None)

    apps = AppMinutes(probe)
    apps.sample("e2", clock.now(), TrackingPolicy(app_tracking=AppTracking.APPS))
    apps.sample("e2", clock.now(), TrackingPolicy(app_tracking=AppTracking.OFF))
    apps.flush(outbox, clock.now(), final=True)
    assert [(r.app, r.title) for r in outbox.apps_of("e2")] == [("code", "")]
    assert asked == [False]  # asked once, and not for the title


def test_a_0_1_0_queue_gains_the_apps_table_and_signal_columns(tmp_path: Path) -> None:
    import shutil

    from tests.agent.test_outbox_versions import FIXTURE

    data = tmp_path / "old"
    shutil.copytree(FIXTURE, data)
    box = Outbox(data)
    try:
        assert box.upgraded_from == 0
        assert all(a.interval_cv is None for a in box.all_activity())  # old rows: no signals
        box.put_apps([AppRow("k", box.all_activity()[0].minute, "code", "", 12)])
        assert [r.seconds for r in box.apps_of("k")] == [12]
    finally:
        box.close()
    db = sqlite3.connect(data / "outbox.sqlite3")
    assert int(db.execute("PRAGMA user_version").fetchone()[0]) == LATEST_VERSION >= 2
    db.close()


def test_uploader_sends_apps_parks_refused_rows_and_acks_the_rest(data_dir, clock) -> None:  # type: ignore[no-untyped-def]
    def handler(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        refused = [
            {
                "idempotencyKey": a["timeEntryKey"],
                "reason": "invalid",
                "detail": f"app {a['app'][:64]!r}: seconds must be between 0 and 60",
                "minute": a["minute"],
            }
            for a in body.get("apps", [])
            if a["app"] == "bad"
        ]
        return httpx.Response(
            200,
            json={
                "processed": len(body["entries"]),
                "skipped": 0,
                "conflicts": [],
                "activity": {"processed": 0},
                "apps": {"processed": 1, "conflicts": refused},
            },
        )

    server = Server(handler)
    box, up, _ = make(data_dir, clock, server)
    (key,) = track(box, clock, 1)
    minute = box.get_entry(key).start.replace(second=0, microsecond=0)  # type: ignore[union-attr]
    box.put_apps([AppRow(key, minute, "code", "", 40), AppRow(key, minute, "bad", "t", 20)])
    up.cycle()
    sent = [a for b in server.batches() for a in b.get("apps", [])]
    assert {(a["app"], a.get("title")) for a in sent} == {("code", None), ("bad", "t")}
    assert box._pending_apps(box._db(), set(), 10) == []
    parked = (
        box._db()
        .execute("SELECT app, parked_reason FROM apps WHERE parked_version IS NOT NULL")
        .fetchall()
    )
    assert [(r[0], r[1].split(":")[0]) for r in parked] == [("bad", "invalid")]
    before = len(server.batches())
    up.cycle()  # nothing left to send: no batch at all
    assert len(server.batches()) == before


def test_what_is_collected_says_the_app_tracking_level() -> None:
    from agent.ui.transparency import collected

    def apps(**policy: object) -> str:
        return dict(collected(TrackingPolicy(**policy)))["Apps and websites"]  # type: ignore[arg-type]

    assert apps(app_tracking=AppTracking.OFF).startswith("Not recorded")
    assert "Not the window titles" in apps()
    titled = apps(app_tracking=AppTracking.TITLES, redaction_patterns=["x"])
    assert "window title after your organization's masking rules" in titled


def test_apps_after_an_entry_is_cut_short_are_forgotten(outbox: Outbox, clock: FakeClock) -> None:
    from agent.core.tracker import Tracker

    t = Tracker(outbox, clock, "UTC")
    t.start(None)
    key = t.current.key  # type: ignore[union-attr]
    start = floor_minute(clock.now())
    outbox.put_apps([AppRow(key, start + timedelta(minutes=i), "code", "", 60) for i in range(10)])
    # The idle stretch from 5.5 minutes on is given up: the entry ends there.
    outbox.update_entry(key, end=start + timedelta(minutes=5, seconds=30), status="STOPPED")
    assert [r.minute - start for r in outbox.apps_of(key)] == [
        timedelta(minutes=i) for i in range(6)
    ]
