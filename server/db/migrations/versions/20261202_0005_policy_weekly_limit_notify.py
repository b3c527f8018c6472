"""policy: weekly limit and the screenshot notice

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 13:05:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("organizations") as batch_op:
        batch_op.add_column(sa.Column("weekly_limit_seconds", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "notify_on_screenshot", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )
    with op.batch_alter_table("organizations") as batch_op:
        batch_op.alter_column("notify_on_screenshot", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("organizations") as batch_op:
        batch_op.drop_column("notify_on_screenshot")
        batch_op.drop_column("weekly_limit_seconds")
