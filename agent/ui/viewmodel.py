"""What the windows show, computed without Qt (so it is tested directly):
durations, the sync state in words, totals of a day and a week, projects in
the order people look for them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from agent.core.outbox import LocalEntry
from agent.core.snapshot import Snapshot
from shared.schemas import ActiveProject


def hm(seconds: float) -> str:
    """1:05 for an hour and five minutes."""
    s = max(0, int(seconds))
    return f"{s // 3600}:{s % 3600 // 60:02d}"


def hms(seconds: float) -> str:
    """1:05:09 for the running clock."""
    s = max(0, int(seconds))
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"


def ago(seconds: float) -> str:
    minutes = int(seconds // 60)
    if minutes < 1:
        return "just now"
    if minutes < 60:
        return f"{minutes} min ago"
    hours = minutes // 60
    return f"{hours} h ago" if hours < 48 else f"{hours // 24} days ago"


@dataclass(frozen=True)
class SyncLine:
    text: str
    kind: str  # "ok", "offline", "attention", "signed_out"


def sync_line(snap: Snapshot, now: datetime) -> SyncLine:
    """The sync state in words, most pressing first."""
    if not snap.signed_in or snap.auth_required:
        return SyncLine("Not signed in: your time is kept here until you sign in", "signed_out")
    if snap.depth.parked:
        n = snap.depth.parked
        return SyncLine(
            f"{n} item{'s' if n != 1 else ''} need{'' if n != 1 else 's'} attention", "attention"
        )
    waiting = snap.depth.total
    if not snap.online:
        return SyncLine(
            f"Offline, {waiting} item{'s' if waiting != 1 else ''} waiting"
            if waiting
            else "Offline: your time is kept and sent later",
            "offline",
        )
    if snap.last_sync_at is None:
        return SyncLine("Not synced yet" + (f", {waiting} waiting" if waiting else ""), "ok")
    text = f"Synced {ago((now - snap.last_sync_at).total_seconds())}"
    return SyncLine(text + (f", {waiting} waiting" if waiting else ""), "ok")


def week_start(day: date, first_weekday: int = 0) -> date:
    """The first day of `day`'s week; `first_weekday` 0 = Monday ... 6 = Sunday."""
    return day - timedelta(days=(day.weekday() - first_weekday) % 7)


def tracked_since(
    entries: Iterable[LocalEntry], since: datetime, now: datetime, running_key: str | None
) -> float:
    """Seconds of the entries after `since` (the running one counts up to now)."""
    total = 0.0
    for e in entries:
        end = now if e.key == running_key else e.end
        if end is None:
            continue
        total += max(0.0, (min(end, now) - max(e.start, since)).total_seconds())
    return total


def local_midnight(day: date, tz: str) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=ZoneInfo(tz))


def recent_project_ids(entries: Iterable[LocalEntry], limit: int = 5) -> list[str]:
    """Projects of the latest entries, most recent first."""
    seen: list[str] = []
    for e in sorted(entries, key=lambda e: e.start, reverse=True):
        if e.project_id and e.project_id not in seen:
            seen.append(e.project_id)
            if len(seen) == limit:
                break
    return seen


def order_projects(
    projects: list[ActiveProject], recent: list[str], query: str = ""
) -> list[tuple[ActiveProject, bool]]:
    """Projects matching `query` (every word, in the name or a task name, any
    case), recent ones first in the order used, then the rest by name.
    Returns (project, is_recent)."""
    words = query.casefold().split()

    def matches(p: ActiveProject) -> bool:
        hay = " ".join([p.name, *(t.name for t in p.tasks)]).casefold()
        return all(w in hay for w in words)

    found = [p for p in projects if matches(p)]
    rank = {pid: i for i, pid in enumerate(recent)}
    first = sorted((p for p in found if p.id in rank), key=lambda p: rank[p.id])
    rest = sorted((p for p in found if p.id not in rank), key=lambda p: p.name.casefold())
    return [(p, True) for p in first] + [(p, False) for p in rest]


def limit_line(week_seconds: float, limit_seconds: float | None) -> str:
    if not limit_seconds:
        return ""
    left = limit_seconds - week_seconds
    if left <= 0:
        return f"Weekly limit {hm(limit_seconds)} reached"
    return f"of {hm(limit_seconds)} weekly limit, {hm(left)} left"
