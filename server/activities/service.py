"""Activity use cases. Everyone in the organization reads; ADMIN/OWNER write."""

from __future__ import annotations

import uuid

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from server import audit
from server.activities.schemas import ActivityIn, ActivityOut, ActivityPage, ActivityPatch
from server.auth.principal import Principal
from server.core.values import require_name
from server.db.catalog import ListQuery, named_page
from server.db.models import Activity
from server.db.scoped import get_in_org
from server.db.unique import unique_or_conflict

_TAKEN = "an activity with this name already exists"


def activity_out(a: Activity) -> ActivityOut:
    return ActivityOut(id=str(a.id), name=a.name, billable=a.billable, archived=a.archived)


async def list_activities(
    session: AsyncSession, principal: Principal, query: ListQuery
) -> ActivityPage:
    rows, nxt = await named_page(session, Activity, principal.org_id, query)
    return ActivityPage(items=[activity_out(row) for row in rows], next_cursor=nxt)


async def create_activity(
    session: AsyncSession, principal: Principal, data: ActivityIn
) -> ActivityOut:
    principal.require_admin()
    activity = Activity(
        id=uuid.uuid4(),
        organization_id=principal.org_id,
        name=require_name(data.name),
        billable=data.billable,
    )
    session.add(activity)
    audit.record_by(
        session, principal, "activity.created", target_type="activity", target_id=activity.id
    )
    async with unique_or_conflict(session, _TAKEN):
        await session.commit()
    return activity_out(activity)


async def update_activity(
    session: AsyncSession, principal: Principal, activity_id: uuid.UUID, patch: ActivityPatch
) -> ActivityOut:
    principal.require_admin()
    activity = await get_in_org(session, Activity, activity_id, principal.org_id, "activity")
    if patch.name is not msgspec.UNSET:
        activity.name = require_name(patch.name)
    if patch.billable is not msgspec.UNSET:
        activity.billable = patch.billable
    if patch.archived is not msgspec.UNSET:
        activity.archived = patch.archived
    fields = [k for k in ("name", "billable", "archived") if getattr(patch, k) is not msgspec.UNSET]
    audit.record_by(
        session,
        principal,
        "activity.archived" if patch.archived is True else "activity.updated",
        target_type="activity",
        target_id=activity.id,
        fields=fields,
    )
    async with unique_or_conflict(session, _TAKEN):
        await session.commit()
    return activity_out(activity)
