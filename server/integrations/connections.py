"""A person's own connection to a two-way integration (Jira, Zammad, Kimai):
connect or replace (checked with the provider as that person), read masked,
remove; administrators list who is connected, never a token.

Every member manages only their own connection; another organization's
integration is not found; import-only providers take none. The provider's id
of the account becomes that person's user mapping, so their worklogs pulled
back map to them.
"""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server import audit
from server.auth.principal import Principal
from server.core.errors import BadRequest, NotFound, Unprocessable
from server.db.base import utcnow
from server.db.models import Integration, IntegrationConnection, IntegrationMapping, User
from server.db.scoped import get_in_org
from server.integrations.base import AccountInfo, ConnectionRejected
from server.integrations.connection_schemas import (
    ConnectedUserList,
    ConnectedUserOut,
    ConnectionIn,
    ConnectionOut,
    MyConnectionList,
    MyConnectionOut,
)
from server.integrations.credentials import seal
from server.integrations.http import ProviderError
from server.integrations.oauth import ATLASSIAN_API_URL
from server.integrations.providers import CONNECTORS, build_connector
from server.integrations.resolver import USER
from server.integrations.service import IntegrationsContext

OAUTH_PROVIDERS = ("jira",)
OAUTH_APP = ("oauthClientId", "oauthClientSecret")
_CLOUD_ID = re.compile(r"^[A-Za-z0-9-]{1,64}$")


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def personal_fields(provider: str) -> tuple[str, ...]:
    cls = CONNECTORS.get(provider)
    return cls.credential_fields if cls and cls.two_way else ()


def oauth_available(integration: Integration) -> bool:
    return integration.provider in OAUTH_PROVIDERS and all(
        k in (integration.credential_hints or {}) for k in OAUTH_APP
    )


def oauth_base_url(integration: Integration, cloud_id: str) -> str:
    root = str(integration.settings.get("oauthApiUrl") or ATLASSIAN_API_URL).rstrip("/")
    return f"{root}/ex/jira/{cloud_id}"


def connection_base_url(integration: Integration, credentials: dict[str, str]) -> str | None:
    if credentials.get("cloudId"):
        return oauth_base_url(integration, credentials["cloudId"])
    return integration.base_url


def connection_out(row: IntegrationConnection) -> ConnectionOut:
    return ConnectionOut(
        integration_id=str(row.integration_id),
        user_id=str(row.user_id),
        kind=row.kind,
        credentials=dict(row.credential_hints or {}),
        account=row.account,
        status=row.status,
        status_reason=row.status_reason,
        expires_at=_iso(row.expires_at),
        refreshed_at=_iso(row.refreshed_at),
        connected_at=str(_iso(row.created_at)),
        updated_at=str(_iso(row.updated_at)),
    )


async def _two_way(
    session: AsyncSession, principal: Principal, integration_id: uuid.UUID
) -> Integration:
    integration = await get_in_org(
        session, Integration, integration_id, principal.org_id, "integration"
    )
    if not personal_fields(integration.provider):
        raise BadRequest(
            f"{integration.provider} integrations take no personal connections "
            "(Jira, Zammad and Kimai do)"
        )
    return integration


async def _mine(
    session: AsyncSession, principal: Principal, integration_id: uuid.UUID
) -> IntegrationConnection | None:
    row = await session.execute(
        select(IntegrationConnection).where(
            IntegrationConnection.integration_id == integration_id,
            IntegrationConnection.user_id == principal.user_id,
            IntegrationConnection.organization_id == principal.org_id,
        )
    )
    return row.scalar_one_or_none()


async def get_mine(
    session: AsyncSession, principal: Principal, integration_id: uuid.UUID
) -> ConnectionOut:
    await _two_way(session, principal, integration_id)
    row = await _mine(session, principal, integration_id)
    if row is None:
        raise NotFound("you have no connection of your own to this integration")
    return connection_out(row)


def _credentials(integration: Integration, data: ConnectionIn) -> tuple[str, dict[str, str]]:
    if data.oauth is not None:
        if integration.provider not in OAUTH_PROVIDERS:
            raise BadRequest("OAuth connections are for Jira Cloud; send credentials instead")
        if not oauth_available(integration):
            raise BadRequest(
                "an administrator has to add the OAuth app's oauthClientId and "
                "oauthClientSecret to the integration's credentials first"
            )
        o = data.oauth
        if not _CLOUD_ID.match(o.cloud_id.strip()):
            raise BadRequest("cloudId must be the Jira site's cloud id (letters, digits, dashes)")
        if not o.access_token.strip() or not o.refresh_token.strip():
            raise BadRequest("accessToken and refreshToken must not be empty")
        if not 0 < o.expires_in <= 366 * 86400:
            raise BadRequest("expiresIn must be the access token's lifetime in seconds")
        return "oauth", {
            "accessToken": o.access_token.strip(),
            "refreshToken": o.refresh_token.strip(),
            "cloudId": o.cloud_id.strip(),
        }
    fields = personal_fields(integration.provider)
    missing = [f for f in fields if not str(data.credentials.get(f) or "").strip()]
    if missing:
        raise BadRequest(f"{integration.provider} needs the credentials {', '.join(missing)}")
    extra = sorted(set(data.credentials) - set(fields))
    if extra:
        raise BadRequest(f"unknown credentials {', '.join(extra)} (expected {', '.join(fields)})")
    return "token", {f: str(data.credentials[f]).strip() for f in fields}


async def _check(
    ctx: IntegrationsContext, integration: Integration, credentials: dict[str, str]
) -> AccountInfo:
    connector = build_connector(
        integration.provider,
        connection_base_url(integration, credentials),
        credentials,
        integration.settings,
        budget_seconds=30,
        max_retries=1,
        transport=ctx.transport,
    )
    try:
        return await connector.validate()
    except ConnectionRejected as exc:
        raise Unprocessable(exc.reason) from None
    except ProviderError as exc:
        raise Unprocessable(f"the connection check failed: {exc.reason}") from None
    finally:
        await connector.http.aclose()


async def _map_account(
    session: AsyncSession, integration: Integration, external_id: str, user_id: uuid.UUID
) -> None:
    """The account proved to be this person's: their remote worklogs are theirs
    (an account mapped by hand to someone else is left as it is)."""
    row = (
        await session.execute(
            select(IntegrationMapping).where(
                IntegrationMapping.integration_id == integration.id,
                IntegrationMapping.kind == USER,
                IntegrationMapping.external_id == external_id[:255],
            )
        )
    ).scalar_one_or_none()
    if row is None:
        row = IntegrationMapping(
            integration_id=integration.id, kind=USER, external_id=external_id[:255]
        )
        session.add(row)
    elif row.manual and row.target_id not in (None, user_id):
        return
    row.target_id, row.manual = user_id, True


async def put_mine(
    session: AsyncSession,
    principal: Principal,
    integration_id: uuid.UUID,
    data: ConnectionIn,
    ctx: IntegrationsContext,
    ip: str | None = None,
) -> ConnectionOut:
    """Connects or replaces the caller's own connection, checked with the provider."""
    integration = await _two_way(session, principal, integration_id)
    kind, credentials = _credentials(integration, data)
    info = await _check(ctx, integration, credentials)
    row = await _mine(session, principal, integration_id)
    replaced = row is not None
    now = utcnow()
    if row is None:
        row = IntegrationConnection(
            id=uuid.uuid4(),
            organization_id=principal.org_id,
            integration_id=integration.id,
            user_id=principal.user_id,
            version=0,
            created_at=now,
        )
        session.add(row)
    else:
        row.version += 1  # a refresh claimed on the old secret writes nothing
    seal(row, credentials, ctx.keyring)
    row.kind, row.account, row.external_user_id = kind, info.label[:255], info.external_id
    row.expires_at = now + timedelta(seconds=data.oauth.expires_in) if data.oauth else None
    row.status, row.status_reason, row.refresh_lease_until = "active", None, None
    row.refreshed_at, row.updated_at = None, now
    if info.external_id:
        await _map_account(session, integration, info.external_id, principal.user_id)
    audit.record_by(
        session,
        principal,
        "integration.connection_set",
        target_type="integration",
        target_id=integration.id,
        ip=ip,
        kind=kind,
        replaced=replaced,
    )
    await session.commit()
    return connection_out(row)


async def delete_mine(
    session: AsyncSession,
    principal: Principal,
    integration_id: uuid.UUID,
    ip: str | None = None,
) -> None:
    integration = await _two_way(session, principal, integration_id)
    row = await _mine(session, principal, integration_id)
    if row is None:
        raise NotFound("you have no connection of your own to this integration")
    audit.record_by(
        session,
        principal,
        "integration.connection_removed",
        target_type="integration",
        target_id=integration.id,
        ip=ip,
        kind=row.kind,
    )
    await session.delete(row)
    await session.commit()


async def list_connected(
    session: AsyncSession, principal: Principal, integration_id: uuid.UUID
) -> ConnectedUserList:
    """ADMIN/OWNER: who has connected their own account, and in what state."""
    principal.require_admin()
    # Any provider answers (an empty list for those without personal connections).
    await get_in_org(session, Integration, integration_id, principal.org_id, "integration")
    rows = await session.execute(
        select(IntegrationConnection, User.name, User.email)
        .join(User, User.id == IntegrationConnection.user_id)
        .where(
            IntegrationConnection.integration_id == integration_id,
            IntegrationConnection.organization_id == principal.org_id,
        )
        .order_by(User.name)
    )
    return ConnectedUserList(
        items=[
            ConnectedUserOut(
                user_id=str(c.user_id),
                name=name,
                email=email,
                kind=c.kind,
                status=c.status,
                status_reason=c.status_reason,
                account=c.account,
                connected_at=str(_iso(c.created_at)),
                refreshed_at=_iso(c.refreshed_at),
            )
            for c, name, email in rows.all()
        ]
    )


async def list_mine(session: AsyncSession, principal: Principal) -> MyConnectionList:
    """Every two-way integration of the organization and the caller's connection to it."""
    integrations = (
        await session.execute(
            select(Integration)
            .where(
                Integration.organization_id == principal.org_id,
                Integration.provider.in_([p for p, c in CONNECTORS.items() if c.two_way]),
            )
            .order_by(Integration.name)
        )
    ).scalars()
    mine = {
        c.integration_id: c
        for c in (
            await session.execute(
                select(IntegrationConnection).where(
                    IntegrationConnection.user_id == principal.user_id,
                    IntegrationConnection.organization_id == principal.org_id,
                )
            )
        ).scalars()
    }
    return MyConnectionList(
        items=[
            MyConnectionOut(
                integration_id=str(i.id),
                integration_name=i.name,
                provider=i.provider,
                credential_fields=list(personal_fields(i.provider)),
                oauth_available=oauth_available(i),
                connection=connection_out(mine[i.id]) if i.id in mine else None,
            )
            for i in integrations
        ]
    )
