"""timesheets: the lock index leads with the week's end (user, status, ends_at,
starts_at), so the sync's look-up for a recent batch reads only the weeks that
end after it (usually none) instead of every approved week of the person

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 15:05:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("timesheets") as batch_op:
        batch_op.drop_index("ix_timesheets_user_status_starts")
        batch_op.create_index(
            "ix_timesheets_user_status_ends",
            ["user_id", "status", "ends_at", "starts_at"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("timesheets") as batch_op:
        batch_op.drop_index("ix_timesheets_user_status_ends")
        batch_op.create_index(
            "ix_timesheets_user_status_starts", ["user_id", "status", "starts_at"], unique=False
        )
