"""Bodies of a person's own connection to a two-way integration
(/api/v1/integrations/{id}/connection, …/connections, /api/v1/integration-connections)."""

from __future__ import annotations

from typing import Literal

from shared.schemas import Wire


class OAuthTokensIn(Wire):
    """Jira Cloud OAuth 2.0 (3LO): the pair the authorization-code exchange gave."""

    access_token: str
    refresh_token: str
    expires_in: int
    cloud_id: str


class ConnectionIn(Wire):
    # Either the provider's personal token fields (jira {email, apiToken},
    # zammad {apiToken}, kimai {apiToken}) or an OAuth pair (Jira only).
    credentials: dict[str, str] = {}
    oauth: OAuthTokensIn | None = None


class ConnectionOut(Wire):
    integration_id: str
    user_id: str
    kind: Literal["token", "oauth"] | str
    credentials: dict[str, str]  # masked: "••••abcd"
    account: str | None
    status: str  # active | reauth
    status_reason: str | None
    expires_at: str | None
    refreshed_at: str | None
    connected_at: str
    updated_at: str


class ConnectedUserOut(Wire):
    """What an administrator sees of a person's connection: never a token."""

    user_id: str
    name: str
    email: str
    kind: str
    status: str
    status_reason: str | None
    account: str | None
    connected_at: str
    refreshed_at: str | None


class ConnectedUserList(Wire):
    items: list[ConnectedUserOut]


class MyConnectionOut(Wire):
    integration_id: str
    integration_name: str
    provider: str
    credential_fields: list[str]
    oauth_available: bool
    connection: ConnectionOut | None


class MyConnectionList(Wire):
    items: list[MyConnectionOut]
