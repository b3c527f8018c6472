"""Which connection writes a worklog: the owner's own connection when they
have one (the worklog is authored by them at the provider), else the
integration's service token.

An OAuth access token about to expire is refreshed first (oauth.py, once and
atomically); a 401 refreshes once more and retries. A connection that cannot
be used (refused refresh or token) is flagged for re-authorisation and its
owner's entries become errors on the run: the run goes on with the others —
never with the service token in their name.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from server.db.models import Integration, IntegrationConnection, User
from server.integrations.base import Connector
from server.integrations.connections import connection_base_url
from server.integrations.credentials import unseal
from server.integrations.http import ProviderError
from server.integrations.oauth import (
    ATLASSIAN_TOKEN_URL,
    NeedsReauthorization,
    TokenPair,
    atlassian_refresh,
    flag_reauth,
    fresh_credentials,
)
from server.integrations.providers import build_connector
from server.security.secretbox import Keyring

T = TypeVar("T")


class ConnectionUnusable(ProviderError):
    """The owner's own connection cannot write now; that entry's error, not the run's."""


@dataclass
class Owner:
    connection_id: uuid.UUID
    name: str
    kind: str
    status: str
    reason: str | None
    connected_at: datetime
    built: tuple[int, Connector] | None = None


@dataclass
class Writers:
    sessions: async_sessionmaker[AsyncSession] | None
    keyring: Keyring
    integration: Integration
    default: Connector
    transport: Any = None
    owners: dict[uuid.UUID, Owner] = field(default_factory=dict)

    async def load(self, session: AsyncSession) -> None:
        rows = await session.execute(
            select(IntegrationConnection, User.name)
            .join(User, User.id == IntegrationConnection.user_id)
            .where(IntegrationConnection.integration_id == self.integration.id)
        )
        self.owners = {
            c.user_id: Owner(c.id, name, c.kind, c.status, c.status_reason, c.updated_at)
            for c, name in rows.all()
        }

    def connected_since(self, since: datetime) -> list[uuid.UUID]:
        """People who (re)connected since: their entries are offered again."""
        return [
            u for u, o in self.owners.items() if o.status == "active" and o.connected_at >= since
        ]

    def _unusable(self, owner: Owner) -> ConnectionUnusable:
        provider = self.integration.provider.capitalize()
        return ConnectionUnusable(
            f"{owner.name}'s own {provider} connection needs re-authorisation: "
            f"{owner.reason or 'connect it again'}"
        )

    async def _refresh(self, refresh_token: str) -> TokenPair:
        secrets = unseal(self.integration, self.keyring)
        return await atlassian_refresh(
            str(self.integration.settings.get("oauthTokenUrl") or ATLASSIAN_TOKEN_URL),
            secrets.get("oauthClientId", ""),
            secrets.get("oauthClientSecret", ""),
            refresh_token,
            self.transport,
        )

    async def _connector(self, owner: Owner, stale: int | None = None) -> tuple[int, Connector]:
        assert self.sessions is not None
        try:
            credentials, version = await fresh_credentials(
                self.sessions,
                self.keyring,
                owner.connection_id,
                self._refresh,
                stale_version=stale,
            )
        except NeedsReauthorization as exc:
            owner.status, owner.reason = "reauth", exc.reason
            raise self._unusable(owner) from None
        except ProviderError as exc:
            raise ConnectionUnusable(
                f"{owner.name}'s own connection could not be refreshed: {exc.reason}"
            ) from None
        if owner.built is None or owner.built[0] != version:
            if owner.built is not None:
                await owner.built[1].http.aclose()
            connector = build_connector(
                self.integration.provider,
                connection_base_url(self.integration, credentials),
                credentials,
                self.integration.settings,
                budget_seconds=float(self.integration.settings.get("budgetSeconds") or 1800),
                transport=self.transport,
            )
            owner.built = (version, connector)
        return owner.built

    async def call(self, user_id: uuid.UUID | None, op: Callable[[Connector], Awaitable[T]]) -> T:
        """`op` with the owner's connection (or the service token's connector)."""
        owner = self.owners.get(user_id) if user_id is not None else None
        if owner is None or self.sessions is None:
            return await op(self.default)
        if owner.status != "active":
            raise self._unusable(owner)
        version, connector = await self._connector(owner)
        try:
            return await op(connector)
        except ProviderError as exc:
            if exc.status != 401:
                raise
            refused = exc
        if owner.kind == "oauth":  # revoked or expired early: one refresh, one retry
            version, connector = await self._connector(owner, stale=version)
            try:
                return await op(connector)
            except ProviderError as exc:
                if exc.status != 401:
                    raise
                refused = exc
        owner.status = "reauth"
        owner.reason = f"the provider refused the token ({refused.reason})"
        assert self.sessions is not None
        await flag_reauth(self.sessions, owner.connection_id, version, owner.reason)
        raise self._unusable(owner)

    async def aclose(self) -> None:
        for owner in self.owners.values():
            if owner.built is not None:
                await owner.built[1].http.aclose()
                owner.built = None
