"""What people do to time entries beyond the agents' records: deletions remembered."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from server.db.base import Base, utcnow
from server.db.models.columns import ORG_FK


class DeletedTimeEntry(Base):
    """A tombstone: the idempotency key of a time entry a person deleted.

    The entry's row is gone (its activity and rollups with it); the key stays
    here so that an agent's retry of it is answered `deleted` and dropped
    instead of bringing the entry back.
    """

    __tablename__ = "deleted_time_entries"

    # Keys are a person's own (unique per user_id, like time_entries).
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    idempotency_key: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    organization_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey(ORG_FK, ondelete="CASCADE"), index=True
    )
    deleted_at: Mapped[datetime] = mapped_column(default=utcnow)
