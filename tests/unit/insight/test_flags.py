"""The flag rules at their edges (server/insight/flags.py), without a database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from server.insight import flags as F

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
UTC_ZONE = ZoneInfo("UTC")


def at(i: int) -> datetime:
    return T0 + timedelta(minutes=i)


def jiggle(i: int) -> F.Minute:
    return F.Minute(at(i), 6, 0, 12, 0.01, 2, 1, 12)


def person(i: int) -> F.Minute:
    return F.Minute(at(i), 30, 40, 150, 2.1, 140, 600, 140)


def kinds(minutes: list[F.Minute], apps=None) -> list[tuple[str, datetime, datetime]]:  # type: ignore[no-untyped-def]
    return [(f.kind, f.start, f.end) for f in F.detect(minutes, apps or [], UTC_ZONE)]


def test_a_jiggler_minute_needs_only_pointer_moves_and_a_mechanical_pattern() -> None:
    assert F.jiggler_like(jiggle(0))
    assert not F.jiggler_like(F.Minute(at(0), 6, 1, 12, 0.01, 2, 1, 12))  # a key
    assert not F.jiggler_like(F.Minute(at(0), 6, 0, 13, 0.01, 2, 1, 12))  # a click or scroll
    assert not F.jiggler_like(F.Minute(at(0), 6, 0, 12))  # no signals: older agent
    # One flick of the hand in one second: regular gaps, small box, but not spread out.
    assert not F.jiggler_like(F.Minute(at(0), 1, 0, 9, 0.1, 9, 30, 9))
    assert F.jiggler_like(F.Minute(at(0), 4, 0, 9, 0.1, 9, 30, 9))  # the same, in 4 seconds
    assert F.jiggler_like(F.Minute(at(0), 60, 0, 600, 0.05, 24, 40, 600))  # a small circle


def test_twenty_minutes_of_jiggling_flag_and_a_person_in_between_splits() -> None:
    assert kinds([jiggle(i) for i in range(20)]) == [(F.JIGGLER, at(0), at(20))]
    assert kinds([jiggle(i) for i in range(19)]) == []  # 19 minutes: under the line
    broken = [jiggle(i) for i in range(12)] + [person(12)] + [jiggle(i) for i in range(13, 25)]
    assert kinds(broken) == []  # two stretches of 12: neither is long enough
    # Quiet minutes (no input) inside a stretch are fine; a gap over 5 minutes is not.
    sparse = [jiggle(i) for i in range(0, 40, 3)]
    assert kinds(sparse) == [(F.JIGGLER, at(0), at(40))]
    gapped = [jiggle(i) for i in range(0, 12)] + [jiggle(i) for i in range(19, 31)]
    assert kinds(gapped) == []


def test_constant_activity_needs_an_unbroken_hour() -> None:
    busy = [F.Minute(at(i), 58, 50, 100) for i in range(60)]
    assert kinds(busy) == [(F.CONSTANT, at(0), at(60))]
    dip = [*busy[:30], F.Minute(at(30), 50, 50, 100), *busy[31:]]
    assert kinds(dip) == []
    missing = busy[:30] + busy[31:]  # a minute not tracked at all breaks it too
    assert kinds(missing) == []


def test_same_app_for_hours_counts_only_with_input_and_any_switch_resets() -> None:
    minutes = [person(i) for i in range(0, 200, 2)]  # input every other minute
    apps = [(at(i), "code") for i in range(200)]
    assert kinds(minutes, apps) == [(F.NO_APP_CHANGE, at(0), at(200))]
    switched = [*apps[:100], (at(100), "slack"), *apps[101:]]
    assert kinds(minutes, switched) == []
    idle = [person(i) for i in range(0, 200, 5)]  # input in a fifth of the minutes
    assert kinds(idle, apps) == []
    flag = F.detect(minutes, apps, ZoneInfo("Asia/Tokyo"))[0]
    assert "(18:00 to 21:20)" in flag.explanation  # the person's own clock
    assert 0.5 <= flag.score <= 1
