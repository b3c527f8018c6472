"""The per-day rollup of tracked time the analytics dashboard reads
(`tracked_days`, `tracked_day_hours`), filled from the existing entries and
activity slots.

Revision ID: 0017
Revises: 0016
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tracked_days",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("day", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=True),
        sa.Column("task_id", sa.Uuid(), nullable=True),
        sa.Column("activity_id", sa.Uuid(), nullable=True),
        sa.Column("billable", sa.Boolean(), nullable=True),
        sa.Column("seconds", sa.BigInteger(), nullable=False),
        sa.Column("manual_seconds", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_tracked_days_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_tracked_days_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_tracked_days_project_id_projects"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["task_id"],
            ["tasks.id"],
            name=op.f("fk_tracked_days_task_id_tasks"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["activity_id"],
            ["activities.id"],
            name=op.f("fk_tracked_days_activity_id_activities"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tracked_days")),
    )
    with op.batch_alter_table("tracked_days") as batch:
        batch.create_index("ix_tracked_days_user_day", ["user_id", "day"], unique=False)
        batch.create_index("ix_tracked_days_org_day", ["organization_id", "day"], unique=False)
    op.create_table(
        "tracked_day_hours",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("day", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        *(sa.Column(f"h{h:02d}", sa.Integer(), nullable=False) for h in range(24)),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_tracked_day_hours_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_tracked_day_hours_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "day", name=op.f("pk_tracked_day_hours")),
    )
    with op.batch_alter_table("tracked_day_hours") as batch:
        batch.create_index("ix_tracked_day_hours_org_day", ["organization_id", "day"], unique=False)
    # Deferred: the application's models and cutting code, as of this revision.
    from server.analytics.day_refresh import rebuild

    rebuild(op.get_bind())


def downgrade() -> None:
    op.drop_table("tracked_day_hours")
    op.drop_table("tracked_days")
