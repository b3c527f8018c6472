"""The one rule on a closed time entry's span, whichever path writes it
(manual entries, the agent's sync, imports, two-way pulls).

An entry lasts at most MAX_ENTRY_DURATION: the overlap checks rely on it,
looking back only that far for an entry that might reach a new one
(server/time_entries/rules.py, server/sync/store.py), so an entry longer
than that would escape them. Its start and end lie in the accepted range of
instants (server/core/times.py), and it does not end before it starts.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from server.core.times import EARLIEST, LATEST
from shared.wire_dates import RANGE

MAX_ENTRY_DURATION = timedelta(days=31)
TOO_LONG = f"an entry lasts at most {MAX_ENTRY_DURATION.days} days"
OUT_OF_RANGE = f"an entry must be dated {RANGE}"
ENDS_BEFORE_START = "the entry ends before it starts"


def _length(seconds: int) -> str:
    days, hours = divmod(seconds // 3600, 24)
    return f"{days} days" + (f" {hours} h" if hours else "")


def span_refusal(start: datetime, end: datetime, seconds: int | None = None) -> str | None:
    """Why an entry from `start` to `end` (aware instants) lasting `seconds`
    (when stored apart from the span) cannot be stored; None when it can."""
    if not (EARLIEST <= start < LATEST and EARLIEST <= end < LATEST):
        return OUT_OF_RANGE
    if end < start or (seconds is not None and seconds < 0):
        return ENDS_BEFORE_START
    longest = max(int((end - start).total_seconds()), seconds or 0)
    if longest > MAX_ENTRY_DURATION.total_seconds():
        return f"{TOO_LONG} (this one lasts {_length(longest)})"
    return None
