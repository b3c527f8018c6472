"""Dates and instants on the wire, with the one accepted range, as patterns.

Anything a person or an agent records or asks about is written with a date
from FIRST_DAY to LAST_DAY (an instant in any UTC offset). The patterns below
state exactly that, calendar included (February 29 of leap years only), so
the OpenAPI document and the server's check are the same rule: the server
refuses what does not match them before parsing (server/core/times.py), and
accepts what does. Digits are `[0-9]`: a Python `\\d` would match other
scripts' digits too.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

import msgspec

FIRST_DAY = date(2000, 1, 1)
LAST_DAY = date(2099, 12, 31)
RANGE = f"from {FIRST_DAY} to {LAST_DAY}"

_YEAR = "20[0-9]{2}"  # FIRST_DAY.year to LAST_DAY.year
_LEAP_YEAR = "20(?:[02468][048]|[13579][26])"  # 2000 is one (divisible by 400)
_MONTH_DAY = (
    "(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])"
    "|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)"
    "|02-(?:0[1-9]|1[0-9]|2[0-8]))"
)
_DATE = f"(?:{_YEAR}-{_MONTH_DAY}|{_LEAP_YEAR}-02-29)"
_CLOCK = "(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:[.][0-9]+)?"
_OFFSET = "(?:Z|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])"

# A calendar date like 2026-01-31.
DATE_PATTERN = f"^{_DATE}$"
# An RFC 3339 time with seconds and an offset, like 2026-01-31T09:00:00Z or
# 2026-01-31T10:00:00.25+01:00 (upper-case T and Z).
INSTANT_PATTERN = f"^{_DATE}T{_CLOCK}{_OFFSET}$"
# Query parameters: empty means "not given".
DATE_OR_EMPTY = f"^$|{DATE_PATTERN}"
INSTANT_OR_EMPTY = f"^$|{INSTANT_PATTERN}"

DATE_EXAMPLE = "2026-01-31"
INSTANT_EXAMPLE = "2026-01-31T09:00:00Z"

# Body fields, stated in the OpenAPI document only: the server checks the
# value itself (server/core/times.py) and says why it refuses one.
WireDate = Annotated[
    str,
    msgspec.Meta(
        extra_json_schema={
            "description": f"a date like {DATE_EXAMPLE}, {RANGE}",
            "extra": {"pattern": DATE_PATTERN, "format": "date"},
        }
    ),
]
WireInstant = Annotated[
    str,
    msgspec.Meta(
        extra_json_schema={
            "description": f"an RFC 3339 time with an offset like {INSTANT_EXAMPLE}, dated {RANGE}",
            "extra": {"pattern": INSTANT_PATTERN, "format": "date-time"},
        }
    ),
]
