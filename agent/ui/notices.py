"""Which system notifications to show, decided without Qt from one snapshot
after another: what the core reported (tracking stopped after sleep, ...),
a screenshot taken (when the organization's policy says to tell), sync
problems that need the user, and the opt-in reminder when nobody is
tracking during working hours."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from agent.core.snapshot import Snapshot
from agent.core.tracker import State
from agent.ui.prefs import UiPrefs

REMIND_EVERY = timedelta(hours=1)


@dataclass(frozen=True)
class Notice:
    kind: str  # "core", "idle", "screenshot", "attention", "signin", "reminder"
    text: str


class NoticePlanner:
    def __init__(self, prefs: UiPrefs) -> None:
        self.prefs = prefs
        self._parked = 0
        self._auth_required = False
        self._last_shot: str | None = None
        self._shot_seen = False
        self._idle_seen: object = None
        self._not_tracking_since: datetime | None = None
        self._reminded_at: datetime | None = None

    def plan(
        self,
        snap: Snapshot,
        now: datetime,
        *,
        notify_screenshots: bool = False,
        latest_shot: tuple[str, datetime, int] | None = None,
    ) -> list[Notice]:
        """`now` is local time; `latest_shot` is (key, captured at, blur level)."""
        out = [Notice("core", text) for text in snap.notices]
        if snap.idle_pending is not None and snap.idle_pending is not self._idle_seen:
            minutes = round(snap.idle_pending.seconds / 60)
            out.append(
                Notice(
                    "idle",
                    f"You were away for {minutes} min. Choose what to do with that time.",
                )
            )
        self._idle_seen = snap.idle_pending
        if latest_shot is not None:
            key, at, blur = latest_shot
            if self._shot_seen and key != self._last_shot and notify_screenshots:
                blurred = f", blurred (level {blur})" if blur else ""
                out.append(
                    Notice("screenshot", f"Screenshot taken at {at.astimezone():%H:%M}{blurred}.")
                )
            self._last_shot, self._shot_seen = key, True
        if snap.depth.parked > self._parked:
            n = snap.depth.parked
            out.append(
                Notice(
                    "attention",
                    f"{n} item{'s' if n != 1 else ''} could not be uploaded. "
                    "Click to see why and fix it.",
                )
            )
        self._parked = snap.depth.parked
        if snap.auth_required and not self._auth_required:
            out.append(Notice("signin", "Your session ended. Sign in again to upload your time."))
        self._auth_required = snap.auth_required
        reminder = self._reminder(snap, now)
        if reminder:
            out.append(reminder)
        return out

    def _reminder(self, snap: Snapshot, now: datetime) -> Notice | None:
        if snap.state is not State.STOPPED:
            self._not_tracking_since = None
            return None
        if self._not_tracking_since is None:
            self._not_tracking_since = now
        if not self.prefs.remind_not_tracking or not self.prefs.in_working_hours(now):
            return None
        waited = now - self._not_tracking_since
        if waited < timedelta(minutes=self.prefs.remind_after_minutes):
            return None
        if self._reminded_at is not None and now - self._reminded_at < REMIND_EVERY:
            return None
        self._reminded_at = now
        return Notice(
            "reminder",
            f"You have not been tracking for {int(waited.total_seconds() // 60)} min of your "
            "working hours. Click to open the timer.",
        )
