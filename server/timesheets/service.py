"""Timesheet use cases (docs/api.md, "Timesheets"), free of the web framework.

The web pages call these too. Every function takes the signed-in `Principal`
and answers wire structs; foreign or invisible ids are 404, refusals 403/409
with a readable reason, and every decision is audited in the same transaction.

Who may do what:
- submit: a person, for their own week (there is no `userId`);
- read: the person, the team MANAGERs of a team they belong to, ADMIN/OWNER
  (the rule of docs/api.md "Roles");
- approve / reject: whoever may read it, except the person themselves
  (nobody decides their own week, not even an OWNER);
- reopen an approved week: ADMIN/OWNER, not their own.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from server import audit
from server.auth.principal import Principal
from server.core.errors import BadRequest, Conflict, Forbidden, NotFound
from server.db.base import utcnow
from server.db.models import TimeEntry, Timesheet, User
from server.db.pagination import clamp_limit, decode_cursor, encode_cursor
from server.db.unique import unique_or_conflict
from server.reports.scope import users_query, visible_user
from server.teams.service import can_see_user
from server.timesheets.locks import serialize_with_sync
from server.timesheets.pending import is_manual
from server.timesheets.schemas import MAX_REASON, TimesheetOut, TimesheetPage
from server.timesheets.weeks import week_bounds
from shared.enums import TimesheetStatus

SUBMITTED = TimesheetStatus.SUBMITTED.value
APPROVED = TimesheetStatus.APPROVED.value
REJECTED = TimesheetStatus.REJECTED.value
REOPENED = TimesheetStatus.REOPENED.value
_OWN = "nobody approves, rejects or reopens their own week; ask your manager or an admin"


def _iso(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value is not None else None


def timesheet_out(ts: Timesheet, user_name: str) -> TimesheetOut:
    return TimesheetOut(
        id=str(ts.id),
        user_id=str(ts.user_id),
        user_name=user_name,
        week_start=ts.week_start.isoformat(),
        status=TimesheetStatus(ts.status),
        tracked_seconds=ts.tracked_seconds,
        manual_seconds=ts.manual_seconds,
        timezone=ts.timezone,
        starts_at=_iso(ts.starts_at) or "",
        ends_at=_iso(ts.ends_at) or "",
        submitted_at=_iso(ts.submitted_at) or "",
        decided_at=_iso(ts.decided_at),
        decided_by=str(ts.decided_by) if ts.decided_by else None,
        reason=ts.reason,
    )


async def week_totals(
    session: AsyncSession, user_id: uuid.UUID, starts_at: datetime, ends_at: datetime
) -> tuple[int, int]:
    """(tracked, manual) seconds of the user's entries that start in the week;
    an entry still running counts up to now."""
    now = utcnow()
    rows = await session.execute(
        select(TimeEntry.start_time, TimeEntry.end_time, TimeEntry.source).where(
            TimeEntry.user_id == user_id,
            TimeEntry.start_time >= starts_at,
            TimeEntry.start_time < ends_at,
        )
    )
    tracked = manual = 0
    for start, end, source in rows:
        seconds = max(0, int(((end or now) - start).total_seconds()))
        tracked += seconds
        if is_manual(source):
            manual += seconds
    return tracked, manual


def _reason(value: str) -> str:
    text = value.strip()
    if not text:
        raise BadRequest("reason is required: say what needs to change")
    if len(value) > MAX_REASON:
        raise BadRequest(f"reason must be at most {MAX_REASON} characters (got {len(value)})")
    return text


# --- submit ---------------------------------------------------------------------


async def submit_week(
    session: AsyncSession, principal: Principal, week_start: date, ip: str | None = None
) -> TimesheetOut:
    """Submits the caller's week (a Monday, in their time zone). A rejected or
    reopened week may be submitted again (same id); a submitted or approved one
    is a 409."""
    user = principal.user
    starts_at, ends_at = week_bounds(week_start, user.timezone)
    now = utcnow()
    if starts_at > now:
        raise BadRequest(f"the week of {week_start} has not started yet")
    tracked, manual = await week_totals(session, user.id, starts_at, ends_at)
    values = {
        "status": SUBMITTED,
        "timezone": user.timezone,
        "starts_at": starts_at,
        "ends_at": ends_at,
        "tracked_seconds": tracked,
        "manual_seconds": manual,
        "submitted_at": now,
        "decided_at": None,
        "decided_by": None,
        "reason": None,
        "updated_at": now,
    }
    existing = await session.scalar(
        select(Timesheet).where(Timesheet.user_id == user.id, Timesheet.week_start == week_start)
    )
    if existing is None:
        ts = Timesheet(organization_id=principal.org_id, user_id=user.id, week_start=week_start)
        for name, value in values.items():
            setattr(ts, name, value)
        session.add(ts)
        async with unique_or_conflict(session, f"the week of {week_start} is already submitted"):
            await session.flush()
    else:
        ts = existing
        if ts.status == SUBMITTED:
            raise Conflict(f"the week of {week_start} is already submitted and awaits a decision")
        if ts.status == APPROVED:
            raise Conflict(f"the week of {week_start} is already approved")
        await _transition(session, ts, (REJECTED, REOPENED), values)
    audit.record_by(
        session,
        principal,
        "timesheet.submitted",
        target_type="timesheet",
        target_id=ts.id,
        ip=ip,
        weekStart=week_start.isoformat(),
        trackedSeconds=tracked,
    )
    await session.commit()
    return timesheet_out(ts, user.name)


async def _transition(
    session: AsyncSession, ts: Timesheet, expected: tuple[str, ...], values: dict[str, object]
) -> None:
    """Moves `ts` to `values` only if its status is still one of `expected`:
    of two decisions racing, one wins and the other is a 409."""
    result = await session.execute(
        update(Timesheet)
        .where(Timesheet.id == ts.id, Timesheet.status.in_(expected))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        await session.rollback()
        raise Conflict("the timesheet was changed meanwhile; load it again")
    await session.refresh(ts)


# --- read -----------------------------------------------------------------------


async def _load(session: AsyncSession, principal: Principal, ts_id: uuid.UUID) -> Timesheet:
    """The timesheet, if it is in the caller's organization and they may see its person."""
    ts = await session.scalar(
        select(Timesheet).where(
            Timesheet.id == ts_id, Timesheet.organization_id == principal.org_id
        )
    )
    if ts is None or not await can_see_user(session, principal, ts.user_id):
        raise NotFound("timesheet")
    return ts


async def _name_of(session: AsyncSession, user_id: uuid.UUID) -> str:
    return (await session.scalar(select(User.name).where(User.id == user_id))) or ""


async def get_timesheet(
    session: AsyncSession, principal: Principal, ts_id: uuid.UUID
) -> TimesheetOut:
    ts = await _load(session, principal, ts_id)
    return timesheet_out(ts, await _name_of(session, ts.user_id))


async def list_timesheets(
    session: AsyncSession,
    principal: Principal,
    *,
    status: TimesheetStatus | None = None,
    user_id: str | None = None,
    team_id: str | None = None,
    week_start: date | None = None,
    cursor: str | None = None,
    limit: int | None = None,
) -> TimesheetPage:
    """Newest week first (keyset on (weekStart, id) descending). Members see
    their own, team MANAGERs also their teams', ADMIN/OWNER everyone's; a
    `userId` or `teamId` the caller may not see is a 404."""
    size = clamp_limit(limit)
    stmt = (
        select(Timesheet, User.name)
        .join(User, User.id == Timesheet.user_id)
        .where(Timesheet.organization_id == principal.org_id)
    )
    if user_id:
        person = await visible_user(session, principal, user_id)
        stmt = stmt.where(Timesheet.user_id == person.id)
    scope = await users_query(session, principal, team_id)
    stmt = stmt.where(Timesheet.user_id.in_(scope.with_only_columns(User.id)))
    if status is not None:
        stmt = stmt.where(Timesheet.status == status.value)
    if week_start is not None:
        stmt = stmt.where(Timesheet.week_start == week_start)
    after = decode_cursor(cursor, 2)
    if after:
        try:
            last_week, last_id = date.fromisoformat(str(after[0])), uuid.UUID(str(after[1]))
        except ValueError:
            raise BadRequest("cursor is malformed") from None
        stmt = stmt.where(
            or_(
                Timesheet.week_start < last_week,
                and_(Timesheet.week_start == last_week, Timesheet.id < last_id),
            )
        )
    stmt = stmt.order_by(Timesheet.week_start.desc(), Timesheet.id.desc()).limit(size + 1)
    rows = list((await session.execute(stmt)).all())
    nxt = None
    if len(rows) > size:
        rows = rows[:size]
        last = rows[-1][0]
        nxt = encode_cursor([last.week_start.isoformat(), str(last.id)])
    return TimesheetPage(items=[timesheet_out(ts, name) for ts, name in rows], next_cursor=nxt)


# --- decide ---------------------------------------------------------------------


async def _decidable(session: AsyncSession, principal: Principal, ts_id: uuid.UUID) -> Timesheet:
    ts = await _load(session, principal, ts_id)
    if ts.user_id == principal.user_id:
        raise Forbidden(_OWN)
    return ts


_DONE = {"approve": "approved", "reject": "rejected", "reopen": "reopened"}


def _status_conflict(ts: Timesheet, action: str) -> Conflict:
    needed = APPROVED if action == "reopen" else SUBMITTED
    return Conflict(
        f"only a {needed} week can be {_DONE[action]}; the week of {ts.week_start} is {ts.status}"
    )


async def _decide(
    session: AsyncSession,
    principal: Principal,
    ts: Timesheet,
    action: str,
    values: dict[str, object],
    ip: str | None,
    **detail: object,
) -> TimesheetOut:
    expected = APPROVED if action == "reopen" else SUBMITTED
    if ts.status != expected:
        raise _status_conflict(ts, action)
    now = utcnow()
    await _transition(
        session,
        ts,
        (expected,),
        {"decided_at": now, "decided_by": principal.user_id, "updated_at": now, **values},
    )
    audit.record_by(
        session,
        principal,
        f"timesheet.{values['status']}",
        target_type="timesheet",
        target_id=ts.id,
        ip=ip,
        userId=str(ts.user_id),
        weekStart=ts.week_start.isoformat(),
        **detail,
    )
    await session.commit()
    return timesheet_out(ts, await _name_of(session, ts.user_id))


async def approve(
    session: AsyncSession, principal: Principal, ts_id: uuid.UUID, ip: str | None = None
) -> TimesheetOut:
    """Approves a submitted week and locks it; its totals are recomputed now,
    so they are the figures that were approved."""
    ts = await _decidable(session, principal, ts_id)
    if ts.status != SUBMITTED:
        raise _status_conflict(ts, "approve")
    await serialize_with_sync(session, ts.user_id)
    tracked, manual = await week_totals(session, ts.user_id, ts.starts_at, ts.ends_at)
    return await _decide(
        session,
        principal,
        ts,
        "approve",
        {"status": APPROVED, "tracked_seconds": tracked, "manual_seconds": manual, "reason": None},
        ip,
        trackedSeconds=tracked,
    )


async def reject(
    session: AsyncSession,
    principal: Principal,
    ts_id: uuid.UUID,
    reason: str,
    ip: str | None = None,
) -> TimesheetOut:
    """Rejects a submitted week with a reason; the person may change the time
    and submit it again."""
    text = _reason(reason)
    ts = await _decidable(session, principal, ts_id)
    return await _decide(
        session, principal, ts, "reject", {"status": REJECTED, "reason": text}, ip, reason=text
    )


async def reopen(
    session: AsyncSession,
    principal: Principal,
    ts_id: uuid.UUID,
    reason: str,
    ip: str | None = None,
) -> TimesheetOut:
    """ADMIN/OWNER unlock an approved week (status `reopened`): its time can be
    changed again, and the person submits it again."""
    text = _reason(reason)
    ts = await _decidable(session, principal, ts_id)
    principal.require_admin()
    return await _decide(
        session, principal, ts, "reopen", {"status": REOPENED, "reason": text}, ip, reason=text
    )
