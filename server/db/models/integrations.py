"""Connections to other time trackers and ticket systems, their runs, and the
link from each external record to the entry it became."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server.db.base import Base, Timestamped, UUIDPrimaryKey
from server.db.models.columns import org_id


class Integration(UUIDPrimaryKey, Timestamped, Base):
    """One configured connection. Credentials are a JSON object encrypted with
    the key `secret_key_id` (server/security/secretbox.py); `credential_hints`
    keeps the masked form the API shows, so listing never decrypts."""

    __tablename__ = "integrations"
    __table_args__ = (UniqueConstraint("organization_id", "name"),)

    organization_id: Mapped[uuid.UUID] = org_id()
    provider: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    base_url: Mapped[str | None] = mapped_column(String(500), default=None)
    secret_key_id: Mapped[str | None] = mapped_column(String(32), default=None)
    secret_box: Mapped[str | None] = mapped_column(Text, default=None)
    credential_hints: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    interval_minutes: Mapped[int | None] = mapped_column(Integer, default=None)
    # The high-water mark of the last complete run (provider-specific text:
    # an updated-since instant, or the start of the next window).
    cursor: Mapped[str | None] = mapped_column(String(200), default=None)
    next_run_at: Mapped[datetime | None] = mapped_column(default=None, index=True)
    created_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )


class IntegrationMapping(UUIDPrimaryKey, Base):
    """External user / project / activity → a Hubnity row (target_id null: not mapped)."""

    __tablename__ = "integration_mappings"
    __table_args__ = (UniqueConstraint("integration_id", "kind", "external_id"),)

    integration_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("integrations.id", ondelete="CASCADE")
    )
    kind: Mapped[str] = mapped_column(String(16))  # user | project | activity
    external_id: Mapped[str] = mapped_column(String(255))
    external_name: Mapped[str | None] = mapped_column(String(255), default=None)
    external_email: Mapped[str | None] = mapped_column(String(320), default=None)
    target_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    # True when a person set it (PUT mappings); automatic matches are refreshed.
    manual: Mapped[bool] = mapped_column(Boolean, default=False)


class IntegrationRun(UUIDPrimaryKey, Timestamped, Base):
    __tablename__ = "integration_runs"
    __table_args__ = (
        Index("ix_integration_runs_integration_created", "integration_id", "created_at"),
    )

    organization_id: Mapped[uuid.UUID] = org_id()
    integration_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("integrations.id", ondelete="CASCADE")
    )
    status: Mapped[str] = mapped_column(String(16), default="queued")
    direction: Mapped[str] = mapped_column(String(16), default="import")
    dry_run: Mapped[bool] = mapped_column(Boolean, default=False)
    trigger: Mapped[str] = mapped_column(String(16), default="manual")  # manual|schedule|upload
    range_from: Mapped[datetime | None] = mapped_column(default=None)
    range_to: Mapped[datetime | None] = mapped_column(default=None)
    counts: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    errors: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # Pages written (committed) and, when the provider says, pages in total.
    pages_done: Mapped[int] = mapped_column(Integer, default=0)
    pages_total: Mapped[int | None] = mapped_column(Integer, default=None)
    detail: Mapped[str | None] = mapped_column(Text, default=None)
    # Uploaded CSV: where the file waits for its job (relative to the data dir).
    upload_path: Mapped[str | None] = mapped_column(String(500), default=None)
    options: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    requested_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    started_at: Mapped[datetime | None] = mapped_column(default=None)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)


class IntegrationRecord(UUIDPrimaryKey, Base):
    """One external record, stored once per integration, and the entry it became.

    `fingerprint` hashes the normalized record: equal → unchanged on re-run.
    """

    __tablename__ = "integration_records"
    __table_args__ = (
        UniqueConstraint("integration_id", "external_id"),
        Index("ix_integration_records_integration_start", "integration_id", "start_time"),
    )

    organization_id: Mapped[uuid.UUID] = org_id()
    integration_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("integrations.id", ondelete="CASCADE")
    )
    external_id: Mapped[str] = mapped_column(String(255))
    time_entry_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("time_entries.id", ondelete="SET NULL"), default=None, index=True
    )
    fingerprint: Mapped[str] = mapped_column(String(64))
    start_time: Mapped[datetime]
    remote_updated_at: Mapped[datetime | None] = mapped_column(default=None)
    last_run_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
