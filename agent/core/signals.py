"""A minute's input signals: the rhythm of input, never its content.

Computed from what `InputCounter` kept for the minute (the instant of every
event, the set of pointer positions the moves reached) and sent with the
activity minute, so that the server can tell a mouse jiggler (the pointer
moving by itself at a fixed or cheap random rhythm, back and forth or in a
small circle) from a person. The positions themselves never leave the
device: only how many distinct ones there were and the larger side of their
bounding box.
"""

from __future__ import annotations

import itertools
import statistics
from collections.abc import Collection, Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Signals:
    interval_cv: float | None  # stdev / mean of the gaps between events; None under 3 events
    distinct_positions: int | None  # None when the platform gave no positions
    pointer_span: int | None  # px
    keyboard_share: float | None  # key presses / all events; None without events
    pointer_moves: int  # pointer move events (no clicks, no scroll steps)


def minute_signals(
    times: Sequence[float],
    positions: Collection[tuple[int, int]],
    keys: int,
    mouse_events: int,
    pointer_moves: int,
) -> Signals:
    cv = None
    if len(times) >= 3:
        ordered = sorted(times)
        gaps = [b - a for a, b in itertools.pairwise(ordered)]
        mean = statistics.fmean(gaps)
        if mean > 0:
            cv = round(min(statistics.pstdev(gaps) / mean, 1000.0), 4)
    distinct = span = None
    if positions:
        xs = [p[0] for p in positions]
        ys = [p[1] for p in positions]
        distinct = len(positions)
        span = max(max(xs) - min(xs), max(ys) - min(ys))
    elif pointer_moves == 0:
        distinct, span = 0, 0
    total = keys + mouse_events
    share = round(keys / total, 4) if total else None
    return Signals(cv, distinct, span, share, pointer_moves)
