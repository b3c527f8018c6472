"""Member management: invite, list, change role or deactivate."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from server import audit
from server.auth import service as auth_service
from server.auth.principal import Principal
from server.core.errors import BadRequest, Conflict, Forbidden, NotFound
from server.db.base import utcnow
from server.db.models import RefreshToken, User
from server.db.pagination import keyset_page
from server.db.scoped import get_in_org
from server.members.schemas import InviteOut, InviteRequest, MemberOut, MemberPage, MemberPatch
from server.teams.service import can_see_user
from shared.enums import Role


def member_out(user: User) -> MemberOut:
    return MemberOut(
        id=str(user.id),
        email=user.email,
        name=user.name,
        role=Role(user.role),
        timezone=user.timezone,
        active=user.active,
        invited=user.password_hash is None,
    )


def _check_grant(principal: Principal, role: Role) -> None:
    if role == Role.OWNER and principal.role != Role.OWNER.value:
        raise Forbidden("only an OWNER can grant the OWNER role")


async def get_member(session: AsyncSession, principal: Principal, user_id: uuid.UUID) -> User:
    return await get_in_org(session, User, user_id, principal.org_id, "member")


async def get_visible_member(
    session: AsyncSession, principal: Principal, user_id: uuid.UUID
) -> MemberOut:
    """A member the caller may see (self, their team as MANAGER, anyone as ADMIN); else 404."""
    if not await can_see_user(session, principal, user_id):
        raise NotFound("member")
    return member_out(await get_member(session, principal, user_id))


async def invite(
    session: AsyncSession, principal: Principal, data: InviteRequest, ip: str
) -> InviteOut:
    principal.require_admin()
    _check_grant(principal, data.role)
    user = await auth_service.add_user(
        session,
        User(
            organization_id=principal.org_id,
            email=auth_service.normalize_email(data.email),
            name=auth_service.require_name(data.name, "name"),
            role=data.role.value,
            timezone=principal.organization.timezone,
        ),
    )
    token = await auth_service.create_invitation(session, user)
    audit.record(
        session,
        "member.invited",
        organization_id=principal.org_id,
        actor_id=principal.user_id,
        target_type="user",
        target_id=user.id,
        ip=ip,
        role=user.role,
    )
    await session.commit()
    return InviteOut(member=member_out(user), invitation_token=token)


async def list_members(
    session: AsyncSession, principal: Principal, cursor: str | None, limit: int | None
) -> MemberPage:
    if principal.role == Role.MEMBER.value:
        return MemberPage(items=[member_out(principal.user)], next_cursor=None)
    stmt = select(User).where(User.organization_id == principal.org_id)
    rows, nxt = await keyset_page(session, stmt, User.email, User.id, cursor, limit)
    return MemberPage(items=[member_out(u) for u in rows], next_cursor=nxt)


async def _owner_count(session: AsyncSession, org_id: uuid.UUID) -> int:
    return int(
        (
            await session.execute(
                select(func.count())
                .select_from(User)
                .where(
                    User.organization_id == org_id,
                    User.role == Role.OWNER.value,
                    User.active.is_(True),
                )
            )
        ).scalar_one()
    )


async def update_member(
    session: AsyncSession, principal: Principal, user_id: uuid.UUID, patch: MemberPatch, ip: str
) -> MemberOut:
    user = await get_member(session, principal, user_id)
    is_self = user.id == principal.user_id
    if not principal.is_admin and not (is_self and patch.role is None and patch.active is None):
        raise Forbidden("this action needs the ADMIN or OWNER role")
    if (
        user.role == Role.OWNER.value
        and principal.role != Role.OWNER.value
        and (patch.role is not None or patch.active is not None)
    ):
        raise Forbidden("only an OWNER can change another OWNER")
    demoting_owner = user.role == Role.OWNER.value and (
        (patch.role is not None and patch.role != Role.OWNER) or patch.active is False
    )
    if demoting_owner and await _owner_count(session, principal.org_id) <= 1:
        raise Conflict("an organization needs at least one active OWNER")
    if patch.name is not None:
        if not patch.name.strip() or len(patch.name) > 200:
            raise BadRequest("name must be 1 to 200 characters")
        user.name = patch.name.strip()
    if patch.timezone is not None:
        user.timezone = auth_service.validate_timezone(patch.timezone)
    if patch.role is not None and patch.role.value != user.role:
        _check_grant(principal, patch.role)
        audit.record(
            session,
            "member.role_changed",
            organization_id=principal.org_id,
            actor_id=principal.user_id,
            target_type="user",
            target_id=user.id,
            ip=ip,
            old=user.role,
            new=patch.role.value,
        )
        user.role = patch.role.value
    if patch.active is not None and patch.active != user.active:
        user.active = patch.active
        audit.record(
            session,
            "member.activated" if patch.active else "member.deactivated",
            organization_id=principal.org_id,
            actor_id=principal.user_id,
            target_type="user",
            target_id=user.id,
            ip=ip,
        )
        if not patch.active:  # end their sessions now, not when tokens expire
            await session.execute(
                update(RefreshToken)
                .where(RefreshToken.user_id == user.id, RefreshToken.revoked_at.is_(None))
                .values(revoked_at=utcnow())
            )
    await session.commit()
    return member_out(user)
