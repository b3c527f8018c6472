"""Who is calling, and what their role lets them do."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.core.errors import Forbidden
from server.db.models import Organization, User
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


async def load_principal(
    session: AsyncSession, user_id: uuid.UUID, org_id: uuid.UUID
) -> Principal | None:
    """Read on every request (no cache): a role change or deactivation takes effect at once."""
    row = (await session.execute(_PRINCIPAL, {"user_id": user_id, "org_id": org_id})).first()
    return Principal(user=row[0], organization=row[1]) if row else None
