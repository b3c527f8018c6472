"""Request bodies of /api/v1/auth that only the server reads (sign-in itself is in shared)."""

from __future__ import annotations

from shared.schemas import Wire


class RegisterRequest(Wire):
    email: str
    password: str
    name: str
    organization_name: str
    timezone: str = "UTC"


class AcceptInviteRequest(Wire):
    token: str
    password: str
