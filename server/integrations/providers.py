"""The providers Hubnity knows: API connectors by name, and the CSV formats.

Adding a provider = one module with a `Connector` subclass, listed here.
"""

from __future__ import annotations

from typing import Any

import httpx

from server.integrations.base import Connector
from server.integrations.clockify import ClockifyConnector
from server.integrations.http import ProviderHttp
from server.integrations.jira import JiraConnector
from server.integrations.kimai import KimaiConnector
from server.integrations.tempo import TempoConnector
from server.integrations.toggl import TogglConnector
from server.integrations.zammad import ZammadConnector

CONNECTORS: dict[str, type[Connector]] = {
    c.provider: c
    for c in (
        TogglConnector,
        ClockifyConnector,
        TempoConnector,
        JiraConnector,
        ZammadConnector,
        KimaiConnector,
    )
}
CSV_FORMATS = ("csv_toggl", "csv_clockify", "csv_generic")
PROVIDERS = (*CONNECTORS, *CSV_FORMATS)


def is_file_format(provider: str) -> bool:
    return provider in CSV_FORMATS


def build_connector(
    provider: str,
    base_url: str | None,
    credentials: dict[str, str],
    settings: dict[str, Any],
    *,
    budget_seconds: float = 1800.0,
    max_retries: int = 5,
    transport: httpx.AsyncBaseTransport | None = None,
) -> Connector:
    """A connector with its own HTTP client (close it with `connector.http.aclose()`)."""
    cls = CONNECTORS[provider]
    http = ProviderHttp(
        base_url or cls.default_base_url,
        provider=provider,
        budget_seconds=budget_seconds,
        max_retries=max_retries,
        transport=transport,
        **cls.auth(credentials),
    )
    return cls(http, credentials, settings)
