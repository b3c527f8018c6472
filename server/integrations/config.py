"""What an integration may be configured with: settings (by name and type),
credentials (the connector's fields), the base URL."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from server.core.errors import BadRequest
from server.integrations.providers import CONNECTORS

MAX_INTERVAL_MINUTES = 7 * 24 * 60
SCOPES = ("workspace", "me")  # a run a week at the least

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


def _json_types(key: str, types: tuple[type, ...], nullable: bool) -> dict[str, Any]:
    branches: list[dict[str, Any]] = []
    for kind in types:
        if kind is bool:
            branches.append({"type": "boolean"})
        elif kind is int:
            low = 5 if key == "intervalMinutes" else 1
            integer: dict[str, Any] = {"type": "integer", "minimum": low}
            if key == "intervalMinutes":
                integer["maximum"] = MAX_INTERVAL_MINUTES
            branches.append(integer)
        elif kind is str:
            branches.append(
                {"type": "string", "enum": list(SCOPES)} if key == "scope" else {"type": "string"}
            )
        else:
            branches.append({"type": "null"})
    if nullable and {"type": "null"} not in branches:
        branches.append({"type": "null"})
    return branches[0] if len(branches) == 1 else {"oneOf": branches}


def settings_schema(*, nullable: bool) -> dict[str, Any]:
    """What `clean_settings` accepts as a JSON Schema (the OpenAPI document's
    `settings`); `nullable`: a PATCH, where null removes a setting."""
    return {
        "properties": {k: _json_types(k, t, nullable) for k, t in SETTINGS.items()},
        "additional_properties": False,
        "description": "ticketPattern is a Python regular expression; toggl and clockify "
        "need workspaceId",
    }


def clean_settings(provider: str, settings: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in settings.items():
        types = SETTINGS.get(key)
        if types is None:
            raise BadRequest(f"unknown setting {key!r} (known: {', '.join(sorted(SETTINGS))})")
        if isinstance(value, float) and value.is_integer():
            value = int(value)  # JSON counts 5.0 as the integer 5
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
    if out.get("scope", "workspace") not in SCOPES:
        raise BadRequest('scope must be "workspace" or "me"')
    interval = out.get("intervalMinutes")
    if interval is not None and not 5 <= interval <= MAX_INTERVAL_MINUTES:
        raise BadRequest(
            f"intervalMinutes must be 5 to {MAX_INTERVAL_MINUTES} (or null for manual runs only)"
        )
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


# What the API takes (checked on decode; the document states it): empty (no
# base URL), or an http(s) URL whose host is letters, digits, dots and dashes.
BASE_URL = "^$|^https?://[A-Za-z0-9.-]+(?::[0-9]{1,5})?(?:/[!-~]*)?$"
MAX_BASE_URL = 500
_BAD_URL = "baseUrl must be an http(s) URL like https://api.eu.tempo.io"


def clean_base_url(value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    try:
        parts = urlsplit(value.strip())
    except ValueError:  # "http://[": an unclosed IPv6 host
        raise BadRequest(_BAD_URL) from None
    if parts.scheme not in ("http", "https") or not parts.netloc or len(value) > MAX_BASE_URL:
        raise BadRequest(_BAD_URL)
    return value.strip().rstrip("/")
