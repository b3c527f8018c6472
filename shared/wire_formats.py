"""Constrained text on the wire, stated once: msgspec checks each constraint
when a body is decoded and the OpenAPI document states the same constraint
(Litestar renders the `Meta`), so the two cannot drift apart (docs/api.md,
"OpenAPI document").

Patterns are written for both Python `re` (which checks them) and ECMA 262
(what JSON Schema clients use): explicit ASCII classes instead of `\\d`/`\\s`,
and `\\uXXXX` escapes.
"""

from __future__ import annotations

from typing import Annotated

import msgspec

# Pattern → what it asks for in words, for the 400 that refuses a value
# (server/http/strict_body.py): a regex is no reason a person can read.
NOTES: dict[str, str] = {}


def noted(pattern: str, note: str) -> str:
    NOTES[pattern] = note
    return pattern


# What `str.strip()` removes (every character `str.isspace()` is true for).
SPACE = "\\t-\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000"


def stripped(low: int, high: int) -> str:
    """A pattern for text whose `str.strip()` is `low` (0 or 1) to `high` characters long."""
    inner = f"[^{SPACE}](?:[\\s\\S]{{0,{high - 2}}}[^{SPACE}])?"
    core = inner if low else f"(?:{inner})?"
    return f"^[{SPACE}]*{core}[{SPACE}]*$"


def int_range(low: int, high: int) -> msgspec.Meta:
    """`low` to `high` inclusive. The bounds are also written out as schema
    extras: Litestar's renderer drops a bound that is 0 (it tests truthiness)."""
    return msgspec.Meta(
        ge=low, le=high, extra_json_schema={"extra": {"minimum": low, "maximum": high}}
    )


def text_items(pattern: str, max_items: int, max_length: int | None = None) -> msgspec.Meta:
    """Meta of a list of strings: Litestar's renderer keeps the list's own
    bounds but drops its items' constraints, so they are written out here too."""
    items: dict[str, object] = {"type": "string", "pattern": pattern}
    if max_length is not None:
        items["maxLength"] = max_length
    return msgspec.Meta(max_length=max_items, extra_json_schema={"extra": {"items": items}})


# A name (`server.core.values.require_name`): 1 to 200 characters once trimmed.
NAME_MAX = 200
_NAME_NOTE = "1 to 200 characters once trimmed"
Name = Annotated[
    str,
    msgspec.Meta(pattern=noted(stripped(1, NAME_MAX), _NAME_NOTE), description=_NAME_NOTE),
]

HEX_COLOR = noted("^#[0-9a-fA-F]{6}$", "a colour like #1f77b4")
Color = Annotated[str, msgspec.Meta(pattern=HEX_COLOR, description="#rrggbb", examples=["#1f77b4"])]

# Money per hour as a decimal string: 0 up to 999999.99, at most 2 decimals.
RATE = noted(
    "^[0-9]{1,6}(?:[.][0-9]{1,2})?$",
    "a decimal amount between 0 and 999999.99 with at most 2 decimals, like 85.50",
)
Rate = Annotated[
    str,
    msgspec.Meta(
        pattern=RATE,
        description="a decimal amount per hour, 0 to 999999.99, at most 2 decimals",
        examples=["85.50"],
    ),
]

UUID_TEXT = noted(
    "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$", "a UUID"
)
UuidText = Annotated[str, msgspec.Meta(pattern=UUID_TEXT, description="a UUID")]

# Printable ASCII except the space and `@`, so lower-casing keeps the length.
_ADDRESS = "[!-?A-~]+"
EMAIL = noted(f"^{_ADDRESS}@{_ADDRESS}[.]{_ADDRESS}$", "an email address like ada@example.com")
EMAIL_MAX = 320
Email = Annotated[
    str,
    msgspec.Meta(
        pattern=EMAIL,
        max_length=EMAIL_MAX,
        description="an email address (ASCII, a dot in the domain); compared in lower case",
        examples=["ada@example.com"],
    ),
]

# A calendar date from 2000-01-01 to 2100-12-31 (2000 and every fourth year
# up to 2096 are leap years; 2100 is not).
_MONTH_DAY = (
    "(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])"
    "|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)|02-(?:0[1-9]|1[0-9]|2[0-8]))"
)
CENTURY_DATE = f"^(?:(?:20[0-9][0-9]|2100)-{_MONTH_DAY}|20(?:[02468][048]|[13579][26])-02-29)$"
