"""work catalog: customers, activities; projects gain customer, billing, budget,
colour; tasks gain description, status, priority, due date, estimate, tags,
assignee, ticket key and doneAt (the archived flag becomes status 'archived')

Revision ID: 7c2e9a41d5b3
Revises: 0002
Create Date: 2026-12-02 12:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "7c2e9a41d5b3"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_MONEY = sa.Numeric(12, 2)


def _owned_table(name: str, *columns: sa.Column) -> None:
    op.create_table(
        name,
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        *columns,
        sa.Column("archived", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f(f"fk_{name}_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{name}")),
        sa.UniqueConstraint("organization_id", "name", name=op.f(f"uq_{name}_organization_id")),
    )
    with op.batch_alter_table(name) as batch_op:
        batch_op.create_index(
            batch_op.f(f"ix_{name}_organization_id"), ["organization_id"], unique=False
        )


def upgrade() -> None:
    _owned_table(
        "customers",
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("hourly_rate", _MONEY, nullable=True),
    )
    _owned_table("activities", sa.Column("billable", sa.Boolean(), nullable=False))

    with op.batch_alter_table("projects") as batch_op:
        batch_op.add_column(sa.Column("customer_id", sa.Uuid(), nullable=True))
        batch_op.add_column(
            sa.Column("billable", sa.Boolean(), nullable=False, server_default=sa.true())
        )
        batch_op.add_column(sa.Column("hourly_rate", _MONEY, nullable=True))
        batch_op.add_column(sa.Column("budget_seconds", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("color", sa.String(length=7), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_projects_customer_id_customers"),
            "customers",
            ["customer_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_index(batch_op.f("ix_projects_customer_id"), ["customer_id"])
    with op.batch_alter_table("projects") as batch_op:
        batch_op.alter_column("billable", server_default=None)

    with op.batch_alter_table("tasks") as batch_op:
        batch_op.add_column(sa.Column("description", sa.Text(), nullable=True))
        batch_op.add_column(
            sa.Column("status", sa.String(length=16), nullable=False, server_default="todo")
        )
        batch_op.add_column(
            sa.Column("priority", sa.String(length=8), nullable=False, server_default="medium")
        )
        batch_op.add_column(sa.Column("due_date", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("estimate_seconds", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("tags", sa.JSON(), nullable=False, server_default="[]"))
        batch_op.add_column(sa.Column("assignee_id", sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column("ticket_key", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("done_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_tasks_assignee_id_users"),
            "users",
            ["assignee_id"],
            ["id"],
            ondelete="SET NULL",
        )
    op.execute("UPDATE tasks SET status = 'archived' WHERE archived")
    with op.batch_alter_table("tasks") as batch_op:
        batch_op.drop_column("archived")
        for column in ("status", "priority", "tags"):
            batch_op.alter_column(column, server_default=None)
        batch_op.drop_index(batch_op.f("ix_tasks_project_id"))
        batch_op.create_index("ix_tasks_org_name", ["organization_id", "name", "id"])
        batch_op.create_index(
            "ix_tasks_project_status_name", ["project_id", "status", "name", "id"]
        )
        batch_op.create_index("ix_tasks_assignee_status", ["assignee_id", "status"])
        batch_op.create_index(batch_op.f("ix_tasks_ticket_key"), ["ticket_key"])


def downgrade() -> None:
    with op.batch_alter_table("tasks") as batch_op:
        batch_op.add_column(
            sa.Column("archived", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.execute("UPDATE tasks SET archived = (status = 'archived')")
    with op.batch_alter_table("tasks") as batch_op:
        batch_op.alter_column("archived", server_default=None)
        batch_op.drop_index(batch_op.f("ix_tasks_ticket_key"))
        batch_op.drop_index("ix_tasks_assignee_status")
        batch_op.drop_index("ix_tasks_project_status_name")
        batch_op.drop_index("ix_tasks_org_name")
        batch_op.create_index(batch_op.f("ix_tasks_project_id"), ["project_id"])
        batch_op.drop_constraint(batch_op.f("fk_tasks_assignee_id_users"), type_="foreignkey")
        for column in ("done_at", "ticket_key", "assignee_id", "tags", "estimate_seconds",
                       "due_date", "priority", "status", "description"):
            batch_op.drop_column(column)
    with op.batch_alter_table("projects") as batch_op:
        batch_op.drop_index(batch_op.f("ix_projects_customer_id"))
        batch_op.drop_constraint(batch_op.f("fk_projects_customer_id_customers"), type_="foreignkey")
        for column in ("color", "budget_seconds", "hourly_rate", "billable", "customer_id"):
            batch_op.drop_column(column)
    op.drop_table("activities")
    op.drop_table("customers")
