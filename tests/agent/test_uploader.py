"""Uploader rules against a scripted server (httpx MockTransport).

The real server is exercised in tests/e2e/agent; here the server's answers
are scripted so that each failure mode (poison item, 429, 401, dead refresh
token, 5xx) is produced on demand."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from pathlib import Path

import httpx

from agent.core.api import ApiClient
from agent.core.clock import FakeClock
from agent.core.credentials import FileStore, Tokens
from agent.core.outbox import Outbox
from agent.core.tracker import Tracker
from agent.core.uploader import Uploader
from shared.schemas import TrackingPolicy

P1 = "11111111-1111-1111-1111-111111111111"
URL = "http://hubnity.test"


class Server:
    """Records requests; answers with `handler`."""

    def __init__(self, handler: Callable[[httpx.Request], httpx.Response]) -> None:
        self.handler = handler
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.handler(request)

    def batches(self) -> list[dict]:
        return [json.loads(r.content) for r in self.requests if r.url.path == "/api/v1/sync/batch"]


def ok_batch(request: httpx.Request) -> httpx.Response:
    body = json.loads(request.content)
    return httpx.Response(
        200,
        json={
            "processed": len(body["entries"]),
            "skipped": 0,
            "conflicts": [],
            "activity": {"processed": 0},
        },
    )


def make(
    data_dir: Path, clock: FakeClock, server: Server, tokens: Tokens | None = None
) -> tuple[Outbox, Uploader, FileStore]:
    store = FileStore(data_dir / "credentials.json")
    store.save(URL, tokens or Tokens("access-1", "refresh-1"))
    api = ApiClient(URL, store, transport=httpx.MockTransport(server))
    box = Outbox(data_dir)
    up = Uploader(
        box, api, "device-1", clock, TrackingPolicy, rng=random.Random(5), batch_entries=4
    )
    return box, up, store


def track(box: Outbox, clock: FakeClock, n: int) -> list[str]:
    t = Tracker(box, clock, "UTC")
    keys = []
    for _ in range(n):
        t.start(P1)
        keys.append(t.current.key)  # type: ignore[union-attr]
        clock.advance(60)
        t.stop()
        clock.advance(1)
    return keys


def test_poisoned_item_is_isolated_and_parked_rest_delivered(data_dir, clock) -> None:
    poison: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        if any(e["idempotencyKey"] in poison for e in body["entries"]):
            return httpx.Response(400, json={"detail": "malformed envelope"})
        return ok_batch(request)

    server = Server(handler)
    box, up, _ = make(data_dir, clock, server)
    keys = track(box, clock, 10)
    poison.append(keys[3])
    assert up.cycle() < 100  # a normal period follows, not a backoff
    delivered = {e["idempotencyKey"] for b in server.batches() for e in b["entries"]}
    assert delivered >= set(keys) - {keys[3]}
    assert [e.key for e in box.parked_entries()] == [keys[3]]
    assert box.depth().entries == 0 and box.depth().parked == 1
    n = len(server.requests)
    up.cycle()
    sent_again = {e["idempotencyKey"] for b in server.batches()[n:] for e in b["entries"]}
    assert keys[3] not in sent_again  # never retried forever


def test_conflicts_are_parked_per_item(data_dir, clock) -> None:
    target: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        conflicts = [
            {"idempotencyKey": e["idempotencyKey"], "reason": "overlap", "detail": "x"}
            for e in body["entries"]
            if e["idempotencyKey"] in target
        ]
        return httpx.Response(
            200, json={"processed": 0, "skipped": 0, "conflicts": conflicts, "activity": {}}
        )

    server = Server(handler)
    box, up, _ = make(data_dir, clock, server)
    keys = track(box, clock, 3)
    target.append(keys[1])
    up.cycle()
    assert [e.key for e in box.parked_entries()] == [keys[1]]
    assert box.parked_entries()[0].parked_reason == "overlap"
    assert box.depth().entries == 0


def test_429_backs_off_at_least_retry_after_and_keeps_queue(data_dir, clock) -> None:
    server = Server(
        lambda r: httpx.Response(429, headers={"Retry-After": "120"}, json={"detail": "slow down"})
    )
    box, up, _ = make(data_dir, clock, server)
    track(box, clock, 2)
    delay = up.cycle()
    assert delay >= 120
    assert box.depth().entries == 2  # nothing dropped, nothing marked sent


def test_network_errors_back_off_exponentially(data_dir, clock) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused")

    box, up, _ = make(data_dir, clock, Server(handler))
    track(box, clock, 1)
    delays = [up.cycle() for _ in range(8)]
    assert not up.status.online
    assert delays[-1] > delays[0] * 4
    assert max(delays) <= up.backoff.cap


def test_401_refreshes_token_and_retries(data_dir, clock) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/v1/auth/refresh":
            assert json.loads(request.content) == {"refreshToken": "refresh-1"}
            return httpx.Response(
                200,
                json={
                    "accessToken": "access-2",
                    "refreshToken": "refresh-2",
                    "tokenType": "Bearer",
                    "expiresIn": 900,
                },
            )
        if request.headers["Authorization"] != "Bearer access-2":
            return httpx.Response(401, json={"detail": "expired"})
        return ok_batch(request)

    box, up, store = make(data_dir, clock, Server(handler))
    track(box, clock, 1)
    up.cycle()
    assert box.depth().entries == 0
    assert store.load(URL) == Tokens("access-2", "refresh-2")
    assert not up.status.auth_required


def test_dead_refresh_token_asks_to_sign_in_and_keeps_data(data_dir, clock) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(401, json={"detail": "token revoked"})

    box, up, store = make(data_dir, clock, Server(handler))
    track(box, clock, 2)
    up.cycle()
    assert up.status.auth_required
    assert store.load(URL) is None
    assert box.depth().entries == 2


def test_5xx_is_retried_not_parked(data_dir, clock) -> None:
    server = Server(lambda r: httpx.Response(503, json={"detail": "down"}))
    box, up, _ = make(data_dir, clock, server)
    track(box, clock, 2)
    up.cycle()
    assert box.depth().entries == 2 and box.depth().parked == 0


def test_credentials_file_is_private(data_dir) -> None:
    store = FileStore(data_dir / "credentials.json")
    store.save(URL, Tokens("a", "r"))
    assert (data_dir / "credentials.json").stat().st_mode & 0o777 == 0o600
    assert store.load(URL) == Tokens("a", "r")
    store.clear(URL)
    assert store.load(URL) is None


def test_first_upload_is_spread_over_the_window(data_dir, clock) -> None:
    _box, up, _ = make(data_dir, clock, Server(ok_batch))
    up.spread = 30
    delays = [up.first_delay() for _ in range(200)]
    assert all(0 <= d <= 30 for d in delays)
    assert max(delays) - min(delays) > 20  # spread, not a fixed offset
    periods = [up.cycle() for _ in range(50)]
    assert all(0.8 * up.interval <= p <= 1.2 * up.interval for p in periods)
    assert len({round(p, 3) for p in periods}) > 40


def test_keyring_without_backend_falls_back_to_private_file(data_dir, monkeypatch) -> None:
    import keyring
    from keyring.backends import fail

    from agent.core.credentials import FallbackStore, KeyringStore, open_store

    monkeypatch.delenv("HUBNITY_AGENT_CREDENTIALS", raising=False)
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        store = open_store(data_dir)
        assert isinstance(store, FileStore)

        class Broken(KeyringStore):
            def __init__(self) -> None:
                pass

            def save(self, server_url: str, tokens: Tokens) -> None:
                raise RuntimeError("no Secret Service on the session bus")

            def load(self, server_url: str) -> Tokens | None:
                raise RuntimeError("locked")

        fallback = FallbackStore(Broken(), FileStore(data_dir / "credentials.json"))
        fallback.save(URL, Tokens("a", "r"))
        assert fallback.load(URL) == Tokens("a", "r")
        assert (data_dir / "credentials.json").stat().st_mode & 0o777 == 0o600
    finally:
        keyring.set_keyring(previous)


def test_sync_now_does_not_jump_a_retry_after(data_dir, clock) -> None:
    import time as _time

    hits: list[float] = []

    def handler(request: httpx.Request) -> httpx.Response:
        hits.append(_time.monotonic())
        if len(hits) == 1:
            return httpx.Response(429, headers={"Retry-After": "1"}, json={"detail": "slow"})
        return ok_batch(request)

    box, up, _ = make(data_dir, clock, Server(handler))
    track(box, clock, 1)
    up.spread = 0
    up.start()
    try:
        deadline = _time.monotonic() + 5
        while not hits and _time.monotonic() < deadline:
            _time.sleep(0.01)
        up.sync_now()  # the user insists at once
        while len(hits) < 2 and _time.monotonic() < deadline:
            _time.sleep(0.01)
    finally:
        up.stop()
    assert len(hits) >= 2 and hits[1] - hits[0] >= 0.95
    assert box.depth().entries == 0


def test_deleted_entries_are_dropped_not_parked_nor_sent_again(data_dir, clock) -> None:
    deleted: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        conflicts = [
            {"idempotencyKey": e["idempotencyKey"], "reason": "deleted", "detail": "x"}
            for e in body["entries"]
            if e["idempotencyKey"] in deleted
        ]
        return httpx.Response(
            200, json={"processed": 0, "skipped": 0, "conflicts": conflicts, "activity": {}}
        )

    server = Server(handler)
    box, up, _ = make(data_dir, clock, server)
    keys = track(box, clock, 3)
    deleted.append(keys[1])
    up.cycle()
    assert box.parked_entries() == []
    assert box.depth().entries == 0 and box.depth().parked == 0
    assert any("deleted on the server" in note for note in up.status.parked_now)
    n = len(server.requests)
    up.cycle()
    assert not [e for b in server.batches()[n:] for e in b["entries"]]


def test_a_conflict_reason_this_agent_does_not_know_is_parked_too(data_dir, clock) -> None:
    """A newer server may add reasons (as `locked` and `deleted` were added):
    the answer is still read, and the item is parked with the reason as sent."""
    target: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        conflicts = [
            {"idempotencyKey": k, "reason": "held_for_audit", "detail": "ask the office"}
            for k in (e["idempotencyKey"] for e in body["entries"])
            if k in target
        ]
        return httpx.Response(
            200, json={"processed": 1, "skipped": 0, "conflicts": conflicts, "activity": {}}
        )

    server = Server(handler)
    box, up, _ = make(data_dir, clock, server)
    keys = track(box, clock, 2)
    target.append(keys[0])
    up.cycle()
    parked = box.parked_entries()
    assert [(e.key, e.parked_reason, e.parked_detail) for e in parked] == [
        (keys[0], "held_for_audit", "ask the office")
    ]
    assert box.depth().entries == 0
