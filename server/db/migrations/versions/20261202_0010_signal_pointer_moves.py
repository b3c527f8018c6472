"""privacy: pointer move events per minute beside the other input signals

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 15:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("activity_signals") as batch_op:
        batch_op.add_column(sa.Column("pointer_moves", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("activity_signals") as batch_op:
        batch_op.drop_column("pointer_moves")
