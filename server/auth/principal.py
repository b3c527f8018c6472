"""Who is calling, and what their role lets them do."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import bindparam, exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.core.errors import Forbidden
from server.db.models import Organization, RefreshToken, User
from shared.enums import Role

ADMINS = frozenset({Role.OWNER.value, Role.ADMIN.value})


@dataclass(frozen=True)
class Principal:
    user: User
    organization: Organization

    @property
    def user_id(self) -> uuid.UUID:
        return self.user.id

    @property
    def org_id(self) -> uuid.UUID:
        return self.organization.id

    @property
    def role(self) -> str:
        return self.user.role

    @property
    def is_admin(self) -> bool:
        return self.user.role in ADMINS

    def require_admin(self) -> None:
        if not self.is_admin:
            raise Forbidden("this action needs the ADMIN or OWNER role")


# Built once: every authenticated request runs it, and building the statement
# (and its cache key) cost more than executing the cached compiled form.
_PRINCIPAL = (
    select(User, Organization)
    .join(Organization, Organization.id == User.organization_id)
    .where(
        User.id == bindparam("user_id"),
        User.organization_id == bindparam("org_id"),
        User.active.is_(True),
    )
)
# An access token of an ended sign-in (logout, refresh-token reuse) dies with
# it: one index probe on refresh_tokens.family_id, in the same statement.
_PRINCIPAL_IN_SESSION = _PRINCIPAL.where(
    ~exists().where(
        RefreshToken.family_id == bindparam("sid"),
        RefreshToken.revoked_at.is_not(None),
    )
)


async def load_principal(
    session: AsyncSession,
    user_id: uuid.UUID,
    org_id: uuid.UUID,
    session_id: uuid.UUID | None = None,
) -> Principal | None:
    """Read on every request (no cache): a role change, deactivation or logout
    takes effect at once. `session_id`: the access token's sign-in, if it names one."""
    params: dict[str, object] = {"user_id": user_id, "org_id": org_id}
    stmt = _PRINCIPAL
    if session_id is not None:
        stmt, params["sid"] = _PRINCIPAL_IN_SESSION, session_id
    row = (await session.execute(stmt, params)).first()
    return Principal(user=row[0], organization=row[1]) if row else None
