"""privacy: app tracking policy, app usage per minute, input signals per minute

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 14:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("organizations") as batch_op:
        batch_op.add_column(
            sa.Column("app_tracking", sa.String(8), nullable=False, server_default="apps")
        )
        batch_op.add_column(
            sa.Column("redaction_patterns", sa.JSON(), nullable=False, server_default="[]")
        )
    with op.batch_alter_table("organizations") as batch_op:
        batch_op.alter_column("app_tracking", server_default=None)
        batch_op.alter_column("redaction_patterns", server_default=None)
    op.create_table(
        "app_usage",
        sa.Column(
            "time_entry_id",
            sa.Uuid(),
            sa.ForeignKey("time_entries.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("minute", sa.DateTime(timezone=True), primary_key=True),
        sa.Column("app", sa.String(128), primary_key=True),
        sa.Column("title", sa.String(256), primary_key=True),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("seconds", sa.SmallInteger(), nullable=False),
        sa.CheckConstraint("seconds >= 0 AND seconds <= 60", name="app_seconds"),
    )
    op.create_index("ix_app_usage_user_minute", "app_usage", ["user_id", "minute"])
    op.create_index("ix_app_usage_org_minute", "app_usage", ["organization_id", "minute"])
    op.create_table(
        "activity_signals",
        sa.Column(
            "time_entry_id",
            sa.Uuid(),
            sa.ForeignKey("time_entries.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("minute", sa.DateTime(timezone=True), primary_key=True),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("interval_cv", sa.Float(), nullable=True),
        sa.Column("distinct_positions", sa.Integer(), nullable=True),
        sa.Column("pointer_span", sa.Integer(), nullable=True),
        sa.Column("keyboard_share", sa.Float(), nullable=True),
    )
    op.create_index("ix_activity_signals_user_minute", "activity_signals", ["user_id", "minute"])


def downgrade() -> None:
    op.drop_index("ix_activity_signals_user_minute", table_name="activity_signals")
    op.drop_table("activity_signals")
    op.drop_index("ix_app_usage_org_minute", table_name="app_usage")
    op.drop_index("ix_app_usage_user_minute", table_name="app_usage")
    op.drop_table("app_usage")
    with op.batch_alter_table("organizations") as batch_op:
        batch_op.drop_column("redaction_patterns")
        batch_op.drop_column("app_tracking")
