"""Unusual-activity flags: pure functions over one person's minutes.

Three kinds, each with a score (0.5 = just over the line, 1 = unmistakable)
and an explanation in plain words:

- `jiggler`: for at least 20 minutes, the only input was the pointer moving
  by itself (no key press, click or scroll at all), either at near-fixed
  intervals or back and forth between the same few spots (a small circle, a
  one-pixel nudge) — what mouse-jiggler devices and programs do. Any minute
  with human-looking input ends the stretch.
- `no_app_change`: input kept coming for at least 3 hours while the same
  application stayed in front without a single switch.
- `constant_activity`: for at least an hour, every minute had input in at
  least 57 of its 60 seconds; people pause to read, think and talk.

A minute is "jiggler-like" from its input signals (sent by agents 0.3+;
minutes without signals are never jiggler-like): only pointer moves, and
either the gaps between events vary by less than 20% of their mean, or the
moves kept to a box of 40 px (both with events in at least 3 different
seconds: not one flick of the hand), or the moves reached at most
max(2, 60% of the moves) distinct positions (back and forth, round and
round). A minute with keys, clicks, wheel steps or the pointer travelling
further ends a stretch. The thresholds and what they catch are measured by
bench/jiggler_flags.py (docs/benchmarks.md).
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

JIGGLER = "jiggler"
NO_APP_CHANGE = "no_app_change"
CONSTANT = "constant_activity"

REGULAR_CV = 0.2
REVISIT_SHARE = 0.6
CONFINED_PX = 40
JIGGLE_MIN_SPAN = 20  # minutes from the first to the end of the last jiggler-like minute
JIGGLE_MIN_MINUTES = 10
JIGGLE_MAX_GAP = 5  # minutes without input inside one stretch
SAME_APP_MIN = 180
CONSTANT_SECONDS = 57
CONSTANT_MIN = 60


@dataclass(frozen=True, slots=True)
class Minute:
    minute: datetime
    active_seconds: int
    keyboard: int
    mouse: int  # pointer moves, clicks and wheel steps (the wire's mouseMovements)
    interval_cv: float | None = None
    distinct_positions: int | None = None
    pointer_span: int | None = None
    pointer_moves: int | None = None


@dataclass(frozen=True, slots=True)
class Flag:
    kind: str
    start: datetime
    end: datetime
    score: float
    explanation: str


def jiggler_like(m: Minute) -> bool:
    if m.pointer_moves is None or m.pointer_moves <= 0:
        return False
    if m.keyboard or m.mouse != m.pointer_moves:  # a key, click or scroll: a person
        return False
    spread = m.active_seconds >= 3  # moves in several seconds, not one flick of the hand
    regular = m.interval_cv is not None and m.interval_cv < REGULAR_CV and spread
    revisiting = m.distinct_positions is not None and m.distinct_positions <= max(
        2, REVISIT_SHARE * m.pointer_moves
    )
    confined = m.pointer_span is not None and m.pointer_span <= CONFINED_PX and spread
    return regular or revisiting or confined


def human_like(m: Minute) -> bool:
    """Input a jiggler does not make: keys, clicks, wheel steps, or the pointer
    travelling somewhere. Minutes without signals (older agents) count on keys only."""
    if m.keyboard:
        return True
    if m.pointer_moves is None:
        return False
    if m.mouse != m.pointer_moves:
        return True
    return m.pointer_span is not None and m.pointer_span > CONFINED_PX and not jiggler_like(m)


def _had_input(m: Minute) -> bool:
    return m.active_seconds > 0 or m.keyboard > 0 or m.mouse > 0


def _span_text(start: datetime, end: datetime, tz: ZoneInfo) -> str:
    minutes = round((end - start).total_seconds() / 60)
    length = f"{minutes // 60} h {minutes % 60} min" if minutes >= 60 else f"{minutes} min"
    return f"{length} ({start.astimezone(tz):%H:%M} to {end.astimezone(tz):%H:%M})"


def _score(excess: float, scale: float) -> float:
    return round(min(1.0, 0.5 + excess / scale), 2)


def _jiggler_flag(run: list[Minute], tz: ZoneInfo) -> Flag | None:
    jiggly = [m for m in run if jiggler_like(m)]
    if not jiggly:
        return None
    start, end = jiggly[0].minute, jiggly[-1].minute + timedelta(minutes=1)
    if (
        len(jiggly) < JIGGLE_MIN_MINUTES
        or end - start < timedelta(minutes=JIGGLE_MIN_SPAN)
        or len(jiggly) * 2 < len(run)
    ):
        return None
    regular = [m for m in jiggly if m.interval_cv is not None and m.interval_cv < REGULAR_CV]
    positions = [m.distinct_positions for m in jiggly if m.distinct_positions is not None]
    spans = [m.pointer_span for m in jiggly if m.pointer_span is not None]
    how = []
    if len(regular) * 2 >= len(jiggly):
        cv = statistics.median(m.interval_cv or 0.0 for m in regular)
        varied = "less than 1%" if cv < 0.005 else f"{cv:.0%}"
        how.append(f"at near-fixed intervals (the gaps varied by {varied})")
    if positions and statistics.median(positions) <= 40:
        how.append(f"among the same few spots (a median of {round(statistics.median(positions))})")
    if spans and max(spans) <= CONFINED_PX:
        how.append(f"never leaving a {max(spans)} px box")
    detail = ", ".join(how) or "in a repetitive pattern"
    return Flag(
        JIGGLER,
        start,
        end,
        _score(len(jiggly) - JIGGLE_MIN_MINUTES, 100),
        f"For {_span_text(start, end, tz)} the only input was the pointer moving {detail}: "
        f"{len(jiggly)} such minutes without a single key press, click or scroll. This is "
        "how mouse jigglers keep a computer looking busy.",
    )


def jiggler_flags(minutes: list[Minute], tz: ZoneInfo) -> list[Flag]:
    """Stretches of jiggler-like minutes that no human-looking minute interrupts
    (minutes in between that are neither count against the share)."""
    flags: list[Flag] = []
    run: list[Minute] = []

    def close() -> None:
        flag = _jiggler_flag(run, tz) if run else None
        if flag:
            flags.append(flag)
        run.clear()

    for m in minutes:
        if not _had_input(m):
            continue
        if run and m.minute - run[-1].minute > timedelta(minutes=JIGGLE_MAX_GAP + 1):
            close()
        if human_like(m):
            close()
            continue
        run.append(m)
    close()
    return flags


def constant_flags(minutes: list[Minute], tz: ZoneInfo) -> list[Flag]:
    flags: list[Flag] = []
    run: list[Minute] = []

    def close() -> None:
        if len(run) >= CONSTANT_MIN:
            start, end = run[0].minute, run[-1].minute + timedelta(minutes=1)
            mean = statistics.fmean(m.active_seconds for m in run)
            flags.append(
                Flag(
                    CONSTANT,
                    start,
                    end,
                    _score(len(run) - CONSTANT_MIN, 240),
                    f"Every minute of {_span_text(start, end, tz)} had input in at least "
                    f"{CONSTANT_SECONDS} of its 60 seconds (on average {mean:.1f}). People "
                    "pause to read, think and talk; input that never pauses usually comes "
                    "from a device or a script.",
                )
            )

    for m in minutes:
        follows = run and m.minute - run[-1].minute == timedelta(minutes=1)
        if m.active_seconds >= CONSTANT_SECONDS and (follows or not run):
            run.append(m)
            continue
        close()
        run = [m] if m.active_seconds >= CONSTANT_SECONDS else []
    close()
    return flags


def same_app_flags(
    apps: list[tuple[datetime, str]], input_minutes: set[datetime], tz: ZoneInfo
) -> list[Flag]:
    """`apps`: (minute, application in front the longest in that minute), in time order."""
    flags: list[Flag] = []
    run: list[tuple[datetime, str]] = []

    def close() -> None:
        if not run:
            return
        start, end = run[0][0], run[-1][0] + timedelta(minutes=1)
        with_input = sum(1 for minute, _ in run if minute in input_minutes)
        if (end - start).total_seconds() / 60 >= SAME_APP_MIN and with_input * 2 >= len(run):
            hours = (end - start).total_seconds() / 3600
            flags.append(
                Flag(
                    NO_APP_CHANGE,
                    start,
                    end,
                    _score(hours - SAME_APP_MIN / 60, 6),
                    f"Input kept coming for {_span_text(start, end, tz)} while {run[0][1]!r} "
                    "stayed in front the whole time, without one switch to another "
                    "application. Long focused work can look like this too; it matters "
                    "most together with other signs.",
                )
            )

    for minute, app in apps:
        if run and (app != run[-1][1] or minute - run[-1][0] > timedelta(minutes=JIGGLE_MAX_GAP)):
            close()
            run = []
        run.append((minute, app))
    close()
    return flags


def detect(minutes: list[Minute], apps: list[tuple[datetime, str]], tz: ZoneInfo) -> list[Flag]:
    """Every flag of one person's minutes (sorted by time), in time order."""
    minutes = sorted(minutes, key=lambda m: m.minute)
    flags = jiggler_flags(minutes, tz) + constant_flags(minutes, tz)
    if apps:
        with_input = {m.minute for m in minutes if m.active_seconds > 0}
        flags += same_app_flags(apps, with_input, tz)
    return sorted(flags, key=lambda f: (f.start, f.kind))
