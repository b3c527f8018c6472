"""analytics: a task's own hourly rate; time entries indexed by project and task

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 14:35:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("tasks") as batch_op:
        batch_op.add_column(sa.Column("hourly_rate", sa.Numeric(12, 2), nullable=True))
    op.create_index("ix_time_entries_project", "time_entries", ["project_id"])
    op.create_index("ix_time_entries_task", "time_entries", ["task_id"])


def downgrade() -> None:
    op.drop_index("ix_time_entries_task", table_name="time_entries")
    op.drop_index("ix_time_entries_project", table_name="time_entries")
    with op.batch_alter_table("tasks") as batch_op:
        batch_op.drop_column("hourly_rate")
