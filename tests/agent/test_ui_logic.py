"""The windows' Qt-free decisions: notifications, reminders, server extras,
durations and project order."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from agent.core.idle import IdlePeriod
from agent.core.outbox import QueueDepth
from agent.core.snapshot import Snapshot
from agent.core.tracker import State
from agent.ui.features import ServerExtras, parse_config, parse_task_status
from agent.ui.notices import NoticePlanner
from agent.ui.prefs import UiPrefs
from agent.ui.viewmodel import ago, hms, limit_line, order_projects, week_start
from shared.schemas import ActiveProject, TaskOut

# Thursday 15 Jan 2026
NOW = datetime(2026, 1, 15, 10, 0, tzinfo=UTC)
EMPTY = QueueDepth(0, 0, 0, 0, 0, 0)


def snap(**kw: object) -> Snapshot:
    base = Snapshot(
        state=State.STOPPED,
        project_id=None,
        task_id=None,
        project_name=None,
        today_seconds=0,
        elapsed_seconds=0,
        depth=EMPTY,
        last_sync_at=None,
        online=True,
        signed_in=True,
        auth_required=False,
        last_error=None,
        idle_pending=None,
        capture_problem=None,
    )
    return replace(base, **kw)


def kinds(planner: NoticePlanner, s: Snapshot, now: datetime = NOW, **kw: object) -> list[str]:
    return [n.kind for n in planner.plan(s, now, **kw)]  # type: ignore[arg-type]


def test_sync_problems_are_told_once_when_they_appear() -> None:
    p = NoticePlanner(UiPrefs())
    assert kinds(p, snap()) == []
    parked = snap(depth=QueueDepth(0, 0, 0, 0, 2, 0))
    assert kinds(p, parked) == ["attention"]
    assert kinds(p, parked) == []  # not again every second
    assert kinds(p, snap(depth=QueueDepth(0, 0, 0, 0, 3, 0))) == ["attention"]
    assert kinds(p, snap(auth_required=True)) == ["signin"]
    assert kinds(p, snap(auth_required=True)) == []


def test_core_notices_and_idle_return_are_shown() -> None:
    p = NoticePlanner(UiPrefs())
    period = IdlePeriod(NOW - timedelta(minutes=20), NOW, "k")
    out = p.plan(snap(notices=["The computer was asleep"], idle_pending=period), NOW)
    assert [n.kind for n in out] == ["core", "idle"]
    assert "20 min" in out[1].text
    assert kinds(p, snap(idle_pending=period)) == []


def test_screenshot_notice_only_when_the_policy_says_so() -> None:
    p = NoticePlanner(UiPrefs())
    s = snap(state=State.RUNNING)
    assert kinds(p, s, latest_shot=("a", NOW, 0), notify_screenshots=True) == []  # the old one
    assert kinds(p, s, latest_shot=("b", NOW, 2), notify_screenshots=False) == []
    out = p.plan(s, NOW, latest_shot=("c", NOW, 2), notify_screenshots=True)
    assert [n.kind for n in out] == ["screenshot"] and "blurred (level 2)" in out[0].text


def test_reminder_only_opted_in_within_working_hours_and_hourly() -> None:
    prefs = UiPrefs(remind_not_tracking=False, remind_after_minutes=15)
    p = NoticePlanner(prefs)
    local = datetime(2026, 1, 15, 10, 0)  # Thursday, local time
    assert kinds(p, snap(), local) == []
    assert kinds(p, snap(), local + timedelta(minutes=20)) == []  # not opted in
    prefs.remind_not_tracking = True
    assert kinds(p, snap(), local + timedelta(minutes=21)) == ["reminder"]
    assert kinds(p, snap(), local + timedelta(minutes=50)) == []  # once an hour
    assert kinds(p, snap(), local + timedelta(minutes=82)) == ["reminder"]
    assert kinds(p, snap(state=State.RUNNING), local + timedelta(minutes=90)) == []
    assert kinds(p, snap(), local + timedelta(minutes=100)) == []  # the wait starts again
    evening = datetime(2026, 1, 15, 19, 0)
    assert kinds(p, snap(), evening) == [] and kinds(p, snap(), evening + timedelta(hours=1)) == []
    saturday = datetime(2026, 1, 17, 11, 0)
    p2 = NoticePlanner(prefs)
    assert kinds(p2, snap(), saturday) == []
    assert kinds(p2, snap(), saturday + timedelta(minutes=30)) == []


def test_server_extras_are_read_when_present_and_absent_otherwise() -> None:
    assert parse_config({"blurLevel": 0}) == (None, False)
    assert parse_config({"weeklyLimitHours": 40, "notifyOnScreenshot": True}) == (144000.0, True)
    assert parse_config({"weeklyLimitMinutes": 90})[0] == 5400.0
    assert parse_task_status({"items": [{"id": "p", "tasks": [{"id": "t", "name": "x"}]}]}) == {}
    body = {"items": [{"id": "p", "tasks": [{"id": "t", "status": "open"}]}]}
    assert parse_task_status(body) == {"t": "OPEN"}
    assert ServerExtras(task_status={"t": "OPEN"}).supports_task_status("t")


def test_formatting_and_order() -> None:
    assert hms(3725) == "1:02:05" and ago(30) == "just now" and ago(600) == "10 min ago"
    assert week_start(NOW.date()).isoformat() == "2026-01-12"  # Monday
    assert week_start(NOW.date(), 6).isoformat() == "2026-01-11"  # Sunday-first locales
    assert limit_line(3600, None) == ""
    assert limit_line(41 * 3600, 40 * 3600) == "Weekly limit 40:00 reached"
    projects = [
        ActiveProject(id="a", name="alpha"),
        ActiveProject(id="b", name="Beta", tasks=[TaskOut(id="t", project_id="b", name="Docs")]),
        ActiveProject(id="c", name="gamma"),
    ]
    assert [p.id for p, _ in order_projects(projects, ["c"])] == ["c", "a", "b"]
    assert [p.id for p, _ in order_projects(projects, [], "DOC")] == ["b"]
    assert [p.id for p, _ in order_projects(projects, [], "be do")] == ["b"]
