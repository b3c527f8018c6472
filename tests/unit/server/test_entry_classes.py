"""Entry classes per user and local day: daybreak, pause, overlap, plain,
including the local midnight and daylight-saving edges."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from server.time_entries.classes import Span, classify
from shared.enums import EntryClass

D, P, OV, N = EntryClass.DAYBREAK, EntryClass.PAUSE, EntryClass.OVERLAP, EntryClass.PLAIN


def utc(y, mo, d, h, mi=0, s=0, us=0) -> datetime:
    return datetime(y, mo, d, h, mi, s, us, tzinfo=UTC)


def spans(*pairs) -> list[Span]:
    return [Span(i, a, b) for i, (a, b) in enumerate(pairs)]


def classes(items: list[Span], tz: str = "UTC") -> list[EntryClass]:
    got = classify(items, ZoneInfo(tz))
    return [got[s.key] for s in items]


def test_the_four_classes_in_one_day():
    items = spans(
        (utc(2026, 3, 10, 9), utc(2026, 3, 10, 10)),
        (utc(2026, 3, 10, 10), utc(2026, 3, 10, 11)),  # starts where 9-10 ended
        (utc(2026, 3, 10, 12), utc(2026, 3, 10, 13)),  # after a gap
        (utc(2026, 3, 10, 12, 30), utc(2026, 3, 10, 14)),  # inside the previous one
        (utc(2026, 3, 10, 13, 30), utc(2026, 3, 10, 13, 45)),  # inside 12:30-14:00
    )
    assert classes(items) == [D, N, P, OV, OV]


def test_order_is_by_start_not_input_order():
    items = spans(
        (utc(2026, 3, 10, 12), utc(2026, 3, 10, 13)),
        (utc(2026, 3, 10, 9), utc(2026, 3, 10, 10)),
    )
    assert classes(items) == [P, D]


def test_within_the_same_second_is_plain_and_an_open_entry_reaches_on():
    items = spans(
        (utc(2026, 3, 10, 9), utc(2026, 3, 10, 10, 0, 0, 400_000)),
        (utc(2026, 3, 10, 10, 0, 0, 900_000), None),  # open: a running timer
        (utc(2026, 3, 10, 15), utc(2026, 3, 10, 16)),  # imported over the open one
    )
    assert classes(items) == [D, N, OV]


def test_local_midnight_decides_the_day_not_utc():
    # Auckland is UTC+13 in March: 10:00Z is 23:00 local, 11:30Z is 00:30 next day.
    items = spans(
        (utc(2026, 3, 10, 9), utc(2026, 3, 10, 10)),
        (utc(2026, 3, 10, 10), utc(2026, 3, 10, 11, 30)),  # crosses local midnight
        (utc(2026, 3, 10, 11, 30), utc(2026, 3, 10, 12)),  # first of the next local day
    )
    assert classes(items, "Pacific/Auckland") == [D, N, D]
    # The same instants in UTC are one day.
    assert classes(items) == [D, N, N]
    # Honolulu (UTC-10): 09:00Z is 23:00 on the 9th, 10:00Z is 00:00 on the 10th.
    assert classes(items, "Pacific/Honolulu") == [D, D, N]


def test_daylight_saving_changes():
    berlin = "Europe/Berlin"
    # 2026-03-29: clocks go 02:00 -> 03:00 (UTC+1 -> UTC+2); local midnight is 23:00Z
    # on the 28th. An entry at 22:30Z on the 28th is 23:30 local on the 28th.
    spring = spans(
        (utc(2026, 3, 28, 22, 30), utc(2026, 3, 28, 23)),
        (utc(2026, 3, 28, 23), utc(2026, 3, 29, 0, 30)),  # 00:00 local on the 29th
        (utc(2026, 3, 29, 1, 30), utc(2026, 3, 29, 2)),  # 03:30 local, after a gap
    )
    assert classes(spring, berlin) == [D, D, P]
    # 2026-10-25: clocks go 03:00 -> 02:00; the 25th is 25 hours long, local
    # midnight of the 26th is 23:00Z on the 25th.
    autumn = spans(
        (utc(2026, 10, 24, 22), utc(2026, 10, 25, 0, 30)),  # 00:00 local on the 25th
        (utc(2026, 10, 25, 0, 30), utc(2026, 10, 25, 1, 30)),  # through the repeated hour
        (utc(2026, 10, 25, 22, 30), utc(2026, 10, 25, 23)),  # 23:30 local on the 25th
        (utc(2026, 10, 25, 23), utc(2026, 10, 26, 0)),  # 00:00 local on the 26th
    )
    assert classes(autumn, berlin) == [D, N, P, D]


def test_empty_and_single():
    assert classify([], ZoneInfo("UTC")) == {}
    one = spans((utc(2026, 1, 1, 0), utc(2026, 1, 1, 0) + timedelta(minutes=1)))
    assert classes(one) == [D]
