"""Request bodies of /api/v1/auth that only the server reads (sign-in itself is in shared)."""

from __future__ import annotations

from typing import Annotated

import msgspec

from server.core.codes import Timezone
from server.core.values import Name
from server.security.passwords import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH
from shared.schemas import Wire
from shared.wire_formats import Email

# The length bounds; the other rules (server/security/passwords.py: four
# different characters, not a common password, not built on the name or the
# email) are checked with their reason.
NewPassword = Annotated[
    str, msgspec.Meta(min_length=MIN_PASSWORD_LENGTH, max_length=MAX_PASSWORD_LENGTH)
]


class RegisterRequest(Wire, forbid_unknown_fields=True):
    """No password here: it is chosen when the mailed link is followed, so only
    whoever reads the address's mail can set it. Unknown fields are refused, so
    a client still sending `password` hears that it is not used."""

    email: Email
    name: Name
    organization_name: Name
    timezone: Timezone = "UTC"


class RegisterConfirm(Wire):
    token: str
    password: NewPassword


class AcceptInviteRequest(Wire):
    token: str
    password: str


class ChangePasswordRequest(Wire):
    current_password: str
    new_password: str


class ResetRequest(Wire):
    email: Email


class ResetConfirm(Wire):
    token: str
    new_password: str
    email: str | None = None
