"""Two-way worklog sync: the link from a Hubnity entry to a remote worklog,
the conflicts found when both sides changed, and the webhook deliveries seen."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server.db.base import Base, UUIDPrimaryKey, utcnow
from server.db.models.columns import org_id


class IntegrationLink(UUIDPrimaryKey, Base):
    """Entry ↔ remote worklog for one integration.

    `local_fp` / `remote_fp` are the fingerprints of both sides at the last
    successful sync: a side whose fingerprint moved has changed since; both
    moved → a conflict. `time_entry_id` becomes NULL when the entry is deleted
    in Hubnity (the next run deletes the remote worklog and the link)."""

    __tablename__ = "integration_links"
    __table_args__ = (
        UniqueConstraint("integration_id", "remote_id"),
        Index("ix_integration_links_integration_entry", "integration_id", "time_entry_id"),
    )

    organization_id: Mapped[uuid.UUID] = org_id()
    integration_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("integrations.id", ondelete="CASCADE")
    )
    time_entry_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("time_entries.id", ondelete="SET NULL"), default=None, index=True
    )
    remote_id: Mapped[str] = mapped_column(String(255))
    ticket_key: Mapped[str | None] = mapped_column(String(64), default=None)
    remote_updated_at: Mapped[datetime | None] = mapped_column(default=None)
    local_fp: Mapped[str] = mapped_column(String(64))
    remote_fp: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16), default="synced")  # synced | conflict
    synced_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The entry's owner: their own connection (if any) writes and deletes the
    # remote worklog, also once the entry is gone.
    author_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )


class IntegrationConflict(UUIDPrimaryKey, Base):
    """Both sides of a link changed since the last sync: nothing was overwritten.

    open → resolved (a person chose `keep`) → applied (the next run wrote it)."""

    __tablename__ = "integration_conflicts"
    __table_args__ = (
        Index("ix_integration_conflicts_integration_status", "integration_id", "status"),
    )

    organization_id: Mapped[uuid.UUID] = org_id()
    integration_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("integrations.id", ondelete="CASCADE")
    )
    link_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("integration_links.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(16), default="open")
    keep: Mapped[str | None] = mapped_column(String(16), default=None)  # hubnity | remote
    local: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    remote: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(default=None)
    resolved_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )


class WebhookDelivery(UUIDPrimaryKey, Base):
    """A delivery id seen once per integration: a repeated delivery is a no-op."""

    __tablename__ = "integration_webhook_deliveries"
    __table_args__ = (UniqueConstraint("integration_id", "delivery_id"),)

    integration_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("integrations.id", ondelete="CASCADE")
    )
    delivery_id: Mapped[str] = mapped_column(String(128))
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
