"""Checks for the plain values people type: names, money, currencies, colours,
tags. Each returns the clean value or raises a 400 that says what is wrong."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

import msgspec

from server.core.errors import BadRequest
from shared import wire_formats

MAX_RATE = Decimal("1000000")
MAX_SECONDS = 100_000 * 3600  # 100,000 hours: beyond any budget or estimate
MAX_TAGS = 20
MAX_TAG_LENGTH = 40
_COLOR = re.compile(r"#[0-9a-fA-F]{6}")

# ISO 4217 codes in circulation (2025), so a typo is caught at once.
CURRENCIES = frozenset(
    [
        "AED",
        "AFN",
        "ALL",
        "AMD",
        "ANG",
        "AOA",
        "ARS",
        "AUD",
        "AWG",
        "AZN",
        "BAM",
        "BBD",
        "BDT",
        "BGN",
        "BHD",
        "BIF",
        "BMD",
        "BND",
        "BOB",
        "BRL",
        "BSD",
        "BTN",
        "BWP",
        "BYN",
        "BZD",
        "CAD",
        "CDF",
        "CHF",
        "CLP",
        "CNY",
        "COP",
        "CRC",
        "CUP",
        "CVE",
        "CZK",
        "DJF",
        "DKK",
        "DOP",
        "DZD",
        "EGP",
        "ERN",
        "ETB",
        "EUR",
        "FJD",
        "FKP",
        "GBP",
        "GEL",
        "GHS",
        "GIP",
        "GMD",
        "GNF",
        "GTQ",
        "GYD",
        "HKD",
        "HNL",
        "HTG",
        "HUF",
        "IDR",
        "ILS",
        "INR",
        "IQD",
        "IRR",
        "ISK",
        "JMD",
        "JOD",
        "JPY",
        "KES",
        "KGS",
        "KHR",
        "KMF",
        "KPW",
        "KRW",
        "KWD",
        "KYD",
        "KZT",
        "LAK",
        "LBP",
        "LKR",
        "LRD",
        "LSL",
        "LYD",
        "MAD",
        "MDL",
        "MGA",
        "MKD",
        "MMK",
        "MNT",
        "MOP",
        "MRU",
        "MUR",
        "MVR",
        "MWK",
        "MXN",
        "MYR",
        "MZN",
        "NAD",
        "NGN",
        "NIO",
        "NOK",
        "NPR",
        "NZD",
        "OMR",
        "PAB",
        "PEN",
        "PGK",
        "PHP",
        "PKR",
        "PLN",
        "PYG",
        "QAR",
        "RON",
        "RSD",
        "RUB",
        "RWF",
        "SAR",
        "SBD",
        "SCR",
        "SDG",
        "SEK",
        "SGD",
        "SHP",
        "SLE",
        "SOS",
        "SRD",
        "SSP",
        "STN",
        "SVC",
        "SYP",
        "SZL",
        "THB",
        "TJS",
        "TMT",
        "TND",
        "TOP",
        "TRY",
        "TTD",
        "TWD",
        "TZS",
        "UAH",
        "UGX",
        "USD",
        "UYU",
        "UZS",
        "VES",
        "VND",
        "VUV",
        "WST",
        "XAF",
        "XCD",
        "XCG",
        "XOF",
        "XPF",
        "YER",
        "ZAR",
        "ZMW",
        "ZWG",
    ]
)


# What `require_name` accepts, checked on decode and stated in the document.
Name = wire_formats.Name
# A character `str.strip()` keeps (a search, not anchored): text that is not blank.
NOT_BLANK = f"[^{wire_formats.SPACE}]"
Seconds = Annotated[int, wire_formats.int_range(0, MAX_SECONDS)]
_TAG = wire_formats.noted(
    wire_formats.stripped(1, MAX_TAG_LENGTH), "a tag of 1 to 40 characters once trimmed"
)
Tags = Annotated[
    list[Annotated[str, msgspec.Meta(pattern=_TAG)]], wire_formats.text_items(_TAG, MAX_TAGS)
]


def require_name(value: str, field: str = "name") -> str:
    value = value.strip()
    if not value or len(value) > 200:
        raise BadRequest(f"{field} must be 1 to 200 characters")
    return value


def parse_rate(value: str | None, field: str = "hourlyRate") -> Decimal | None:
    """A money amount per hour as a decimal string ("85", "85.50"): at most two
    decimals, not negative, below a million."""
    if value is None:
        return None
    try:
        rate = Decimal(str(value).strip())
    except InvalidOperation:
        raise BadRequest(f"{field} must be a decimal number like 85.50") from None
    if not rate.is_finite() or rate < 0 or rate >= MAX_RATE:
        raise BadRequest(f"{field} must be between 0 and {MAX_RATE - Decimal('0.01')}")
    exponent = rate.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2:
        raise BadRequest(f"{field} has more than 2 decimals")
    return rate.quantize(Decimal("0.01"))


def rate_text(rate: Decimal | None) -> str | None:
    return None if rate is None else f"{rate:.2f}"


def parse_currency(value: str) -> str:
    code = value.strip().upper()
    if code not in CURRENCIES:
        raise BadRequest(f"currency must be an ISO 4217 code such as EUR or USD, not {value!r}")
    return code


def parse_color(value: str | None) -> str | None:
    if value is None:
        return None
    if not _COLOR.fullmatch(value.strip()):
        raise BadRequest("color must look like #1f77b4")
    return value.strip().lower()


def parse_seconds(value: int | None, field: str) -> int | None:
    if value is None:
        return None
    if value < 0 or value > MAX_SECONDS:
        raise BadRequest(f"{field} must be between 0 and {MAX_SECONDS} seconds")
    return value


def parse_tags(values: list[str]) -> list[str]:
    """Trimmed, without duplicates (case-insensitive), order kept. At most
    MAX_TAGS as sent, duplicates included: what the document states (maxItems)."""
    if len(values) > MAX_TAGS:
        raise BadRequest(f"a task has at most {MAX_TAGS} tags")
    seen: set[str] = set()
    tags: list[str] = []
    for raw in values:
        tag = raw.strip()
        if not tag or len(tag) > MAX_TAG_LENGTH:
            raise BadRequest(f"each tag must be 1 to {MAX_TAG_LENGTH} characters")
        if tag.lower() not in seen:
            seen.add(tag.lower())
            tags.append(tag)
    if len(tags) > MAX_TAGS:
        raise BadRequest(f"a task has at most {MAX_TAGS} tags")
    return tags


def sent_fields(patch: Any) -> list[str]:
    """The fields a PATCH body carried (the rest are `msgspec.UNSET`), for audit."""
    return sorted(f for f in patch.__struct_fields__ if getattr(patch, f) is not msgspec.UNSET)
