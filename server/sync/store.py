"""The sync's statements, at the driver: one implementation per database.

A batch costs the same handful of statements whatever its size (see
`server.sync.service`). They run on the session's own connection and
transaction, but straight on the driver (asyncpg, aiosqlite) with values in
the driver's native form: no SQLAlchemy statement building, compiling, bind
or result processing per call or per row, no RETURNING rows nobody reads.

Rows are plain tuples in the column order below.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from server.timesheets.locks import LockedWeek

ENTRY_COLUMNS = (
    "id",
    "organization_id",
    "user_id",
    "idempotency_key",
    "revision",
    "project_id",
    "task_id",
    "start_time",
    "end_time",
    "duration_seconds",
    "status",
    "timezone",
    "description",
    "source",
    "device_id",
    "created_at",
    "updated_at",
)
ENTRY_UPDATED = (
    "revision",
    "project_id",
    "task_id",
    "start_time",
    "end_time",
    "duration_seconds",
    "status",
    "timezone",
    "description",
    "device_id",
    "updated_at",
)
ACTIVITY_COLUMNS = (
    "time_entry_id",
    "minute",
    "organization_id",
    "user_id",
    "keyboard_clicks",
    "mouse_movements",
    "active_seconds",
)
ACTIVITY_VALUES = ("keyboard_clicks", "mouse_movements", "active_seconds")
ROLLUP_COLUMNS = (
    "time_entry_id",
    "slot",
    "organization_id",
    "user_id",
    "active_seconds",
    "keyboard_clicks",
    "mouse_movements",
    "minutes",
)
ROLLUP_SUMS = "sum(active_seconds), sum(keyboard_clicks), sum(mouse_movements), count(*)"

# The user's approved weeks meeting [first, last] (index ix_timesheets_user_status_ends).
LOCKED_WEEKS_WHERE = "user_id = {0} AND status = 'approved' AND ends_at > {2} AND starts_at <= {1}"

# An end for "no end" in window comparisons: later than any entry.
FAR_FUTURE = datetime(9999, 1, 1, tzinfo=UTC)


# The caller's standing, checked in the batch's own transaction (the sync reads
# no principal before it): an active member of the token's organization whose
# sign-in (refresh-token family) has not ended. One statement, joined with the
# lock on PostgreSQL; the same rule as `server.auth.principal`.
MEMBER_WHERE = (
    "u.id = {0} AND u.organization_id = {1} AND u.active AND NOT EXISTS"
    " (SELECT 1 FROM refresh_tokens r WHERE r.family_id = {2} AND r.revoked_at IS NOT NULL)"
)


@dataclass(frozen=True, slots=True)
class Member:
    """What the sync needs of its caller's organization: the app-tracking policy."""

    app_tracking: str
    redaction_patterns: list[str]


@dataclass(frozen=True, slots=True)
class StoredEntry:
    key: uuid.UUID
    owner: uuid.UUID
    revision: int
    start: datetime
    end: datetime | None
    id: uuid.UUID
    source: str = "agent"


@dataclass(slots=True)
class BatchReads:
    """Everything a batch's entries are checked against, read in one go."""

    stored: list[StoredEntry] = field(default_factory=list)
    weeks: list[LockedWeek] = field(default_factory=list)
    deleted: set[uuid.UUID] = field(default_factory=set)  # tombstones no stored entry has
    projects: list[tuple[uuid.UUID, bool]] = field(default_factory=list)  # (id, archived)
    tasks: list[tuple[uuid.UUID, uuid.UUID, str]] = field(
        default_factory=list
    )  # id, project, status


@dataclass(frozen=True, slots=True)
class BatchWindow:
    """What `read_batch` looks for: `keys` and the user's rows meeting
    [start, end) (see `read_batch`), approved weeks meeting [first, last]
    (the batch's starts) or the stored starts of `keys`, the organization's
    `project_ids` and `task_ids`."""

    keys: list[uuid.UUID]
    user_id: uuid.UUID
    start: datetime
    end: datetime
    since: datetime
    first: datetime
    last: datetime
    org_id: uuid.UUID
    project_ids: list[uuid.UUID]
    task_ids: list[uuid.UUID]


class SyncStore(Protocol):
    async def lock_user(self, user_id: uuid.UUID) -> None:
        """Serializes one user's batches until the transaction ends."""

    async def lock_member(
        self, user_id: uuid.UUID, org_id: uuid.UUID, sign_in: uuid.UUID | None
    ) -> Member | None:
        """`lock_user` for a caller known only by their access token: None (and
        nothing locked) unless they pass MEMBER_WHERE."""

    async def read_batch(self, w: BatchWindow) -> BatchReads:
        """Stored entries, locked weeks, tombstones, projects and tasks of a batch
        (one round trip on PostgreSQL). Stored entries: rows with any of the
        keys, and the user's rows meeting [start, end) — closed ones started at
        or after `since` (an entry lasts at most MAX_ENTRY_DURATION, so no
        earlier one reaches `start`), open ones whenever they started (a
        partial index finds them). Weeks may include extra ones: they are
        looked up by instant, so only those containing an entry's start count."""

    async def own_entries(self, user_id: uuid.UUID, keys: list[uuid.UUID]) -> list[StoredEntry]:
        """The user's rows with any of `keys`."""

    async def deleted_keys(self, user_id: uuid.UUID, keys: list[uuid.UUID]) -> set[uuid.UUID]:
        """Which of `keys` name entries of the user that a person deleted (tombstones)."""

    async def locked_weeks(
        self, user_id: uuid.UUID, first: datetime, last: datetime
    ) -> list[LockedWeek]:
        """The user's approved (locked) weeks containing any instant in [first, last]."""

    async def write_entries(
        self,
        rows: list[tuple[Any, ...]],
        activity: list[tuple[Any, ...]],
        user_id: uuid.UUID,
        first: datetime,
        end: datetime,
    ) -> tuple[int, int | None]:
        """Inserts new entries and applies higher revisions, then
        `write_activity(activity, ...)` only if every entry row was written:
        (entry rows written, activity rows changed), the latter None when the
        activity was not written (an entry row lost a race, and what the
        activity names must be read again)."""

    async def write_activity(
        self, rows: list[tuple[Any, ...]], user_id: uuid.UUID, first: datetime, end: datetime
    ) -> int:
        """Replace-on-conflict per (entry, minute), then the reports' 15-minute
        rollup slots of those entries in [first, end) recomputed (`first`, `end`
        are slot bounds covering every row); how many activity rows changed."""
