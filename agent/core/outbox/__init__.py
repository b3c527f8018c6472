"""The offline outbox: one SQLite database (WAL) in the agent's data dir.

Everything the agent records is written here first and only forgotten after
the server acknowledged it. Sync bookkeeping is per row and per version:

- an entry is pending while `revision > synced_revision`; every local change
  bumps `revision`, an acknowledgement records the revision that was sent, so
  a change made during an upload is never mistaken for acknowledged;
- an entry or activity row the server rejected for good is *parked* at the
  version it had; it is not sent again unless it changes, and it never blocks
  other rows;
- screenshots wait as files under a byte quota; when the quota is exceeded the
  oldest waiting files are dropped and counted (`dropped_screenshots`).

Modules: `rows` (the values), `schema` (tables, versions, migrations),
`database` (connections, transactions, meta), `entries` (entries, activity
and their sync state), `screenshots` (files under a quota), `store` (the
`Outbox` itself: opening, depth, pruning).
"""

from agent.core.outbox.rows import (
    DELETED,
    DROPPED,
    PARKED,
    UPLOADED,
    WAITING,
    ActivityRow,
    AppRow,
    LocalEntry,
    PendingBatch,
    QueueDepth,
    ScreenshotRow,
    parse_ts,
    ts,
)
from agent.core.outbox.schema import LATEST_VERSION, QueueTooNew
from agent.core.outbox.store import Outbox

__all__ = [
    "DELETED",
    "DROPPED",
    "LATEST_VERSION",
    "PARKED",
    "UPLOADED",
    "WAITING",
    "ActivityRow",
    "AppRow",
    "LocalEntry",
    "Outbox",
    "PendingBatch",
    "QueueDepth",
    "QueueTooNew",
    "ScreenshotRow",
    "parse_ts",
    "ts",
]
