"""Data-rights jobs: a person's data export, an erase, a re-blur of stored screenshots."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from server.db.base import Base, Timestamped, UUIDPrimaryKey
from server.db.models.columns import org_id
from shared.enums import JobStatus


class RightsJob(UUIDPrimaryKey, Timestamped, Base):
    """One background job with progress (`done` of `total`).

    kind: `data_export` (subject_id: whose data; the zip under storage_key until
    expires_at), `erase` (the subject is NOT kept in a column: params hold the
    id only while the job runs, then only the pseudonym) or `reblur`.
    """

    __tablename__ = "rights_jobs"
    __table_args__ = (Index("ix_rights_jobs_org_created", "organization_id", "created_at"),)

    organization_id: Mapped[uuid.UUID] = org_id()
    kind: Mapped[str] = mapped_column(String(16))
    requested_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    subject_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), default=None, index=True
    )
    status: Mapped[str] = mapped_column(String(16), default=JobStatus.PENDING.value)
    done: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int] = mapped_column(Integer, default=0)
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    storage_key: Mapped[str | None] = mapped_column(String(512), default=None)
    error: Mapped[str | None] = mapped_column(Text, default=None)
    expires_at: Mapped[datetime | None] = mapped_column(default=None)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)
