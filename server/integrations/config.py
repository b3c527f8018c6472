"""What an integration may be configured with: settings (by name and type),
credentials (the connector's fields), the base URL."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from server.core.errors import BadRequest
from server.integrations.providers import CONNECTORS

# Setting name → accepted types (None allowed where it makes sense).
SETTINGS: dict[str, tuple[type, ...]] = {
    "workspaceId": (str, int),
    "createProjects": (bool,),
    "intervalMinutes": (int, type(None)),
    "pushApprovedOnly": (bool,),
    "timezone": (str,),
    "pageSize": (int,),
    "initialDays": (int,),
    "lookbackDays": (int,),
    "budgetSeconds": (int,),
    "dateFormat": (str,),
    "durationUnit": (str,),
    # Toggl: "workspace" (everyone's entries, the default) or "me" (the token owner's).
    "scope": (str,),
    # Two-way (Jira, Zammad, Kimai).
    "projectId": (str,),
    "timeUnitSeconds": (int,),
    "ticketPattern": (str,),
    "defaultActivity": (str, int),
    # People's own Jira OAuth 2.0 (3LO) connections: the token endpoint and
    # API gateway (Atlassian's by default; a stand-in in tests).
    "oauthTokenUrl": (str,),
    "oauthApiUrl": (str,),
}


def clean_settings(provider: str, settings: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in settings.items():
        types = SETTINGS.get(key)
        if types is None:
            raise BadRequest(f"unknown setting {key!r} (known: {', '.join(sorted(SETTINGS))})")
        if not isinstance(value, types) or (isinstance(value, bool) and bool not in types):
            raise BadRequest(f"setting {key} has the wrong type")
        if isinstance(value, int) and not isinstance(value, bool) and value < 1:
            raise BadRequest(f"setting {key} must be at least 1")
        out[key] = value
    if "ticketPattern" in out:
        try:
            re.compile(out["ticketPattern"])
        except re.error as exc:
            raise BadRequest(f"ticketPattern is not a regular expression: {exc}") from None
    if out.get("scope", "workspace") not in ("workspace", "me"):
        raise BadRequest('scope must be "workspace" or "me"')
    if out.get("intervalMinutes") is not None and out["intervalMinutes"] < 5:
        raise BadRequest("intervalMinutes must be at least 5 (or null for manual runs only)")
    cls = CONNECTORS.get(provider)
    for key in cls.required_settings if cls else ():
        if not out.get(key):
            raise BadRequest(f"{provider} needs the setting {key}")
    return out


def clean_credentials(provider: str, credentials: dict[str, str]) -> dict[str, str]:
    cls = CONNECTORS.get(provider)
    fields = cls.credential_fields if cls else ()
    optional = cls.optional_credentials if cls else ()
    missing = [f for f in fields if not str(credentials.get(f) or "").strip()]
    if missing:
        raise BadRequest(f"{provider} needs the credentials {', '.join(missing)}")
    extra = sorted(set(credentials) - set(fields) - set(optional))
    if extra:
        raise BadRequest(f"unknown credentials {', '.join(extra)} (expected {', '.join(fields)})")
    return {
        k: str(credentials[k]).strip()
        for k in (*fields, *optional)
        if str(credentials.get(k) or "").strip()
    }


def clean_base_url(value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc or len(value) > 500:
        raise BadRequest("baseUrl must be an http(s) URL like https://api.eu.tempo.io")
    return value.strip().rstrip("/")
