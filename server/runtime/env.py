"""Reading environment variables: typed, with one-line errors (ConfigError).

Shared by the settings modules of server/runtime; the CLI prints a
ConfigError's message without a traceback.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass


class ConfigError(ValueError):
    """A configuration value is missing or malformed."""


_SIZE = re.compile(r"^\s*(\d+)\s*(b|kb|k|mb|m|gb|g)?\s*$", re.IGNORECASE)
_UNITS = {"b": 1, "k": 1024, "kb": 1024, "m": 1024**2, "mb": 1024**2, "g": 1024**3, "gb": 1024**3}
_RATE = re.compile(r"^\s*(\d+)\s*(?:/\s*(s|sec|second|m|min|minute|h|hour))?\s*$", re.IGNORECASE)
_PERIODS = {
    "s": 1,
    "sec": 1,
    "second": 1,
    "m": 60,
    "min": 60,
    "minute": 60,
    "h": 3600,
    "hour": 3600,
}


def parse_size(name: str, value: str) -> int:
    m = _SIZE.match(value)
    if not m:
        raise ConfigError(f"{name}={value!r} is not a size (examples: 50mb, 512kb, 1048576)")
    return int(m.group(1)) * _UNITS[(m.group(2) or "b").lower()]


@dataclass(frozen=True)
class Rate:
    """`limit` requests per `period` seconds."""

    limit: int
    period: int

    @classmethod
    def parse(cls, name: str, value: str) -> Rate:
        m = _RATE.match(value)
        if not m or int(m.group(1)) <= 0:
            raise ConfigError(f"{name}={value!r} is not a rate (examples: 60/min, 5/minute, 100/s)")
        return cls(int(m.group(1)), _PERIODS[(m.group(2) or "min").lower()])


def env_str(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def env_bool(name: str, default: bool) -> bool:
    value = env_str(name)
    if value is None:
        return default
    if value.lower() in ("1", "true", "yes", "on"):
        return True
    if value.lower() in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name}={value!r} is not a boolean (use true or false)")


def env_int(name: str, default: int, minimum: int = 0) -> int:
    value = env_str(name)
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise ConfigError(f"{name}={value!r} is not a whole number") from None
    if number < minimum:
        raise ConfigError(f"{name}={value!r} must be at least {minimum}")
    return number
