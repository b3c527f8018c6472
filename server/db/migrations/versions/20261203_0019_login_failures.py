"""login_failures: the sign-in lockout counted per login name, whether or not
an account has it (the per-account columns made a 429 that only accounts got)

Revision ID: 0019
Revises: 0018

The counts on users (failed_logins, login_blocked_until) are not moved: the
new rows are keyed by an HMAC under a key derived from the server's JWT
secret, which a migration (run from a database URL alone) does not have.
What is lost is at most one block of up to LOGIN_LOCKOUT_MAX_SECONDS and the
failures in a row since the last success, as if each account had signed in
once. The columns stay, unused: replicas of the previous version read them
with every User, and keep serving during a rolling update after this
migration; a later revision drops them.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "login_failures",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("blocked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_failure_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_login_failures")),
    )
    with op.batch_alter_table("login_failures", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_login_failures_last_failure_at"), ["last_failure_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("login_failures", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_login_failures_last_failure_at"))
    op.drop_table("login_failures")
