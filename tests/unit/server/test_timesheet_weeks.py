"""Week arithmetic of timesheets and the lock index, pure: time zones far east
and west, DST changes, and the instants at the edges."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest

from server.core.errors import BadRequest
from server.timesheets.locks import LockedWeek, LockIndex
from server.timesheets.weeks import parse_week_start, week_bounds, week_of


@pytest.mark.parametrize(
    ("tz", "starts", "ends"),
    [
        ("UTC", datetime(2026, 1, 12, tzinfo=UTC), datetime(2026, 1, 19, tzinfo=UTC)),
        (
            "Pacific/Tongatapu",
            datetime(2026, 1, 11, 11, tzinfo=UTC),
            datetime(2026, 1, 18, 11, tzinfo=UTC),
        ),
        (
            "Pacific/Honolulu",
            datetime(2026, 1, 12, 10, tzinfo=UTC),
            datetime(2026, 1, 19, 10, tzinfo=UTC),
        ),
    ],
)
def test_week_bounds_far_east_and_west(tz: str, starts: datetime, ends: datetime) -> None:
    assert week_bounds(date(2026, 1, 12), tz) == (starts, ends)
    assert week_of(starts, tz) == date(2026, 1, 12)
    assert week_of(starts - timedelta(seconds=1), tz) == date(2026, 1, 5)
    assert week_of(ends - timedelta(seconds=1), tz) == date(2026, 1, 12)
    assert week_of(ends, tz) == date(2026, 1, 19)


def test_a_week_across_a_dst_change_is_167_or_169_hours() -> None:
    spring = week_bounds(date(2026, 3, 23), "Europe/Berlin")  # clocks go forward on the 29th
    assert spring == (datetime(2026, 3, 22, 23, tzinfo=UTC), datetime(2026, 3, 29, 22, tzinfo=UTC))
    assert spring[1] - spring[0] == timedelta(hours=167)
    autumn = week_bounds(date(2026, 10, 19), "Europe/Berlin")  # back on the 25th
    assert autumn[1] - autumn[0] == timedelta(hours=169)


def test_week_start_must_be_a_monday() -> None:
    assert parse_week_start("2026-01-12") == date(2026, 1, 12)
    with pytest.raises(BadRequest, match=r"2026-01-18 is a Sunday \(its week starts 2026-01-12\)"):
        parse_week_start("2026-01-18")
    with pytest.raises(BadRequest, match="required"):
        parse_week_start(None)


def test_lock_index_edges_and_users() -> None:
    alice, bob = uuid.uuid4(), uuid.uuid4()
    index = LockIndex()
    for monday in (date(2026, 1, 19), date(2026, 1, 5)):  # out of order on purpose
        starts, ends = week_bounds(monday, "Pacific/Tongatapu")
        index.add(alice, LockedWeek(uuid.uuid4(), monday, starts, ends))
    start = datetime(2026, 1, 4, 11, tzinfo=UTC)  # Monday 5th, 00:00 in Tonga
    assert index.week_at(alice, start).week_start == date(2026, 1, 5)  # type: ignore[union-attr]
    assert not index.locked(alice, start - timedelta(microseconds=1))
    assert not index.locked(alice, datetime(2026, 1, 12, tzinfo=UTC))  # the week between
    assert index.locked(alice, datetime(2026, 1, 25, 10, 59, tzinfo=UTC))
    assert not index.locked(alice, datetime(2026, 1, 25, 11, tzinfo=UTC))
    assert not index.locked(bob, start)
