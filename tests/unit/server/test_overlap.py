"""The pure overlap timeline, checked against a brute-force oracle."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta

from server.sync.overlap import Interval, Timeline

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def _overlaps(a: Interval, b: Interval) -> bool:
    return a.start < b.stop and b.start < a.stop and a.stop > a.start and b.stop > b.start


def test_touching_intervals_do_not_overlap():
    t = Timeline([Interval(uuid.uuid4(), at(0), at(60))])
    assert t.clash(Interval(uuid.uuid4(), at(60), at(90))) is None
    assert t.clash(Interval(uuid.uuid4(), at(-30), at(0))) is None
    assert t.clash(Interval(uuid.uuid4(), at(59), at(61))) is not None


def test_open_interval_blocks_everything_after_its_start():
    open_key = uuid.uuid4()
    t = Timeline([Interval(open_key, at(0), None)])
    assert t.clash(Interval(uuid.uuid4(), at(600), at(601))).key == open_key
    assert t.clash(Interval(uuid.uuid4(), at(-10), at(0))) is None


def test_an_entry_never_clashes_with_its_own_old_version():
    key = uuid.uuid4()
    t = Timeline([Interval(key, at(0), at(30)), Interval(uuid.uuid4(), at(40), at(50))])
    assert t.clash(Interval(key, at(0), at(35))) is None
    assert t.clash(Interval(key, at(0), at(45))) is not None


def test_random_against_brute_force():
    rng = random.Random(7)
    for _ in range(300):
        accepted: list[Interval] = []
        t = Timeline([])
        for _ in range(25):
            s = rng.randint(0, 500)
            cand = Interval(uuid.uuid4(), at(s), at(s + rng.randint(0, 60)))
            expected = any(_overlaps(cand, a) for a in accepted)
            got = t.clash(cand)
            assert (got is not None) == expected
            if got is None:
                t.accept(cand)
                accepted.append(cand)
