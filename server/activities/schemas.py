"""Bodies of /api/v1/activities."""

from __future__ import annotations

import msgspec

from server.core.values import Name
from shared.schemas import Wire


class ActivityIn(Wire):
    name: Name
    billable: bool = True


class ActivityPatch(Wire):
    name: Name | msgspec.UnsetType = msgspec.UNSET
    billable: bool | msgspec.UnsetType = msgspec.UNSET
    archived: bool | msgspec.UnsetType = msgspec.UNSET


class ActivityOut(Wire):
    id: str
    name: str
    billable: bool
    archived: bool


class ActivityPage(Wire):
    items: list[ActivityOut]
    next_cursor: str | None
