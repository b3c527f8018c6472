"""CSV imports: Toggl and Clockify detailed-report exports as the products write
them, and the generic mapping; odd encodings and delimiters; bad rows named by
line; not-a-CSV and oversized uploads. SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from litestar.testing import AsyncTestClient
from sqlalchemy import select

from server.app import create_app
from server.db.models import TimeEntry
from tests.conftest import make_settings
from tests.integration.integrations.helpers import upload, wait_run
from tests.support.api import invite, register

TOGGL_HEADER = (
    "User,Email,Client,Project,Task,Description,Billable,Start date,Start time,"
    "End date,End time,Duration,Tags,Amount (USD)"
)
CLOCKIFY_HEADER = (
    "Project,Client,Description,Task,User,Group,Email,Tags,Billable,Start Date,Start Time,"
    "End Date,End Time,Duration (h),Duration (decimal),Billable Rate (USD),"
    "Billable Amount (USD)"
)


async def _entries(db, user_id: str) -> list[TimeEntry]:
    async with db() as s:
        rows = await s.execute(
            select(TimeEntry)
            .where(TimeEntry.user_id == uuid.UUID(user_id))
            .order_by(TimeEntry.start_time)
        )
        return list(rows.scalars())


async def _import(owner, content: bytes, fmt: str, **fields: str) -> dict:
    r = await upload(owner, content, fmt, **fields)
    assert r.status_code == 202, r.text
    return await wait_run(owner, r.json()["id"])


async def test_toggl_csv_with_bom_bad_row_and_idempotent_reupload(client, db):
    owner = await register(client)
    dana = await invite(owner, name="Dana")
    rows = [
        TOGGL_HEADER,
        f'Dana,{dana.email},Acme,Website,,"Layout, header",Yes,2026-03-02,09:00:00,'
        f'2026-03-02,10:30:00,01:30:00,"design,web",150.00',
        f"Dana,{dana.email},Acme,Website,,Review,No,2026-03-02,23:30:00,2026-03-03,00:15:00,"
        "00:45:00,,0.00",
        f"Dana,{dana.email},Acme,Website,,Broken,No,03/02/2026x,09:00:00,,,01:00:00,,0.00",
        f"Dana,{dana.email},Acme,Website,,Review,No,2026-03-02,23:30:00,2026-03-03,00:15:00,"
        "00:45:00,,0.00",  # the same entry twice in the export: two entries
    ]
    content = ("\ufeff" + "\n".join(rows) + "\n").encode("utf-8")
    run = await _import(owner, content, "toggl", options='{"timezone": "Europe/Paris"}')
    assert run["status"] == "done", run
    assert (run["counts"]["created"], run["counts"]["failed"]) == (3, 1), run
    assert run["errors"][0]["externalId"] == "line:4"
    assert "line 4" in run["errors"][0]["detail"] and "date" in run["errors"][0]["detail"]
    stored = await _entries(db, dana.user_id)
    assert [e.duration_seconds for e in stored] == [5400, 2700, 2700]
    assert stored[0].start_time == datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # Paris is UTC+1
    assert stored[0].description == "Layout, header" and stored[0].billable is True
    assert {e.source for e in stored} == {"import:csv_toggl"}
    # The export's project "Website" is unknown and createProjects is off: no project.
    assert stored[0].project_id is None

    again = await _import(owner, content, "toggl", options='{"timezone": "Europe/Paris"}')
    assert (again["counts"]["created"], again["counts"]["unchanged"]) == (0, 3), again
    assert len(await _entries(db, dana.user_id)) == 3

    # The export's duplicate overlaps its twin (imports may); it stays editable
    # as long as its span is left alone, and a new span is still checked.
    # Twins start together: the day's order puts the one with the greater id
    # second (the ids are random, so which one that is varies from run to run).
    second = max(stored[1:], key=lambda e: str(e.id))
    twin = f"/api/v1/time-entries/{second.id}"
    r = await owner.patch(twin, json={"description": "Review, part two"})
    assert r.status_code == 200 and r.json()["entryClass"] == "overlap", r.text
    r = await owner.patch(twin, json={"startTime": "2026-03-02T22:20:00Z"})
    assert r.status_code == 409 and r.json()["extra"]["code"] == "overlap", r.text


async def test_clockify_csv_in_windows_1252_with_day_first_dates(client, db):
    owner = await register(client)
    eve = await invite(owner, name="Eve")
    rows = [
        CLOCKIFY_HEADER,
        f"Café,Müller GmbH,Réunion €,,Eve,,{eve.email},,Yes,05/03/2026,09:15 AM,05/03/2026,"
        "11:45 AM,02:30:00,2.50,80.00 USD,200.00 USD",
        f"Café,Müller GmbH,Support,,Eve,,{eve.email},,No,06/03/2026,01:00 PM,06/03/2026,"
        "01:20 PM,00:20:00,0.33,80.00 USD,0.00 USD",
        "Café,Müller GmbH,No email,,Eve,,,,No,06/03/2026,01:00 PM,06/03/2026,"
        "01:20 PM,00:20:00,0.33,80.00 USD,0.00 USD",
    ]
    content = ("\r\n".join(rows) + "\r\n").encode("cp1252")
    run = await _import(owner, content, "clockify", options='{"dateFormat": "DD/MM/YYYY"}')
    assert run["status"] == "done", run
    assert (run["counts"]["created"], run["counts"]["failed"]) == (2, 1), run
    assert run["errors"][0]["externalId"] == "line:4"
    stored = await _entries(db, eve.user_id)
    assert [(e.start_time.day, e.start_time.hour, e.duration_seconds) for e in stored] == [
        (5, 9, 9000),
        (6, 13, 1200),
    ]
    assert stored[0].description == "Réunion €"


async def test_generic_csv_semicolons_utf16_and_decimal_commas(client, db):
    owner = await register(client)
    finn = await invite(owner, name="Finn")
    text = (
        "Mitarbeiter;Beginn;Stunden;Projekt;Notiz;Abrechenbar\n"
        f"{finn.email};2026-04-01T08:00:00+02:00;1,5;Intern;Planung;ja\n"
        f"{finn.email};2026-04-01T13:00:00+02:00;0,25;Intern;Call;nein\n"
        f"{finn.email};kaputt;1;Intern;x;ja\n"
    )
    mapping = (
        '{"email": "Mitarbeiter", "start": "Beginn", "duration": "Stunden", '
        '"project": "Projekt", "description": "Notiz", "billable": "Abrechenbar"}'
    )
    run = await _import(owner, text.encode("utf-16"), "generic", mapping=mapping)
    assert run["status"] == "done", run
    assert (run["counts"]["created"], run["counts"]["failed"]) == (2, 1), run
    assert run["errors"][0]["externalId"] == "line:4"
    stored = await _entries(db, finn.user_id)
    assert [(e.start_time.hour, e.duration_seconds, e.billable) for e in stored] == [
        (6, 5400, True),
        (11, 900, False),
    ]
    # The generic format needs a mapping.
    r = await upload(owner, text.encode(), "generic")
    assert r.status_code == 400 and "mapping" in r.json()["detail"]


async def test_not_a_csv_fails_with_a_reason_and_nothing_imported(client):
    owner = await register(client)
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 20
    run = await _import(owner, png, "toggl")
    assert run["status"] == "failed" and "not" in run["detail"], run
    one_column = b"just some words\nwithout any delimiter\n"
    run = await _import(owner, one_column, "toggl")
    assert run["status"] == "failed" and "header" in run["detail"], run
    missing = b"Name,Hours\nx,1\n"
    run = await _import(owner, missing, "toggl")
    assert run["status"] == "failed" and "email" in run["detail"], run
    assert run["counts"]["created"] == 0
    r = await upload(owner, b"", "toggl")
    assert r.status_code == 400
    r = await owner.post("/api/v1/imports/csv", json={"format": "toggl"})
    assert r.status_code == 415


async def test_upload_over_the_limit_is_413(backend, session_tmp):
    data_dir = session_tmp / f"data-limit-{uuid.uuid4().hex[:6]}"
    app = create_app(make_settings(backend, data_dir, IMPORT_MAX_BYTES="64kb"))
    async with AsyncTestClient(app=app, timeout=60) as c:
        owner = await register(c)
        big = b"Email,Start date,Start time,Duration\n" + b"a@b.test,2026-01-01,09:00,1\n" * 5000
        r = await upload(owner, big, "toggl")
        assert r.status_code == 413, r.text
        assert list((data_dir / "imports").glob("*.csv")) == []
