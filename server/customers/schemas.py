"""Bodies of /api/v1/customers."""

from __future__ import annotations

import msgspec

from server.core.codes import Currency
from server.core.values import Name
from shared.schemas import Wire
from shared.wire_formats import Rate


class CustomerIn(Wire):
    name: Name
    currency: Currency = "EUR"
    hourly_rate: Rate | None = None  # decimal string, e.g. "85.50"


class CustomerPatch(Wire):
    name: Name | msgspec.UnsetType = msgspec.UNSET
    currency: Currency | msgspec.UnsetType = msgspec.UNSET
    hourly_rate: Rate | msgspec.UnsetType | None = msgspec.UNSET  # null clears it
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
