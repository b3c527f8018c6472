"""integrations: a person's own connection (token or OAuth pair) per two-way
integration, and the author of each worklog link

Revision ID: 0016
Revises: 0015
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "integration_connections",
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("integration_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("secret_key_id", sa.String(length=32), nullable=False),
        sa.Column("secret_box", sa.Text(), nullable=False),
        sa.Column("credential_hints", sa.JSON(), nullable=False),
        sa.Column("account", sa.String(length=255), nullable=True),
        sa.Column("external_user_id", sa.String(length=255), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("refresh_lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("refreshed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("status_reason", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["integration_id"],
            ["integrations.id"],
            name=op.f("fk_integration_connections_integration_id_integrations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_integration_connections_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_integration_connections_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_integration_connections")),
        sa.UniqueConstraint(
            "integration_id", "user_id", name=op.f("uq_integration_connections_integration_id")
        ),
    )
    op.create_index(
        op.f("ix_integration_connections_organization_id"),
        "integration_connections",
        ["organization_id"],
    )
    op.create_index(
        op.f("ix_integration_connections_user_id"), "integration_connections", ["user_id"]
    )
    with op.batch_alter_table("integration_links") as batch:
        batch.add_column(sa.Column("author_id", sa.Uuid(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_integration_links_author_id_users"),
            "users",
            ["author_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("integration_links") as batch:
        batch.drop_constraint(op.f("fk_integration_links_author_id_users"), type_="foreignkey")
        batch.drop_column("author_id")
    op.drop_index(op.f("ix_integration_connections_user_id"), table_name="integration_connections")
    op.drop_index(
        op.f("ix_integration_connections_organization_id"), table_name="integration_connections"
    )
    op.drop_table("integration_connections")
