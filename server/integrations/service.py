"""Integration use cases: connect (checked with the provider), read, change,
remove, and the user/project/activity mappings. ADMIN/OWNER only; another
organization's integration is simply not found."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import msgspec
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server import audit
from server.auth.principal import Principal
from server.core.errors import BadRequest, Unprocessable
from server.core.values import require_name, sent_fields
from server.db.models import Activity, Integration, IntegrationMapping, Project, User
from server.db.scoped import get_in_org
from server.db.unique import unique_or_conflict
from server.integrations.base import ConnectionRejected
from server.integrations.config import clean_base_url, clean_credentials, clean_settings
from server.integrations.credentials import seal
from server.integrations.http import ProviderError
from server.integrations.providers import PROVIDERS, build_connector, is_file_format
from server.integrations.resolver import ACTIVITY, KINDS, PROJECT, USER, Resolver
from server.integrations.schemas import (
    MAX_MAPPINGS,
    IntegrationIn,
    IntegrationList,
    IntegrationOut,
    IntegrationPatch,
    MappingOut,
    MappingsIn,
    MappingsOut,
    UnmatchedCounts,
)
from server.security.secretbox import Keyring

_TAKEN = "an integration with this name already exists"


@dataclass(frozen=True)
class IntegrationsContext:
    """What the use cases need from the running process."""

    keyring: Keyring
    jobs: Any  # server.jobs.base.JobQueue
    data_dir: Path
    transport: Any = None  # an httpx transport (bench); None: the network


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def integration_out(i: Integration, account: str | None = None) -> IntegrationOut:
    return IntegrationOut(
        id=str(i.id),
        provider=i.provider,
        name=i.name,
        base_url=i.base_url,
        credentials=dict(i.credential_hints or {}),
        settings=dict(i.settings or {}),
        interval_minutes=i.interval_minutes,
        high_water_mark=i.cursor,
        next_run_at=_iso(i.next_run_at),
        created_at=str(_iso(i.created_at)),
        account=account,
    )


async def check_connection(
    ctx: IntegrationsContext,
    provider: str,
    base_url: str | None,
    credentials: dict[str, str],
    settings: dict[str, Any],
    integration: Integration | None = None,
    session: AsyncSession | None = None,
) -> str:
    """One cheap call to the provider: its account label, or 422 with its reason.
    Given an integration, also learns the provider's users and projects (mappings)."""
    connector = build_connector(
        provider,
        base_url,
        credentials,
        settings,
        budget_seconds=30,
        max_retries=1,
        transport=ctx.transport,
    )
    try:
        info = await connector.validate()
        if integration is not None and session is not None:
            resolver = await Resolver.load(session, integration)
            try:
                for ref in await connector.list_users():
                    resolver.learn_user(ref)
                for ref in await connector.list_projects():
                    resolver.project(ref, dry_run=True)
                for ref in await connector.list_activities():
                    resolver.learn(ACTIVITY, ref)
            except ProviderError:
                pass  # mappings are learnt again on every run
            resolver.flush_into(session)
        return info.label
    except ConnectionRejected as exc:
        raise Unprocessable(exc.reason) from None
    except ProviderError as exc:
        raise Unprocessable(f"the connection check failed: {exc.reason}") from None
    finally:
        await connector.http.aclose()


async def get_integration(
    session: AsyncSession, principal: Principal, integration_id: uuid.UUID
) -> Integration:
    principal.require_admin()
    return await get_in_org(session, Integration, integration_id, principal.org_id, "integration")


async def list_integrations(session: AsyncSession, principal: Principal) -> IntegrationList:
    principal.require_admin()
    rows = (
        await session.execute(
            select(Integration)
            .where(Integration.organization_id == principal.org_id)
            .order_by(Integration.name)
        )
    ).scalars()
    return IntegrationList(items=[integration_out(i) for i in rows])


async def create_integration(
    session: AsyncSession,
    principal: Principal,
    data: IntegrationIn,
    ctx: IntegrationsContext,
    ip: str | None = None,
) -> IntegrationOut:
    principal.require_admin()
    if data.provider not in PROVIDERS:
        raise BadRequest(f"provider must be one of {', '.join(PROVIDERS)}")
    settings = clean_settings(data.provider, data.settings)
    integration = Integration(
        id=uuid.uuid4(),
        organization_id=principal.org_id,
        provider=data.provider,
        name=require_name(data.name),
        base_url=clean_base_url(data.base_url),
        settings=settings,
        interval_minutes=settings.get("intervalMinutes"),
        created_by=principal.user_id,
    )
    account = None
    if not is_file_format(data.provider):
        credentials = clean_credentials(data.provider, data.credentials)
        session.add(integration)
        async with unique_or_conflict(session, _TAKEN):
            await session.flush()
        account = await check_connection(
            ctx, data.provider, integration.base_url, credentials, settings, integration, session
        )
        seal(integration, credentials, ctx.keyring)
    else:
        session.add(integration)
    audit.record_by(
        session,
        principal,
        "integration.created",
        target_type="integration",
        target_id=integration.id,
        ip=ip,
        provider=data.provider,
    )
    async with unique_or_conflict(session, _TAKEN):
        await session.commit()
    return integration_out(integration, account)


async def update_integration(
    session: AsyncSession,
    principal: Principal,
    integration_id: uuid.UUID,
    patch: IntegrationPatch,
    ctx: IntegrationsContext,
    ip: str | None = None,
) -> IntegrationOut:
    integration = await get_integration(session, principal, integration_id)
    if patch.name is not msgspec.UNSET:
        integration.name = require_name(patch.name)
    if patch.base_url is not msgspec.UNSET:
        integration.base_url = clean_base_url(patch.base_url)
    if patch.settings is not msgspec.UNSET:
        merged = {**integration.settings, **patch.settings}
        merged = {k: v for k, v in merged.items() if v is not None or k == "intervalMinutes"}
        integration.settings = clean_settings(integration.provider, merged)
        integration.interval_minutes = integration.settings.get("intervalMinutes")
        if integration.interval_minutes is None:
            integration.next_run_at = None
    account = None
    if patch.credentials is not msgspec.UNSET and not is_file_format(integration.provider):
        credentials = clean_credentials(integration.provider, patch.credentials)
        account = await check_connection(
            ctx, integration.provider, integration.base_url, credentials, integration.settings
        )
        seal(integration, credentials, ctx.keyring)
    audit.record_by(
        session,
        principal,
        "integration.updated",
        target_type="integration",
        target_id=integration.id,
        ip=ip,
        fields=sent_fields(patch),
    )
    async with unique_or_conflict(session, _TAKEN):
        await session.commit()
    return integration_out(integration, account)


async def delete_integration(
    session: AsyncSession, principal: Principal, integration_id: uuid.UUID, ip: str | None = None
) -> None:
    """Removes the connection, its runs, mappings and links; imported time stays."""
    integration = await get_integration(session, principal, integration_id)
    audit.record_by(
        session,
        principal,
        "integration.deleted",
        target_type="integration",
        target_id=integration.id,
        ip=ip,
        provider=integration.provider,
        name=integration.name,
    )
    await session.delete(integration)
    await session.commit()


def _mapping_out(m: IntegrationMapping) -> MappingOut:
    return MappingOut(
        kind=m.kind,
        external_id=m.external_id,
        external_name=m.external_name,
        external_email=m.external_email,
        target_id=str(m.target_id) if m.target_id else None,
        manual=m.manual,
    )


async def get_mappings(
    session: AsyncSession, principal: Principal, integration_id: uuid.UUID
) -> MappingsOut:
    integration = await get_integration(session, principal, integration_id)
    rows = list(
        (
            await session.execute(
                select(IntegrationMapping)
                .where(IntegrationMapping.integration_id == integration.id)
                .order_by(IntegrationMapping.kind, IntegrationMapping.external_id)
            )
        ).scalars()
    )
    by_kind = {k: [_mapping_out(m) for m in rows if m.kind == k] for k in KINDS}
    unmatched = {k: sum(1 for m in rows if m.kind == k and m.target_id is None) for k in KINDS}
    return MappingsOut(
        users=by_kind[USER],
        projects=by_kind[PROJECT],
        activities=by_kind[ACTIVITY],
        unmatched=UnmatchedCounts(
            users=unmatched[USER], projects=unmatched[PROJECT], activities=unmatched[ACTIVITY]
        ),
    )


_TARGETS: dict[str, Any] = {USER: User, PROJECT: Project, ACTIVITY: Activity}


async def put_mappings(
    session: AsyncSession,
    principal: Principal,
    integration_id: uuid.UUID,
    data: MappingsIn,
    ip: str | None = None,
) -> MappingsOut:
    integration = await get_integration(session, principal, integration_id)
    if len(data.items) > MAX_MAPPINGS:
        raise BadRequest(f"at most {MAX_MAPPINGS} mappings per request")
    for item in data.items:
        external_id = item.external_id.strip()[:255]
        if not external_id:
            raise BadRequest("externalId must not be empty")
        target: uuid.UUID | None = None
        if item.target_id is not None:
            try:
                target = uuid.UUID(item.target_id)
            except ValueError:
                raise BadRequest(f"targetId {item.target_id!r} is not an id") from None
            model = _TARGETS[item.kind]
            found = (
                await session.execute(
                    select(model.id).where(
                        model.id == target, model.organization_id == principal.org_id
                    )
                )
            ).first()
            if found is None:
                raise BadRequest(
                    f"targetId {item.target_id} is no {item.kind} of this organization"
                )
        row = (
            await session.execute(
                select(IntegrationMapping).where(
                    IntegrationMapping.integration_id == integration.id,
                    IntegrationMapping.kind == item.kind,
                    IntegrationMapping.external_id == external_id,
                )
            )
        ).scalar_one_or_none()
        if row is None:
            row = IntegrationMapping(
                integration_id=integration.id, kind=item.kind, external_id=external_id
            )
            session.add(row)
        row.target_id = target
        row.manual = target is not None
        if item.external_name:
            row.external_name = item.external_name[:255]
    audit.record_by(
        session,
        principal,
        "integration.mappings_changed",
        target_type="integration",
        target_id=integration.id,
        ip=ip,
        count=len(data.items),
    )
    await session.commit()
    return await get_mappings(session, principal, integration_id)
