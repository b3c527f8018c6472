"""Top applications and unusual-activity flags through the API, on SQLite and
PostgreSQL: what they answer, and who may see them."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tests.integration.reports.helpers import make_team
from tests.support.api import Account, invite, register
from tests.support.sync import BASE, activity, batch, entry

URL = "/api/v1/sync/batch"
DAY = BASE.date().isoformat()


def z(t) -> str:  # type: ignore[no-untyped-def]
    return t.isoformat().replace("+00:00", "Z")


async def _send(acc: Account, minutes: int, acts=None, apps=None, start=BASE) -> str:  # type: ignore[no-untyped-def]
    e = entry(start, minutes)
    key = e["idempotencyKey"]
    body: dict[str, Any] = batch([e], [a(key) for a in acts or []])
    body["apps"] = [a(key) for a in apps or []]
    r = await acc.post(URL, json=body)
    assert r.status_code == 200, r.text
    out = r.json()
    assert not out["conflicts"] and not out["activity"]["conflicts"], out
    assert not out["apps"]["conflicts"], out
    return key


def _app(offset: int, app: str, seconds: int, title: str | None = None, start=BASE):  # type: ignore[no-untyped-def]
    def make(key: str) -> dict[str, Any]:
        row = {
            "timeEntryKey": key,
            "minute": z(start + timedelta(minutes=offset)),
            "app": app,
            "seconds": seconds,
        }
        if title:
            row["title"] = title
        return row

    return make


def _jiggle(offset: int, start=BASE):  # type: ignore[no-untyped-def]
    def make(key: str) -> dict[str, Any]:
        return {
            **activity(key, start + timedelta(minutes=offset), active=6, kb=0, mouse=12),
            "intervalCv": 0.01,
            "distinctPositions": 2,
            "pointerSpan": 1,
            "keyboardShare": 0.0,
            "pointerMoves": 12,
        }

    return make


def _work(offset: int, active: int = 35, start=BASE):  # type: ignore[no-untyped-def]
    def make(key: str) -> dict[str, Any]:
        return {
            **activity(key, start + timedelta(minutes=offset), active=active, kb=60, mouse=240),
            "intervalCv": 2.4,
            "distinctPositions": 180,
            "pointerSpan": 700,
            "keyboardShare": 0.2,
            "pointerMoves": 200,
        }

    return make


async def test_top_apps_per_person_and_day_and_per_team(client):
    owner = await register(client)
    await owner.patch("/api/v1/agent/config", json={"appTracking": "titles"})
    ann = await invite(owner, name="Ann")
    bob = await invite(owner, name="Bob")
    await _send(
        ann,
        60,
        apps=[_app(i, "code", 50, "main.py") for i in range(30)]
        + [_app(i, "firefox", 10, "Docs") for i in range(30)]
        + [_app(30 + i, "firefox", 60, "Docs") for i in range(10)],
    )
    next_day = BASE + timedelta(days=1)
    await _send(
        ann, 10, apps=[_app(i, "slack", 60, start=next_day) for i in range(5)], start=next_day
    )
    await _send(bob, 30, apps=[_app(i, "code", 60) for i in range(20)])
    r = await owner.get(
        "/api/v1/reports/apps",
        params={"userId": ann.user_id, "from": DAY, "to": next_day.date().isoformat()},
    )
    assert r.status_code == 200, r.text
    days = r.json()["days"]
    assert [d["date"] for d in days] == [DAY, next_day.date().isoformat()]
    first = days[0]
    assert first["seconds"] == 30 * 60 + 600
    assert [(a["app"], a["seconds"]) for a in first["apps"]] == [("code", 1500), ("firefox", 900)]
    assert first["apps"][0]["percent"] == 62.5
    assert first["apps"][1]["titles"] == [{"title": "Docs", "seconds": 900}]
    assert [a["app"] for a in days[1]["apps"]] == ["slack"]
    # The caller by default; someone else's data only with the right role.
    mine = (await ann.get("/api/v1/reports/apps", params={"from": DAY, "to": DAY})).json()
    assert mine["userId"] == ann.user_id and mine["days"][0]["seconds"] == 2400
    r = await ann.get("/api/v1/reports/apps", params={"userId": bob.user_id})
    assert r.status_code == 404
    other = await register(client)
    r = await other.get("/api/v1/reports/apps", params={"userId": ann.user_id})
    assert r.status_code == 404
    team = await make_team(owner, "Core", [], [ann, bob])
    r = await owner.get(
        "/api/v1/reports/apps/team", params={"teamId": team, "from": DAY, "to": DAY}
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert [(a["app"], a["seconds"], a["people"]) for a in body["apps"]] == [
        ("code", 2700, 2),
        ("firefox", 900, 1),
    ]
    assert [(p["name"], p["seconds"]) for p in body["people"]] == [("Ann", 2400), ("Bob", 1200)]
    assert (
        await other.get("/api/v1/reports/apps/team", params={"teamId": team})
    ).status_code == 404


async def test_flags_name_jigglers_constant_input_and_a_single_app_for_hours(client):
    owner = await register(client)
    jig = await invite(owner, name="Jig")
    worker = await invite(owner, name="Worker")
    steady = await invite(owner, name="Steady")
    # 40 minutes of a jiggler; then a person works for a while.
    await _send(jig, 40, acts=[_jiggle(i) for i in range(40)])
    await _send(worker, 240, acts=[_work(i) for i in range(0, 240, 2)])
    # Constant input for 75 minutes, all in one editor for 4 hours.
    await _send(
        steady,
        240,
        acts=[_work(i, active=59) for i in range(75)] + [_work(i) for i in range(75, 240)],
        apps=[_app(i, "code", 60) for i in range(240)],
    )
    r = await owner.get("/api/v1/reports/flags", params={"from": DAY, "to": DAY})
    assert r.status_code == 200, r.text
    found = {(f["name"], f["kind"]): f for f in r.json()["items"]}
    assert set(found) == {
        ("Jig", "jiggler"),
        ("Steady", "constant_activity"),
        ("Steady", "no_app_change"),
    }
    j = found[("Jig", "jiggler")]
    assert (j["from"], j["to"]) == (z(BASE), z(BASE + timedelta(minutes=40)))
    assert 0.5 <= j["score"] <= 1 and "without a single key press" in j["explanation"]
    assert "never leaving a 1 px box" in j["explanation"]
    c = found[("Steady", "constant_activity")]
    assert c["to"] == z(BASE + timedelta(minutes=75)) and "57 of its 60 seconds" in c["explanation"]
    assert "'code' stayed in front" in found[("Steady", "no_app_change")]["explanation"]
    # Scope: a member sees only their own; another organization sees nothing of ours.
    own = (await jig.get("/api/v1/reports/flags", params={"from": DAY, "to": DAY})).json()
    assert {f["userId"] for f in own["items"]} == {jig.user_id}
    assert (await worker.get("/api/v1/reports/flags", params={"from": DAY, "to": DAY})).json()[
        "items"
    ] == []
    other = await register(client)
    r = await other.get("/api/v1/reports/flags", params={"userId": jig.user_id})
    assert r.status_code == 404
    # One person, and a period too long.
    r = await owner.get(
        "/api/v1/reports/flags", params={"userId": steady.user_id, "from": DAY, "to": DAY}
    )
    assert {f["kind"] for f in r.json()["items"]} == {"constant_activity", "no_app_change"}
    r = await owner.get("/api/v1/reports/flags", params={"from": "2026-01-01", "to": "2026-03-01"})
    assert r.status_code == 400 and "31 days" in r.json()["detail"]


async def _web_login(client, acc: Account) -> None:  # type: ignore[no-untyped-def]
    import re

    from tests.support.api import PASSWORD

    client.cookies.clear()
    page = await client.get("/login")
    csrf = re.search(r'name="_csrf" value="([^"]+)"', page.text).group(1)
    await client.post("/login", data={"_csrf": csrf, "email": acc.email, "password": PASSWORD})


async def test_person_page_shows_apps_titles_and_flags(client):
    owner = await register(client)
    await owner.patch(
        "/api/v1/agent/config", json={"appTracking": "titles", "redactionPatterns": ["secret"]}
    )
    jig = await invite(owner, name="Jig")
    await _send(
        jig,
        40,
        acts=[_jiggle(i) for i in range(40)],
        apps=[_app(i, "zoom", 60, "Standup <b>secret</b>") for i in range(40)],
    )
    await _web_login(client, owner)
    try:
        r = await client.get(f"/app/people/{jig.user_id}?date={DAY}")
        assert r.status_code == 200, r.text
        html = r.text
        assert '<strong class="app-name">zoom</strong>' in html
        # Redacted, and escaped: a title is text, never markup.
        assert "Standup &lt;b&gt;***&lt;/b&gt;" in html and "secret" not in html
        assert "Mouse-jiggler pattern" in html and "score 0.8" in html
        await owner.patch("/api/v1/agent/config", json={"appTracking": "off"})
        html = (await client.get(f"/app/people/{jig.user_id}?date={DAY}")).text
        assert "Application tracking is turned off" in html
    finally:
        client.cookies.clear()
