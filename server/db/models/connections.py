"""A person's own connection to a two-way integration's ticket system: their
token (or OAuth token pair), so worklogs they own are written as them.

Secrets are sealed like an integration's credentials (AES-GCM, the row's id
as associated data, `secret_key_id` names the key; server/security/secretbox.py).
`version` moves with every write of the secret: an OAuth refresh claims the
row by compare-and-set on it and writes the rotated pair by compare-and-set
on its claim, so two refreshes never use the same rotating refresh token."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server.db.base import Base, Timestamped, UUIDPrimaryKey, utcnow
from server.db.models.columns import org_id


class IntegrationConnection(UUIDPrimaryKey, Timestamped, Base):
    __tablename__ = "integration_connections"
    __table_args__ = (UniqueConstraint("integration_id", "user_id"),)

    organization_id: Mapped[uuid.UUID] = org_id()
    integration_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("integrations.id", ondelete="CASCADE")
    )
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))  # token | oauth
    secret_key_id: Mapped[str] = mapped_column(String(32))
    secret_box: Mapped[str] = mapped_column(Text)
    credential_hints: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    # What the provider said of the account when connecting (label, its user id).
    account: Mapped[str | None] = mapped_column(String(255), default=None)
    external_user_id: Mapped[str | None] = mapped_column(String(255), default=None)
    # OAuth: when the access token expires.
    expires_at: Mapped[datetime | None] = mapped_column(default=None)
    version: Mapped[int] = mapped_column(Integer, default=0)
    # Set while one process refreshes (others wait for its result).
    refresh_lease_until: Mapped[datetime | None] = mapped_column(default=None)
    refreshed_at: Mapped[datetime | None] = mapped_column(default=None)
    status: Mapped[str] = mapped_column(String(16), default="active")  # active | reauth
    status_reason: Mapped[str | None] = mapped_column(Text, default=None)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
