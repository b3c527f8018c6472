"""Request bodies of /api/v1/auth that only the server reads (sign-in itself is in shared)."""

from __future__ import annotations

from server.core.values import Name
from shared.schemas import Wire


class RegisterRequest(Wire):
    email: str
    password: str
    name: Name
    organization_name: Name
    timezone: str = "UTC"


class AcceptInviteRequest(Wire):
    token: str
    password: str


class ChangePasswordRequest(Wire):
    current_password: str
    new_password: str


class ResetRequest(Wire):
    email: str


class ResetConfirm(Wire):
    token: str
    new_password: str
    email: str | None = None
