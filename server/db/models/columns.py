"""Column shapes several tables share."""

from __future__ import annotations

import uuid

from sqlalchemy import ForeignKey, Numeric
from sqlalchemy.orm import Mapped, mapped_column

ORG_FK = "organizations.id"

# Money: Numeric(12, 2) — exact cents, up to 9,999,999,999.99 per hour.
MONEY = Numeric(12, 2, asdecimal=True)


def org_id() -> Mapped[uuid.UUID]:
    return mapped_column(ForeignKey(ORG_FK, ondelete="CASCADE"), index=True)
