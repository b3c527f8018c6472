"""Bodies of /api/v1/customers."""

from __future__ import annotations

import msgspec

from server.core.values import Name
from shared.schemas import Wire


class CustomerIn(Wire):
    name: Name
    currency: str = "EUR"
    hourly_rate: str | None = None  # decimal string, e.g. "85.50"


class CustomerPatch(Wire):
    name: Name | msgspec.UnsetType = msgspec.UNSET
    currency: str | msgspec.UnsetType = msgspec.UNSET
    hourly_rate: str | msgspec.UnsetType | None = msgspec.UNSET  # null clears it
    archived: bool | msgspec.UnsetType = msgspec.UNSET


class CustomerOut(Wire):
    id: str
    name: str
    currency: str
    hourly_rate: str | None
    archived: bool


class CustomerPage(Wire):
    items: list[CustomerOut]
    next_cursor: str | None
