"""App tracking through the batch sync and the policy, on SQLite and PostgreSQL:
what is kept at each policy level, redaction, limits, per-item conflicts."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import select, text

from server.db.models import ActivitySignal, AppUsage
from tests.support.api import register
from tests.support.sync import BASE, activity, batch, entry

URL = "/api/v1/sync/batch"
SECRET = "Invoice 4711 for ACME Corp - confidential.pdf"


def app_row(key: str, minute_offset: int, app: str, seconds: int, title: str | None = None):
    minute = (BASE + timedelta(minutes=minute_offset)).isoformat().replace("+00:00", "Z")
    row = {"timeEntryKey": key, "minute": minute, "app": app, "seconds": seconds}
    if title is not None:
        row["title"] = title
    return row


async def _apps(db, user_id: str) -> list[AppUsage]:
    async with db() as s:
        rows = await s.execute(
            select(AppUsage)
            .where(AppUsage.user_id == uuid.UUID(user_id))
            .order_by(AppUsage.minute, AppUsage.app)
        )
        return list(rows.scalars())


async def _set_policy(owner, **body):
    r = await owner.patch("/api/v1/agent/config", json=body)
    assert r.status_code == 200, r.text
    return r.json()


async def test_under_apps_policy_a_title_never_reaches_the_database(client, db):
    owner = await register(client)
    assert (await owner.get("/api/v1/agent/config")).json()["appTracking"] == "apps"
    e = entry(BASE, 30)
    key = e["idempotencyKey"]
    apps = [
        app_row(key, 0, "firefox", 40, SECRET),
        app_row(key, 0, "firefox", 15, "another page"),  # same app, other title: merged
        app_row(key, 1, "code", 60, "main.py - secret-project"),
    ]
    r = await owner.post(URL, json={**batch([e]), "apps": apps})
    assert r.status_code == 200, r.text
    assert r.json()["apps"] == {"processed": 2, "skipped": 1, "conflicts": []}
    rows = await _apps(db, owner.user_id)
    assert [(r.app, r.title, r.seconds) for r in rows] == [("firefox", "", 55), ("code", "", 60)]
    # Not in any column of any row of the table, whatever its name.
    async with db() as s:
        dump = (await s.execute(text("SELECT * FROM app_usage"))).all()
    assert not any("4711" in str(v) or "secret" in str(v) for row in dump for v in row)


async def test_titles_policy_keeps_redacted_and_truncated_titles(client, db):
    owner = await register(client)
    config = await _set_policy(
        owner, appTracking="titles", redactionPatterns=[r"\d{4}", r"(?i)confidential"]
    )
    assert config["appTracking"] == "titles" and config["redactionPatterns"] == [
        r"\d{4}",
        r"(?i)confidential",
    ]
    e = entry(BASE, 30)
    key = e["idempotencyKey"]
    apps = [app_row(key, 0, "evince", 30, SECRET), app_row(key, 1, "code", 60, "x" * 1000)]
    r = await owner.post(URL, json={**batch([e]), "apps": apps})
    assert r.json()["apps"]["processed"] == 2, r.text
    rows = await _apps(db, owner.user_id)
    assert rows[0].title == "Invoice *** for ACME Corp - ***.pdf"
    assert len(rows[1].title) == 256 and rows[1].title.endswith("…")
    # A retry changes nothing and stores nothing twice.
    again = await owner.post(URL, json={**batch([e]), "apps": apps})
    assert again.json()["apps"]["conflicts"] == []
    assert len(await _apps(db, owner.user_id)) == 2


async def test_off_policy_keeps_nothing_but_acknowledges(client, db):
    owner = await register(client)
    await _set_policy(owner, appTracking="off")
    e = entry(BASE, 30)
    r = await owner.post(
        URL, json={**batch([e]), "apps": [app_row(e["idempotencyKey"], 0, "slack", 60, "x")]}
    )
    assert r.json()["apps"] == {"processed": 0, "skipped": 1, "conflicts": []}
    assert await _apps(db, owner.user_id) == []


async def test_bad_apps_rows_are_per_item_conflicts(client, db):
    owner = await register(client)
    e = entry(BASE, 30)
    key = e["idempotencyKey"]
    unknown = str(uuid.uuid4())
    apps = [
        app_row(key, 0, "code", 60),
        app_row(unknown, 0, "code", 60),  # no such entry
        app_row(key, 45, "code", 60),  # after the entry's end
        app_row(key, 2, "code", 61),  # more seconds than a minute has
        {**app_row(key, 3, "code", 5), "app": ""},
    ]
    r = await owner.post(URL, json={**batch([e]), "apps": apps})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["processed"] == 1  # the entry itself went in
    conflicts = {(c["idempotencyKey"], c["reason"]) for c in body["apps"]["conflicts"]}
    assert conflicts == {
        (unknown, "unknown_time_entry"),
        (key, "invalid"),
    }
    assert len(body["apps"]["conflicts"]) == 4
    details = " ".join(c["detail"] for c in body["apps"]["conflicts"])
    assert "seconds must be between 0 and 60" in details and "outside its time entry" in details
    assert [(r.app, r.seconds) for r in await _apps(db, owner.user_id)] == [("code", 60)]


async def test_older_agent_without_apps_or_signals_keeps_working(client, db):
    owner = await register(client)
    e = entry(BASE, 5)
    acts = [activity(e["idempotencyKey"], BASE)]
    r = await owner.post(URL, json=batch([e], acts))
    body = r.json()
    assert body["processed"] == 1 and body["activity"]["processed"] == 1
    assert body["apps"] == {"processed": 0, "skipped": 0, "conflicts": []}


async def test_input_signals_are_stored_with_the_minute(client, db):
    owner = await register(client)
    e = entry(BASE, 5)
    key = e["idempotencyKey"]
    acts = [
        {
            **activity(key, BASE),
            "intervalCv": 0.02,
            "distinctPositions": 2,
            "pointerSpan": 1,
            "keyboardShare": 0.0,
        },
        # A malformed hint is left out; the minute itself still counts.
        {**activity(key, BASE + timedelta(minutes=1)), "intervalCv": "regular"},
    ]
    r = await owner.post(URL, json=batch([e], acts))
    assert r.json()["activity"]["processed"] == 2, r.text
    async with db() as s:
        rows = list(
            (
                await s.execute(
                    select(ActivitySignal).where(ActivitySignal.user_id == uuid.UUID(owner.user_id))
                )
            ).scalars()
        )
    assert [
        (r.interval_cv, r.distinct_positions, r.pointer_span, r.keyboard_share) for r in rows
    ] == [(0.02, 2, 1, 0.0)]


async def test_redaction_patterns_that_are_not_regexes_are_refused(client):
    owner = await register(client)
    await _set_policy(owner, redactionPatterns=["ok\\d+"])
    for bad, words in (
        (["([unclosed"], "not a valid regex"),
        (["fine", "*oops"], "redaction pattern 2"),
        ([""], "empty"),
    ):
        r = await owner.patch("/api/v1/agent/config", json={"redactionPatterns": bad})
        assert r.status_code == 400, r.text
        assert words in r.json()["detail"]
    config = (await owner.get("/api/v1/agent/config")).json()
    assert config["redactionPatterns"] == ["ok\\d+"]  # nothing half-saved
    r = await owner.patch("/api/v1/agent/config", json={"appTracking": "everything"})
    assert r.status_code == 400


async def test_app_tracking_and_patterns_from_the_settings_page(client):
    import re

    from tests.support.api import PASSWORD

    owner = await register(client)
    client.cookies.clear()
    page = await client.get("/login")
    csrf = re.search(r'name="_csrf" value="([^"]+)"', page.text).group(1)
    await client.post("/login", data={"_csrf": csrf, "email": owner.email, "password": PASSWORD})
    try:
        settings = await client.get("/app/settings")
        csrf = re.search(r'name="_csrf" value="([^"]+)"', settings.text).group(1)
        assert '<option value="apps" selected>' in settings.text
        form = {
            "_csrf": csrf,
            "interval": "10",
            "blur": "0",
            "idle": "5",
            "delete_window": "10",
            "retention": "365",
            "timezone": "UTC",
            "app_tracking": "titles",
            "redaction": "(?i)confidential\n\n\\d{4}\n",
        }
        r = await client.post("/app/settings/policy", data=form)
        assert "Tracking policy saved." in r.text
        config = (await owner.get("/api/v1/agent/config")).json()
        assert config["appTracking"] == "titles"
        assert config["redactionPatterns"] == ["(?i)confidential", "\\d{4}"]
        r = await client.post("/app/settings/policy", data={**form, "redaction": "([bad"})
        assert "not a valid regex" in r.text
        assert (await owner.get("/api/v1/agent/config")).json()["redactionPatterns"] == [
            "(?i)confidential",
            "\\d{4}",
        ]
        # A form without the fields (an older page) leaves them as they are.
        del form["app_tracking"], form["redaction"]
        await client.post("/app/settings/policy", data=form)
        config = (await owner.get("/api/v1/agent/config")).json()
        assert config["appTracking"] == "titles" and len(config["redactionPatterns"]) == 2
    finally:
        client.cookies.clear()
