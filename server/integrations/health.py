"""Each integration's health at a glance (the web pages): how its last finished
run went (and why, when it failed), when it last completed, whether a run is
queued or running, and how many conflicts wait for a person."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.db.models import IntegrationConflict, IntegrationRun

FINISHED = ("done", "failed")


@dataclass(frozen=True)
class Health:
    state: str  # ok | failing | never | conflicts
    last_ok: datetime | None = None
    reason: str | None = None  # the last run's failure
    active: bool = False
    open_conflicts: int = 0

    @property
    def label(self) -> str:
        return {
            "ok": "Healthy",
            "failing": "Last run failed",
            "never": "Not run yet",
            "conflicts": "Conflicts to settle",
        }[self.state]


async def health_of(
    session: AsyncSession, org_id: uuid.UUID, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, Health]:
    if not ids:
        return {}
    run = IntegrationRun
    mine = and_(run.organization_id == org_id, run.integration_id.in_(ids))
    summary = (
        select(
            run.integration_id,
            func.max(run.finished_at).filter(run.status.in_(FINISHED)).label("last"),
            func.max(run.finished_at).filter(run.status == "done").label("ok"),
            func.count(run.id).filter(run.status.in_(("queued", "running"))).label("active"),
        )
        .where(mine)
        .group_by(run.integration_id)
        .subquery()
    )
    rows = await session.execute(
        select(summary, run.status, run.detail).join(
            run,
            and_(
                run.integration_id == summary.c.integration_id,
                run.finished_at == summary.c.last,
                run.status.in_(FINISHED),
            ),
            isouter=True,
        )
    )
    counted = await session.execute(
        select(IntegrationConflict.integration_id, func.count())
        .where(
            IntegrationConflict.organization_id == org_id,
            IntegrationConflict.integration_id.in_(ids),
            IntegrationConflict.status == "open",
        )
        .group_by(IntegrationConflict.integration_id)
    )
    conflicts = {iid: int(n) for iid, n in counted}
    out = {i: Health("never", open_conflicts=int(conflicts.get(i, 0))) for i in ids}
    for iid, _last, ok, active, status, detail in rows:
        open_ = int(conflicts.get(iid, 0))
        if status == "failed":
            state = "failing"
        elif status is None:
            state = "never"
        else:
            state = "conflicts" if open_ else "ok"
        out[iid] = Health(
            state,
            last_ok=ok,
            reason=detail if status == "failed" else None,
            active=bool(active),
            open_conflicts=open_,
        )
    return out
