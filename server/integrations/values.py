"""Small parsers the connectors share: provider instants, ISO-8601 durations, refs."""

from __future__ import annotations

import re
from datetime import datetime, tzinfo

from server.core.times import to_utc
from server.integrations.base import ExternalRef

_ISO_DURATION = re.compile(
    r"^P(?:(?P<d>\d+(?:\.\d+)?)D)?"
    r"(?:T(?:(?P<h>\d+(?:\.\d+)?)H)?(?:(?P<m>\d+(?:\.\d+)?)M)?(?:(?P<s>\d+(?:\.\d+)?)S)?)?$"
)


def parse_instant(value: str, zone: tzinfo | None = None) -> datetime:
    """An ISO-8601 instant in UTC. A value without offset is read in `zone`
    (ValueError when there is none); outside 2000-2100 → ValueError."""
    parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        if zone is None:
            raise ValueError(f"{value!r} has no UTC offset")
        parsed = parsed.replace(tzinfo=zone)
    instant = to_utc(parsed)
    if instant is None:
        raise ValueError(f"{value!r} is outside 2000-2100")
    return instant


def iso_duration_seconds(value: str) -> int:
    """`PT1H30M` → 5400 (days count 24 h; no months or years in time entries)."""
    match = _ISO_DURATION.match(value.strip())
    if not match or value.strip() in ("P", "PT"):
        raise ValueError(f"{value!r} is not an ISO-8601 duration like PT1H30M")
    parts = {k: float(v) for k, v in match.groupdict().items() if v}
    return round(
        parts.get("d", 0) * 86400
        + parts.get("h", 0) * 3600
        + parts.get("m", 0) * 60
        + parts.get("s", 0)
    )


def ref_or_none(ref_id: object, name: object = None) -> ExternalRef | None:
    if ref_id is None or ref_id == "":
        return None
    return ExternalRef(str(ref_id), str(name) if name else None)
