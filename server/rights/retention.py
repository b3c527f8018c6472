"""The retention purge: each organization's `retentionDays` enforced once a day.

What goes: screenshots captured before the cut-off (objects first, then rows,
through the screenshot purge), and every per-minute record (activity counts,
application usage, input signals) and 15-minute rollup from before it. Time
entries stay: they are the timesheet (payroll, invoices), not monitoring data.

The cut-off is the start of the 15-minute UTC slot `retentionDays` ago, so a
rollup never outlives or predeceases the minutes it sums. Rows go in batches
of about BATCH rows, oldest first, each batch its own short transaction (no
long locks; the agents' sync keeps writing meanwhile), per person so that the
(user, minute) indexes find them (bench/retention.py measures it). Idempotent
and resumable: a crash leaves only rows that are still older than the cut-off,
and the next run takes them.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import Table, delete, select

from server.db.base import utcnow
from server.db.models import Organization, User
from server.observability.logging import log
from server.rights.tables import minute_tables, slot_tables
from server.runtime.state import AppState
from server.screenshots import processing

BATCH = 5000
SLOT = timedelta(minutes=15)


def cutoff_of(now: datetime, days: int) -> datetime:
    edge = now - timedelta(days=days)
    return edge - (edge - edge.replace(minute=0, second=0, microsecond=0)) % SLOT


async def purge_range(
    app_state: AppState,
    table: Table,
    time_col: str,
    user_id: uuid.UUID,
    cutoff: datetime,
    batch: int,
) -> int:
    """One person's rows older than `cutoff`, oldest first, about `batch` at a
    time: the batch ends at the time of its `batch`-th row, so both the lookup
    and the DELETE are range scans of the (user, time) index."""
    col, user = table.c[time_col], table.c.user_id
    removed = 0
    while True:
        async with app_state.sessions() as session:
            edge = (
                await session.execute(
                    select(col)
                    .where(user == user_id, col < cutoff)
                    .order_by(col)
                    .offset(batch - 1)
                    .limit(1)
                )
            ).scalar_one_or_none()
            upto = col < cutoff if edge is None else col <= edge
            result = await session.execute(delete(table).where(user == user_id, upto))
            await session.commit()
        removed += int(result.rowcount or 0)  # type: ignore[attr-defined]
        if edge is None:
            return removed


async def purge_org(
    app_state: AppState, org_id: uuid.UUID, days: int, now: datetime, batch: int = BATCH
) -> dict[str, int]:
    cutoff = cutoff_of(now, days)
    counts = {"screenshots": await processing.retention_of(app_state, org_id, cutoff)}
    async with app_state.sessions() as session:
        people = list(
            (await session.execute(select(User.id).where(User.organization_id == org_id))).scalars()
        )
    tables = [(t, "minute") for t in minute_tables()] + [(t, "slot") for t in slot_tables()]
    for table, time_col in tables:
        counts[table.name] = 0
        for user_id in people:
            counts[table.name] += await purge_range(
                app_state, table, time_col, user_id, cutoff, batch
            )
    return counts


async def purge_all(app_state: AppState, now: datetime | None = None) -> dict[str, int]:
    """Every organization, by its own retention; returns rows removed per table."""
    now = now or utcnow()
    async with app_state.sessions() as session:
        orgs = list(await session.execute(select(Organization.id, Organization.retention_days)))
    totals: dict[str, int] = {}
    for org_id, days in orgs:
        for name, n in (await purge_org(app_state, org_id, days, now)).items():
            totals[name] = totals.get(name, 0) + n
    if any(totals.values()):
        log.info("retention purge", **totals)
    return totals
