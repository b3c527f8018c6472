"""The shared provider client against a real stand-in server: backoff on 5xx and
network errors, 429/402 waits from the provider's headers, the time budget,
non-JSON answers; and a run that fails mid-way keeps whole pages only."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from server.db.models import TimeEntry
from server.integrations.http import (
    BudgetExceeded,
    ProviderError,
    ProviderHttp,
    retry_after_seconds,
)
from tests.integration.integrations.helpers import connect, run
from tests.support.api import invite, register
from tests.support.process import free_port
from tests.support.standins.base import serving
from tests.support.standins.tempo import TempoStandIn
from tests.support.standins.toggl import TogglStandIn

TOKEN = "tempo-token-0123456789"


class Waits:
    """Records the client's sleeps; returns at once unless `real` (then the
    stand-in checks that the client really waited)."""

    def __init__(self, real: bool = False) -> None:
        self.seconds: list[float] = []
        self.real = real

    async def __call__(self, seconds: float) -> None:
        self.seconds.append(seconds)
        if self.real:
            await asyncio.sleep(seconds)


def _client(url: str, waits: Waits, **kw: object) -> ProviderHttp:
    return ProviderHttp(
        url, provider="tempo", headers={"Authorization": f"Bearer {TOKEN}"}, sleep=waits, **kw
    )  # type: ignore[arg-type]


def test_retry_after_forms():
    now = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    assert retry_after_seconds({"retry-after": "7"}, now) == 7
    assert retry_after_seconds({"retry-after": "Thu, 01 Jan 2026 12:00:30 GMT"}, now) == 30
    assert retry_after_seconds({"x-toggl-quota-resets-in": "120"}, now) == 120
    assert retry_after_seconds({"x-ratelimit-reset": "2026-01-01T12:01:00Z"}, now) == 60
    assert retry_after_seconds({}, now) is None


async def test_retries_5xx_then_succeeds_and_gives_up_with_the_reason():
    with serving(TempoStandIn(token=TOKEN)) as tempo:
        waits = Waits()
        async with _client(tempo.url, waits) as http:
            tempo.fail_next = [500, 503, 502]
            body = await http.get_json("/4/worklogs")
            assert body["results"] == [] and len(waits.seconds) == 3
            assert all(0 <= w <= 30 for w in waits.seconds)
            tempo.fail_next = [500] * 10
            with pytest.raises(ProviderError, match=r"answered 500.*after 6 attempts"):
                await http.get_json("/4/worklogs")


async def test_429_and_toggl_quota_wait_what_the_provider_says():
    with serving(TempoStandIn(token=TOKEN, rate_limit_every=2, retry_after=1)) as tempo:
        waits = Waits(real=True)
        async with _client(tempo.url, waits) as http:
            await http.get_json("/4/worklogs")
            await http.get_json("/4/worklogs")  # the 2nd call is a 429: wait 1 s, retry
        assert waits.seconds == [1] and tempo.rate_limited == 1 and tempo.early_retries == 0
    with serving(TogglStandIn(token="t" * 20, retry_after=1)) as toggl:
        toggl.quota_every = 1  # every call is over the hourly quota
        waits = Waits(real=True)
        async with ProviderHttp(
            toggl.url,
            provider="toggl",
            auth=("t" * 20, "api_token"),
            sleep=waits,
            max_rate_limit_waits=2,
        ) as http:
            with pytest.raises(ProviderError, match="402"):
                await http.get_json("/api/v9/workspaces/777")
        assert waits.seconds == [1, 1] and toggl.early_retries == 0


async def test_the_budget_stops_waits_it_cannot_cover_and_unreachable_hosts():
    with serving(TempoStandIn(token=TOKEN, rate_limit_every=1, retry_after=120)) as tempo:
        waits = Waits()
        async with _client(tempo.url, waits, budget_seconds=60) as http:
            with pytest.raises(BudgetExceeded, match="time budget"):
                await http.get_json("/4/worklogs")
        assert waits.seconds == []
    waits = Waits()
    async with _client(f"http://127.0.0.1:{free_port()}", waits, max_retries=2) as http:
        with pytest.raises(ProviderError, match=r"cannot be reached.*3 attempts"):
            await http.get_json("/4/worklogs")
    assert len(waits.seconds) == 2


async def test_html_instead_of_json_is_a_readable_error():
    with serving(TempoStandIn(token=TOKEN)) as tempo:
        tempo.html_mode = True
        async with _client(tempo.url, Waits()) as http:
            with pytest.raises(ProviderError, match="text/html instead of JSON"):
                await http.get_json("/4/worklogs")


async def test_a_run_failing_mid_way_keeps_whole_pages_and_says_how_many(client, db):
    owner = await register(client)
    ida = await invite(owner, name="Ida")
    with serving(TogglStandIn(token="toggl-token-0123456789")) as toggl:
        uid = toggl.add_user(ida.email, "Ida")
        start = datetime.now(UTC) - timedelta(days=2)
        for i in range(6):
            toggl.add_entry(uid, start + timedelta(hours=i), 600)
        r = await connect(
            owner,
            "toggl",
            toggl.url,
            {"apiToken": "toggl-token-0123456789"},
            {"workspaceId": 777, "pageSize": 2, "budgetSeconds": 30},
        )
        assert r.status_code == 201, r.text
        # Calls so far: the check, users, projects. The run: users, projects, then
        # pages; from the run's 2nd page on the provider fails for good.
        toggl.fail_from_call = toggl.calls + 4
        failed = await run(owner, r.json()["id"])
        assert failed["status"] == "failed", failed
        assert "500" in failed["detail"] and "1 page(s) before it were written" in failed["detail"]
        async with db() as s:
            stored = (
                await s.execute(
                    select(func.count())
                    .select_from(TimeEntry)
                    .where(TimeEntry.user_id == uuid.UUID(ida.user_id))
                )
            ).scalar_one()
        assert stored == 2  # the first page, whole; nothing of the second
        toggl.fail_from_call = None
        done = await run(owner, r.json()["id"])
        assert (done["counts"]["created"], done["counts"]["unchanged"]) == (4, 2), done
