"""time_entries: partial index of each user's open entries (end_time IS NULL),
so the sync's overlap look-up reads a bounded window instead of a user's
whole history

Revision ID: 0004
Revises: 7c2e9a41d5b3
Create Date: 2026-12-02 12:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "7c2e9a41d5b3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OPEN = sa.text("end_time IS NULL")


def upgrade() -> None:
    op.create_index(
        "ix_time_entries_user_open",
        "time_entries",
        ["user_id"],
        postgresql_where=_OPEN,
        sqlite_where=_OPEN,
    )


def downgrade() -> None:
    op.drop_index("ix_time_entries_user_open", table_name="time_entries")
