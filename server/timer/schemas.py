"""Bodies of /api/v1/timer."""

from __future__ import annotations

from typing import Literal

from server.core.ids import WireId, WireIdOrEmpty
from server.time_entries.schemas import Description, TimeEntryOut
from shared.schemas import Wire

TimerState = Literal["idle", "running", "paused"]


class TimerStart(Wire):
    project_id: WireId
    task_id: WireIdOrEmpty | None = None  # empty: none
    activity_id: WireIdOrEmpty | None = None
    description: Description | None = None


class TimerOut(Wire):
    """`entry`: the running or paused entry (for `idle`, the one just stopped
    or null). A running entry of the desktop agent shows as `running` with
    `entry.source == "agent"`; the web cannot pause or stop it."""

    state: TimerState
    entry: TimeEntryOut | None
