"""Organization policy `manualTimeApproval` (off | required): pending vs approved time.

When the policy is `required`, a manual entry (source `manual`: time a person
typed in, not tracked by the agent or a timer) counts as **pending** until the
week it belongs to (the week of its start, in its person's time zone) is
approved; every other entry, and every entry when the policy is `off`, counts
as approved. Reports and analytics split their totals with these helpers:

- `pending_clause(required)`: a SQL condition on `TimeEntry` rows, for
  aggregates, e.g. `func.sum(case((pending_clause(req), TimeEntry.duration_seconds),
  else_=0))`. It is `false()` when the policy is off, so it costs nothing then.
- `manual_approval_required(session, org_id)`: the policy, one read.
- `split_seconds(...)`: pending and approved seconds per user over a period,
  one query, for callers that want the figures directly.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, case, exists, false, func, not_, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.db.models import Organization, TimeEntry, Timesheet
from shared.enums import EntrySource, ManualTimeApproval, TimesheetStatus

# Time a person typed in. Agent time, timer time (web/CLI) and imports are not.
MANUAL_SOURCES = frozenset({EntrySource.MANUAL.value})


def is_manual(source: str) -> bool:
    return source in MANUAL_SOURCES


def approved_clause() -> ColumnElement[bool]:
    """SQL: the `TimeEntry` row's week (the one its start falls in) is approved."""
    return exists().where(
        Timesheet.user_id == TimeEntry.user_id,
        Timesheet.status == TimesheetStatus.APPROVED.value,
        Timesheet.starts_at <= TimeEntry.start_time,
        Timesheet.ends_at > TimeEntry.start_time,
    )


def pending_clause(required: bool) -> ColumnElement[bool]:
    """SQL: the `TimeEntry` row counts as pending under the policy (`required`)."""
    if not required:
        return false()
    return and_(TimeEntry.source.in_(sorted(MANUAL_SOURCES)), not_(approved_clause()))


async def manual_approval_required(session: AsyncSession, org_id: uuid.UUID) -> bool:
    value = await session.scalar(
        select(Organization.manual_time_approval).where(Organization.id == org_id)
    )
    return value == ManualTimeApproval.REQUIRED.value


@dataclass(frozen=True, slots=True)
class Split:
    approved_seconds: int = 0
    pending_seconds: int = 0


async def split_seconds(
    session: AsyncSession,
    org_id: uuid.UUID,
    user_ids: Iterable[uuid.UUID],
    start: datetime,
    end: datetime,
) -> dict[uuid.UUID, Split]:
    """Seconds of the users' entries starting in [start, end), split into
    approved and pending under the organization's policy. Users without time
    are absent from the answer."""
    ids = list(set(user_ids))
    if not ids:
        return {}
    pending = pending_clause(await manual_approval_required(session, org_id))
    seconds = TimeEntry.duration_seconds
    rows = await session.execute(
        select(
            TimeEntry.user_id,
            func.coalesce(func.sum(case((pending, 0), else_=seconds)), 0),
            func.coalesce(func.sum(case((pending, seconds), else_=0)), 0),
        )
        .where(
            TimeEntry.organization_id == org_id,
            TimeEntry.user_id.in_(ids),
            TimeEntry.start_time >= start,
            TimeEntry.start_time < end,
        )
        .group_by(TimeEntry.user_id)
    )
    return {uid: Split(int(a), int(p)) for uid, a, p in rows}
