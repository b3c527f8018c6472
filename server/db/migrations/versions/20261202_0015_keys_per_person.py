"""Idempotency keys are unique per person, not across the server.

A key another person happens to use (or one an attacker learned) is then
simply a different key: the server no longer answers "belongs to another
user", which told that the key exists. Time entries, screenshots and the
deleted-entry tombstones change their unique key / primary key to
(user_id, idempotency_key).

Revision ID: 0015
Revises: 0014
"""

from __future__ import annotations

from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in ("time_entries", "screenshots"):
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(f"uq_{table}_idempotency_key", type_="unique")
            batch.create_unique_constraint(f"uq_{table}_user_key", ["user_id", "idempotency_key"])
    with op.batch_alter_table("deleted_time_entries") as batch:
        batch.drop_constraint("pk_deleted_time_entries", type_="primary")
        batch.create_primary_key("pk_deleted_time_entries", ["user_id", "idempotency_key"])


def downgrade() -> None:
    with op.batch_alter_table("deleted_time_entries") as batch:
        batch.drop_constraint("pk_deleted_time_entries", type_="primary")
        batch.create_primary_key("pk_deleted_time_entries", ["idempotency_key"])
    for table in ("time_entries", "screenshots"):
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(f"uq_{table}_user_key", type_="unique")
            batch.create_unique_constraint(f"uq_{table}_idempotency_key", ["idempotency_key"])
