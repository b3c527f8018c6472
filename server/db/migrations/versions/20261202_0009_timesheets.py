"""timesheets: weeks submitted for approval (an approved week locks its time),
and the organization policy manual_time_approval

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 14:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "timesheets",
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("week_start", sa.Date(), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("tracked_seconds", sa.Integer(), nullable=False),
        sa.Column("manual_seconds", sa.Integer(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.Uuid(), nullable=True),
        sa.Column("reason", sa.String(length=1000), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('submitted', 'approved', 'rejected', 'reopened')",
            name=op.f("ck_timesheets_status"),
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_timesheets_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_timesheets_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["decided_by"],
            ["users.id"],
            name=op.f("fk_timesheets_decided_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_timesheets")),
        sa.UniqueConstraint("user_id", "week_start", name="uq_timesheets_user_week"),
    )
    with op.batch_alter_table("timesheets") as batch_op:
        batch_op.create_index(
            batch_op.f("ix_timesheets_organization_id"), ["organization_id"], unique=False
        )
        batch_op.create_index(
            "ix_timesheets_user_status_starts", ["user_id", "status", "starts_at"], unique=False
        )
        batch_op.create_index(
            "ix_timesheets_org_status_week",
            ["organization_id", "status", "week_start"],
            unique=False,
        )
    with op.batch_alter_table("organizations") as batch_op:
        batch_op.add_column(
            sa.Column(
                "manual_time_approval", sa.String(length=16), nullable=False, server_default="off"
            )
        )
    with op.batch_alter_table("organizations") as batch_op:
        batch_op.alter_column("manual_time_approval", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("organizations") as batch_op:
        batch_op.drop_column("manual_time_approval")
    op.drop_table("timesheets")
