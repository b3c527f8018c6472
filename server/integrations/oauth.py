"""OAuth access tokens of people's connections, refreshed once and atomically.

Atlassian (Jira Cloud OAuth 2.0 3LO) rotates the refresh token on every use:
`POST https://auth.atlassian.com/oauth/token {grant_type: refresh_token,
client_id, client_secret, refresh_token}` → `{access_token, expires_in,
refresh_token, scope, token_type}`; the refresh token sent is dead afterwards,
and an unknown or dead one answers 403 `{"error": "invalid_grant"}`.

So two runs or jobs must never refresh with the same refresh token. A refresh
1. claims the row: `UPDATE … SET version = v+1, refresh_lease_until = now+60s
   WHERE id = … AND version = v` (compare-and-set; the loser re-reads and
   waits for the winner's pair instead of refreshing itself);
2. calls the token endpoint outside any transaction (timeout under the lease);
3. writes the new access + refresh pair in one statement `WHERE version = v+1`
   and commits — nothing else can have written the row meanwhile.
invalid_grant marks the connection `reauth` with a readable reason; any other
failure releases the claim and is that person's error on the run.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from server.db.base import utcnow
from server.db.models import IntegrationConnection
from server.integrations.credentials import sealed_values, unseal
from server.integrations.http import ProviderError
from server.observability.logging import log
from server.security.secretbox import Keyring

ATLASSIAN_TOKEN_URL = "https://auth.atlassian.com/oauth/token"  # noqa: S105 (a URL)
ATLASSIAN_API_URL = "https://api.atlassian.com"
# Refresh this long before the access token expires (clock skew, a slow run).
EARLY = timedelta(seconds=90)
LEASE = timedelta(seconds=60)
CALL_TIMEOUT = 20.0  # below LEASE: a claim never lapses while its call is out
WAIT_FOR_OTHER = 45.0


class NeedsReauthorization(ProviderError):
    """The connection cannot be used until its person connects again."""


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int


Refresher = Callable[[str], Awaitable[TokenPair]]


async def atlassian_refresh(
    token_url: str,
    client_id: str,
    client_secret: str,
    refresh_token: str,
    transport: httpx.AsyncBaseTransport | None = None,
) -> TokenPair:
    """One call to the token endpoint; NeedsReauthorization on invalid_grant."""
    body = {
        "grant_type": "refresh_token",
        "client_id": client_id,
        "client_secret": client_secret,
        "refresh_token": refresh_token,
    }
    try:
        async with httpx.AsyncClient(timeout=CALL_TIMEOUT, transport=transport) as http:
            response = await http.post(token_url, json=body)
    except httpx.HTTPError as exc:
        reason = f"the token endpoint could not be reached ({type(exc).__name__})"
        raise ProviderError(reason) from None
    try:
        data: Any = response.json()
    except ValueError:
        data = None
    data = data if isinstance(data, dict) else {}
    if response.status_code >= 400:
        error = str(data.get("error") or response.status_code)
        words = str(data.get("error_description") or response.reason_phrase)[:200]
        if error == "invalid_grant":
            raise NeedsReauthorization(
                f"the refresh token was refused ({words}): connect your account again",
                status=response.status_code,
            )
        raise ProviderError(f"the token endpoint refused the refresh: {error} ({words})")
    try:
        return TokenPair(
            str(data["access_token"]), str(data["refresh_token"]), int(data["expires_in"])
        )
    except (KeyError, TypeError, ValueError):
        raise ProviderError("the token endpoint answered without a token pair") from None


def expiring(row: IntegrationConnection, now: datetime) -> bool:
    return row.kind == "oauth" and row.expires_at is not None and row.expires_at - EARLY <= now


async def _cas(session: AsyncSession, row_id: uuid.UUID, expected: int, **values: Any) -> bool:
    result: Any = await session.execute(
        update(IntegrationConnection)
        .where(IntegrationConnection.id == row_id, IntegrationConnection.version == expected)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    await session.commit()
    return bool(result.rowcount == 1)


async def flag_reauth(
    sessions: async_sessionmaker[AsyncSession], row_id: uuid.UUID, version: int, reason: str
) -> None:
    async with sessions() as session:
        await _cas(
            session,
            row_id,
            version,
            version=version + 1,
            status="reauth",
            status_reason=reason[:500],
            refresh_lease_until=None,
        )


async def fresh_credentials(
    sessions: async_sessionmaker[AsyncSession],
    keyring: Keyring,
    connection_id: uuid.UUID,
    refresher: Refresher,
    *,
    stale_version: int | None = None,
) -> tuple[dict[str, str], int]:
    """The connection's credentials and their version, refreshed first when the
    access token expires soon or was refused at `stale_version`."""
    deadline = time.monotonic() + WAIT_FOR_OTHER
    while True:
        now = utcnow()
        async with sessions() as session:
            row = await session.get(IntegrationConnection, connection_id)
            if row is None:
                raise NeedsReauthorization("the connection was removed")
            if row.status != "active":
                raise NeedsReauthorization(
                    row.status_reason or "the connection needs connecting again"
                )
            credentials = unseal(row, keyring)
            due = expiring(row, now) or (row.kind == "oauth" and row.version == stale_version)
            if not due:
                return credentials, row.version
            leased = row.refresh_lease_until is not None and row.refresh_lease_until > now
            claimed = row.version + 1
            won = not leased and await _cas(
                session,
                row.id,
                row.version,
                version=claimed,
                refresh_lease_until=now + LEASE,
            )
        if not won:  # another process refreshes: its pair is read on the next turn
            if time.monotonic() > deadline:
                raise ProviderError("another refresh of this connection did not finish")
            await asyncio.sleep(0.1)
            continue
        return await _refresh(sessions, keyring, connection_id, claimed, credentials, refresher)


async def _refresh(
    sessions: async_sessionmaker[AsyncSession],
    keyring: Keyring,
    row_id: uuid.UUID,
    claimed: int,
    credentials: dict[str, str],
    refresher: Refresher,
) -> tuple[dict[str, str], int]:
    try:
        pair = await refresher(credentials.get("refreshToken", ""))
    except NeedsReauthorization as exc:
        await flag_reauth(sessions, row_id, claimed, exc.reason)
        log.warning("integration connection needs re-authorisation", connection_id=str(row_id))
        raise
    except ProviderError:
        async with sessions() as session:  # released: the next use tries again
            await _cas(session, row_id, claimed, refresh_lease_until=None)
        raise
    fresh = {**credentials, "accessToken": pair.access_token, "refreshToken": pair.refresh_token}
    now = utcnow()
    async with sessions() as session:
        written = await _cas(
            session,
            row_id,
            claimed,
            **sealed_values(row_id, fresh, keyring),
            version=claimed + 1,
            expires_at=now + timedelta(seconds=pair.expires_in),
            refresh_lease_until=None,
            refreshed_at=now,
            updated_at=now,
        )
    if not written:  # removed or replaced by its person meanwhile: theirs stands
        raise NeedsReauthorization("the connection changed while its token was refreshed")
    log.info("integration connection token refreshed", connection_id=str(row_id))
    return fresh, claimed + 1
