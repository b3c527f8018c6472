"""Wall-clock arithmetic behind the analytics: offset periods and the hour
histogram's closed form, against brute force."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from server.analytics.wall import DAY, HOUR, epoch, hour_histogram, offset_periods


def test_offset_periods_cut_at_each_dst_change() -> None:
    lo, hi = epoch(datetime(2026, 3, 1, tzinfo=UTC)), epoch(datetime(2026, 11, 1, tzinfo=UTC))
    berlin = offset_periods(ZoneInfo("Europe/Berlin"), lo, hi)
    assert berlin == [
        (lo, epoch(datetime(2026, 3, 29, 1, tzinfo=UTC)), 3600),
        (epoch(datetime(2026, 3, 29, 1, tzinfo=UTC)), epoch(datetime(2026, 10, 25, 1, tzinfo=UTC)), 7200),
        (epoch(datetime(2026, 10, 25, 1, tzinfo=UTC)), hi, 3600),
    ]  # fmt: skip
    auckland = offset_periods(ZoneInfo("Pacific/Auckland"), lo, hi)
    assert [off for _, _, off in auckland] == [13 * 3600, 12 * 3600, 13 * 3600]
    assert offset_periods(ZoneInfo("Asia/Kathmandu"), lo, hi) == [(lo, hi, 5 * 3600 + 45 * 60)]


def test_hour_histogram_matches_brute_force() -> None:
    rng = random.Random(7)
    pieces = []
    for _ in range(300):
        x = rng.randrange(0, 5 * DAY)
        pieces.append((x, x + rng.randrange(1, 2 * DAY)))
    brute = [0] * 24
    for x, y in pieces:
        t = x
        while t < y:
            nxt = min(y, (t // HOUR + 1) * HOUR)
            brute[t % DAY // HOUR] += nxt - t
            t = nxt
    ends: dict[int, tuple[int, int]] = {}
    starts: dict[int, tuple[int, int]] = {}
    for x, y in pieces:
        for t, into in ((y, ends), (x, starts)):
            n, rest = into.get(t % DAY // HOUR, (0, 0))
            into[t % DAY // HOUR] = (n + 1, rest + t % HOUR)
    whole_days = sum(y // DAY - x // DAY for x, y in pieces)
    assert hour_histogram(whole_days, ends, starts) == brute
