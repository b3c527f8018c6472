"""What the tray shows, read from the agent in one go (once a second)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from agent.core.idle import IdlePeriod
from agent.core.outbox import QueueDepth
from agent.core.tracker import State


@dataclass
class Snapshot:
    """Everything the tray shows, read in one go."""

    state: State
    project_id: str | None
    task_id: str | None
    project_name: str | None
    today_seconds: float
    elapsed_seconds: float
    depth: QueueDepth
    last_sync_at: datetime | None
    online: bool
    signed_in: bool
    auth_required: bool
    last_error: str | None
    idle_pending: IdlePeriod | None
    capture_problem: str | None
    notices: list[str] = field(default_factory=list)
    # Why the local queue cannot be written (a full disk); time is kept in memory meanwhile.
    storage_problem: str | None = None
