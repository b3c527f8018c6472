"""time entries for people: activity, billable (null = inherit), ticket key,
a wider source (import:<provider>), and the tombstones of deleted entries

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 14:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("time_entries") as batch_op:
        batch_op.add_column(sa.Column("activity_id", sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column("billable", sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column("ticket_key", sa.String(length=64), nullable=True))
        batch_op.alter_column(
            "source",
            existing_type=sa.String(length=16),
            type_=sa.String(length=32),
            existing_nullable=False,
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_time_entries_activity_id_activities"),
            "activities",
            ["activity_id"],
            ["id"],
            ondelete="SET NULL",
        )
    op.create_table(
        "deleted_time_entries",
        sa.Column("idempotency_key", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_deleted_time_entries_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_deleted_time_entries_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("idempotency_key", name=op.f("pk_deleted_time_entries")),
    )
    with op.batch_alter_table("deleted_time_entries") as batch_op:
        batch_op.create_index(
            batch_op.f("ix_deleted_time_entries_organization_id"), ["organization_id"]
        )
        batch_op.create_index(batch_op.f("ix_deleted_time_entries_user_id"), ["user_id"])


def downgrade() -> None:
    op.drop_table("deleted_time_entries")
    op.execute("UPDATE time_entries SET source = 'import' WHERE source LIKE 'import:%'")
    with op.batch_alter_table("time_entries") as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_time_entries_activity_id_activities"), type_="foreignkey"
        )
        batch_op.alter_column(
            "source",
            existing_type=sa.String(length=32),
            type_=sa.String(length=16),
            existing_nullable=False,
        )
        for column in ("ticket_key", "billable", "activity_id"):
            batch_op.drop_column(column)
