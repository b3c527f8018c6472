"""Bodies of /api/v1/members."""

from __future__ import annotations

from server.core.codes import TimezoneOrNull
from server.core.values import Name
from shared.enums import Role
from shared.schemas import Wire
from shared.wire_formats import Email


class InviteRequest(Wire):
    email: Email
    name: Name
    role: Role = Role.MEMBER


class MemberOut(Wire):
    id: str
    email: str
    name: str
    role: Role
    timezone: str
    active: bool
    invited: bool


class MemberPage(Wire):
    items: list[MemberOut]
    next_cursor: str | None


class InviteOut(Wire):
    member: MemberOut
    invitation_token: str


class MemberPatch(Wire):
    name: Name | None = None
    role: Role | None = None
    active: bool | None = None
    timezone: TimezoneOrNull | None = None


class InvitationOut(Wire):
    member: MemberOut
    invited_at: str
    expires_at: str
    expired: bool


class InvitationPage(Wire):
    items: list[InvitationOut]
