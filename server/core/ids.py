"""Parsing ids from paths, queries and bodies into UUIDs with readable errors.

An id is written in the canonical form (8-4-4-4-12 hex digits) and only in
it: the OpenAPI document says so (UUID_PATTERN), and `uuid.UUID` would also
take braces, a `urn:uuid:` prefix or 32 bare digits.
"""

from __future__ import annotations

import re
import uuid
from typing import Annotated, Any

import msgspec

from server.core.errors import BadRequest, NotFound

UUID_PATTERN = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
UUID_OR_EMPTY = f"^$|{UUID_PATTERN}"
_UUID = re.compile(UUID_PATTERN)

# A body field holding an id (checked by `parse_uuid`, stated in the document).
WireId = Annotated[
    str, msgspec.Meta(extra_json_schema={"extra": {"format": "uuid", "pattern": UUID_PATTERN}})
]
# The same, where an empty string means "none".
WireIdOrEmpty = Annotated[
    str, msgspec.Meta(extra_json_schema={"extra": {"pattern": UUID_OR_EMPTY}})
]


def parse_uuid(value: Any, field: str) -> uuid.UUID:
    text = str(value)
    if _UUID.fullmatch(text) is None:
        raise BadRequest(f"{field} must be a UUID")
    return uuid.UUID(text)


def path_uuid(value: str, what: str) -> uuid.UUID:
    """A malformed id in a path names nothing: 404, like an id of another org."""
    try:
        return uuid.UUID(value)
    except ValueError:
        raise NotFound(what) from None
