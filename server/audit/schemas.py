"""Bodies of /api/v1/audit."""

from __future__ import annotations

from typing import Any

from shared.schemas import Wire


class AuditEventOut(Wire):
    id: str
    at: str
    #: The person who acted; None for the system or a person since erased.
    actor_id: str | None
    actor_name: str | None
    actor_email: str | None
    action: str
    target_type: str | None
    target_id: str | None
    ip: str | None
    detail: dict[str, Any]


class AuditPage(Wire):
    items: list[AuditEventOut]
    next_cursor: str | None
