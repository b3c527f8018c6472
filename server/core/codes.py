"""Codes a body field takes from a closed list, stated in the OpenAPI document
as that list: ISO 4217 currencies and IANA time zones (docs/api.md).

Time zones are the names `zoneinfo.available_timezones()` lists on this server
(its tz database): the document lists exactly the zones the server accepts,
and `validate_timezone` accepts exactly those. A pattern plus "must load" would
admit names that are no zone at all, so it could not be exact.
"""

from __future__ import annotations

from typing import Annotated
from zoneinfo import available_timezones

import msgspec

from server.core.values import CURRENCIES
from shared.wire_formats import noted

ZONES: tuple[str, ...] = tuple(sorted(available_timezones()))
_ZONE_SET = frozenset(ZONES)

_ZONE_NOTE = "an IANA time zone name this server knows, such as Europe/Berlin"
Timezone = Annotated[
    str, msgspec.Meta(extra_json_schema={"description": _ZONE_NOTE, "extra": {"enum": list(ZONES)}})
]
# For `TimezoneOrNull | None`: Litestar puts the enum beside the `oneOf`, so it lists null too.
TimezoneOrNull = Annotated[
    str,
    msgspec.Meta(extra_json_schema={"description": _ZONE_NOTE, "extra": {"enum": [*ZONES, None]}}),
]


def is_zone(name: str) -> bool:
    return name in _ZONE_SET


_CODES = sorted(CURRENCIES)
Currency = Annotated[
    str,
    msgspec.Meta(
        pattern=noted(
            f"^(?:{'|'.join(_CODES)})$", "an ISO 4217 code in upper case, such as EUR or USD"
        ),
        extra_json_schema={
            "description": "an ISO 4217 currency code in circulation, upper case",
            "extra": {"enum": _CODES},
        },
    ),
]
