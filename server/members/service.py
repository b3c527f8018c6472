"""Member management: invite, list, change role or deactivate."""

from __future__ import annotations

import uuid

from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from server import audit
from server.auth import invitations
from server.auth import service as auth_service
from server.auth.principal import Principal
from server.core.errors import BadRequest, Conflict, Forbidden, NotFound
from server.db.base import utcnow
from server.db.models import RefreshToken, TeamMember, User
from server.db.pagination import keyset_page
from server.db.scoped import get_in_org
from server.mail.message import invitation_mail
from server.mail.outbox import Outbox
from server.members.schemas import (
    InvitationOut,
    InvitationPage,
    InviteOut,
    InviteRequest,
    MemberOut,
    MemberPage,
    MemberPatch,
)
from server.teams.service import can_see_user, managed_team_ids
from shared.enums import Role


def member_out(user: User) -> MemberOut:
    return MemberOut(
        id=str(user.id),
        email=user.email,
        name=user.name,
        role=Role(user.role),
        timezone=user.timezone,
        active=user.active,
        invited=user.password_hash is None and user.auth_source != "ldap",
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


async def _send_invitation(
    session: AsyncSession, principal: Principal, user: User, outbox: Outbox | None
) -> str:
    """A new link for `user` (the previous one dies), mailed to them."""
    token = await invitations.create_invitation(session, user)
    await session.commit()
    if outbox is not None:
        await outbox.send(
            invitation_mail(
                user.email,
                user.name,
                principal.organization.name,
                principal.user.name,
                outbox.link("/invite", token=token),
                invitations.INVITATION_TTL.days,
            )
        )
    return token


async def invite(
    session: AsyncSession,
    principal: Principal,
    data: InviteRequest,
    ip: str,
    outbox: Outbox | None = None,
) -> InviteOut:
    """Invites a new person; inviting someone of this organization who has not
    joined yet sends them a new link instead (the old one dies)."""
    principal.require_admin()
    _check_grant(principal, data.role)
    email = auth_service.normalize_email(data.email)
    name = auth_service.require_name(data.name, "name")
    existing = (
        await session.execute(
            select(User).where(
                User.email == email,
                User.organization_id == principal.org_id,
                User.password_hash.is_(None),
                User.auth_source == "local",
                User.active.is_(True),
            )
        )
    ).scalar_one_or_none()
    if existing is not None:
        existing.name, existing.role = name, data.role.value
        user, action = existing, "member.reinvited"
    else:
        user = await auth_service.add_user(
            session,
            User(
                organization_id=principal.org_id,
                email=email,
                name=name,
                role=data.role.value,
                timezone=principal.organization.timezone,
            ),
        )
        action = "member.invited"
    audit.record_by(
        session,
        principal,
        action,
        target_type="user",
        target_id=user.id,
        ip=ip,
        role=user.role,
    )
    token = await _send_invitation(session, principal, user, outbox)
    return InviteOut(member=member_out(user), invitation_token=token)


async def _invited(session: AsyncSession, principal: Principal, user_id: uuid.UUID) -> User:
    principal.require_admin()
    user = await get_member(session, principal, user_id)
    if user.password_hash is not None or user.auth_source != "local":
        raise Conflict("this person has already joined; there is no invitation to change")
    if not user.active:
        raise Conflict("this person is deactivated; reactivate them first")
    return user


async def resend_invitation(
    session: AsyncSession, principal: Principal, user_id: uuid.UUID, ip: str, outbox: Outbox
) -> InviteOut:
    user = await _invited(session, principal, user_id)
    _check_grant(principal, Role(user.role))
    audit.record_by(
        session,
        principal,
        "member.reinvited",
        target_type="user",
        target_id=user.id,
        ip=ip,
    )
    token = await _send_invitation(session, principal, user, outbox)
    return InviteOut(member=member_out(user), invitation_token=token)


async def revoke_invitation(
    session: AsyncSession, principal: Principal, user_id: uuid.UUID, ip: str
) -> None:
    user = await _invited(session, principal, user_id)
    if not await invitations.revoke_pending(session, user.id):
        raise NotFound("pending invitation")
    audit.record_by(
        session,
        principal,
        "member.invitation_revoked",
        target_type="user",
        target_id=user.id,
        ip=ip,
    )
    await session.commit()


async def list_invitations(session: AsyncSession, principal: Principal) -> InvitationPage:
    principal.require_admin()
    rows = await invitations.pending(session, principal.org_id)
    return InvitationPage(
        items=[
            InvitationOut(
                member=member_out(p.user),
                invited_at=p.created_at.isoformat(),
                expires_at=p.expires_at.isoformat(),
                expired=p.expired,
            )
            for p in rows
        ]
    )


async def list_members(
    session: AsyncSession, principal: Principal, cursor: str | None, limit: int | None
) -> MemberPage:
    """The same rule as one member's page: ADMIN/OWNER everyone; anyone else
    themselves and the members of the teams they MANAGE (an organization-level
    MANAGER role alone shows nobody else; docs/api.md, "Roles")."""
    stmt = select(User).where(User.organization_id == principal.org_id)
    if not principal.is_admin:
        managed = await managed_team_ids(session, principal)
        members = select(TeamMember.user_id).where(
            TeamMember.team_id.in_(managed), TeamMember.organization_id == principal.org_id
        )
        stmt = stmt.where(or_(User.id == principal.user_id, User.id.in_(members)))
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
    if is_self and patch.active is False:
        raise Conflict("you cannot deactivate yourself; ask another administrator")
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
        audit.record_by(
            session,
            principal,
            "member.role_changed",
            target_type="user",
            target_id=user.id,
            ip=ip,
            old=user.role,
            new=patch.role.value,
        )
        user.role = patch.role.value
    if patch.active is not None and patch.active != user.active:
        user.active = patch.active
        audit.record_by(
            session,
            principal,
            "member.activated" if patch.active else "member.deactivated",
            target_type="user",
            target_id=user.id,
            ip=ip,
        )
        if not patch.active:  # end their sessions and links now, not when tokens expire
            await invitations.revoke_pending(session, user.id)
            await session.execute(
                update(RefreshToken)
                .where(RefreshToken.user_id == user.id, RefreshToken.revoked_at.is_(None))
                .values(revoked_at=utcnow())
            )
    await session.commit()
    return member_out(user)
