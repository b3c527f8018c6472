"""The strict (fast) and lenient (per-item) validation paths give the same answers."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import msgspec
import pytest

from server.sync.schemas import RawBatch
from server.sync.validate import (
    check_strict_activity,
    check_strict_entry,
    decode_strict,
    validate_activity,
    validate_batch,
    validate_entry,
)
from shared.schemas import Conflict, SyncBatch

CALLER = uuid.uuid4()
NOW = datetime(2026, 2, 1, tzinfo=UTC)
K = str(uuid.uuid4())

ENTRIES = [
    {
        "idempotencyKey": K,
        "revision": 1,
        "startTime": "2026-01-15T09:00:00+03:00",
        "endTime": "2026-01-15T11:30:00+03:00",
        "status": "STOPPED",
        "timezone": "Europe/Moscow",
    },
    {"idempotencyKey": K, "revision": 2, "startTime": "2026-01-15T09:00:00Z", "status": "RUNNING"},
    {"idempotencyKey": K, "revision": 1, "startTime": "2026-01-15T09:00:00Z", "status": "STOPPED"},
    {
        "idempotencyKey": K,
        "revision": 1,
        "startTime": "2026-01-15T09:00:00Z",
        "endTime": "2026-01-15T08:00:00Z",
        "status": "STOPPED",
    },
    {"idempotencyKey": K, "revision": 1, "startTime": "2027-01-15T09:00:00Z", "status": "RUNNING"},
    {
        "idempotencyKey": K,
        "revision": 1,
        "startTime": "2026-01-15T09:00:00Z",
        "status": "RUNNING",
        "timezone": "Mars/Base",
    },
    {
        "idempotencyKey": K,
        "revision": 1,
        "startTime": "2026-01-15T09:00:00Z",
        "status": "RUNNING",
        "userId": str(uuid.uuid4()),
    },
    {
        "idempotencyKey": K,
        "revision": 1,
        "startTime": "2026-01-01T09:00:00Z",
        "endTime": "2026-02-01T09:00:01Z",
        "status": "STOPPED",
    },
    # Extreme times: a UTC shift overflows (year 1, year 9999) or lies outside
    # the accepted range; each is one invalid item, never a 500.
    {
        "idempotencyKey": K,
        "revision": 1,
        "startTime": "0001-01-01T00:00:00+01:00",
        "status": "RUNNING",
    },
    {
        "idempotencyKey": K,
        "revision": 1,
        "startTime": "2026-01-15T09:00:00Z",
        "endTime": "9999-12-31T23:59:59-01:00",
        "status": "STOPPED",
    },
    {"idempotencyKey": K, "revision": 1, "startTime": "1999-12-31T23:59:59Z", "status": "RUNNING"},
]
ACTIVITY = [
    {
        "timeEntryKey": K,
        "minute": "0001-01-01T00:00:00+01:00",
        "keyboardClicks": 1,
        "mouseMovements": 2,
        "activeSeconds": 5,
    },
    {
        "timeEntryKey": K,
        "minute": "2026-01-15T09:01:00Z",
        "keyboardClicks": 1,
        "mouseMovements": 2,
        "activeSeconds": 60,
    },
    {
        "timeEntryKey": K,
        "minute": "2026-01-15T12:01:00+03:00",
        "keyboardClicks": 0,
        "mouseMovements": 0,
        "activeSeconds": 0,
    },
    {
        "timeEntryKey": K,
        "minute": "2026-01-15T09:01:30Z",
        "keyboardClicks": 1,
        "mouseMovements": 2,
        "activeSeconds": 5,
    },
    {
        "timeEntryKey": K,
        "minute": "2026-01-15T09:02:00Z",
        "keyboardClicks": 1,
        "mouseMovements": 2,
        "activeSeconds": 5,
        "userId": str(uuid.uuid4()),
    },
]


def _agree(fast, slow):
    """Valid items are identical; a problem found on the fast path sends the batch
    to the lenient path (validate_batch), which must see the same problem."""
    if isinstance(fast, Conflict):
        assert isinstance(slow, Conflict)
        assert (fast.reason, fast.detail) == (slow.reason, slow.detail)
    else:
        assert fast == slow


def test_validate_batch_uses_the_lenient_path_when_anything_is_wrong():
    body = msgspec.json.encode({"deviceId": "d", "entries": [ENTRIES[0]], "activity": ACTIVITY})
    strict = decode_strict(body)
    lenient = msgspec.json.decode(body, type=RawBatch)
    entries, activity = validate_batch(lenient, strict, CALLER, NOW)
    conflicts = [a for a in activity if isinstance(a, Conflict)]
    # Keys and minutes are echoed exactly as sent.
    assert sorted(c.minute for c in conflicts) == [
        "0001-01-01T00:00:00+01:00",
        "2026-01-15T09:01:30Z",
        "2026-01-15T09:02:00Z",
    ]
    assert not isinstance(entries[0], Conflict)


def _both(entries, activity):
    body = msgspec.json.encode({"deviceId": "d", "entries": entries, "activity": activity})
    strict = decode_strict(body)
    lenient = msgspec.json.decode(body, type=RawBatch)
    return strict, lenient


@pytest.mark.parametrize("item", ENTRIES)
def test_entry_paths_agree(item):
    strict, lenient = _both([item], [])
    assert isinstance(strict, SyncBatch)
    _agree(
        check_strict_entry(strict.entries[0], CALLER, NOW),
        validate_entry(lenient.entries[0], CALLER, NOW),
    )


@pytest.mark.parametrize("item", ACTIVITY)
def test_activity_paths_agree(item):
    strict, lenient = _both([], [item])
    assert isinstance(strict, SyncBatch)
    _agree(
        check_strict_activity(strict.activity[0], CALLER),
        validate_activity(lenient.activity[0], CALLER),
    )


@pytest.mark.parametrize(
    "bad",
    [
        {"revision": "1"},
        {"revision": True},
        {"startTime": "2026-01-15T09:00:00"},
        {"idempotencyKey": "nope"},
        {"status": "DANCING"},
        {"description": "x" * 2001},
    ],
)
def test_any_malformed_item_sends_the_batch_to_the_lenient_path(bad):
    strict, _ = _both([{**ENTRIES[0], **bad}], [])
    assert strict is None


def test_naive_minute_falls_back():
    assert (
        decode_strict(
            b'{"deviceId":"d","activity":[{"timeEntryKey":"%s","minute":'
            b'"2026-01-15T09:00:00","keyboardClicks":1,"mouseMovements":1,'
            b'"activeSeconds":1}]}' % K.encode()
        )
        is None
    )
