"""Bodies of /api/v1/timer."""

from __future__ import annotations

from typing import Literal

from server.time_entries.schemas import TimeEntryOut
from shared.schemas import Wire

TimerState = Literal["idle", "running", "paused"]


class TimerStart(Wire):
    project_id: str
    task_id: str | None = None
    activity_id: str | None = None
    description: str | None = None


class TimerOut(Wire):
    """`entry`: the running or paused entry (for `idle`, the one just stopped
    or null). A running entry of the desktop agent shows as `running` with
    `entry.source == "agent"`; the web cannot pause or stop it."""

    state: TimerState
    entry: TimeEntryOut | None
