"""Timesheet exports with groupBy, amounts and entry classes (CSV) and the
PDF for a customer, on SQLite and PostgreSQL, over the analytics world
(helpers.py) plus two more entries of Kai's on 3 April (NZDT):

  E3 09:00-10:00 manual (first of the day: daybreak)
  E8 10:30-11:00 after a gap (pause)
  E9 10:45-11:15 imported, overlapping E8 (overlap)

Entries starting within 1-7 April (local): E1 E2 E3 E8 E9 (Kai), E4 E5 E6
(Hana); E7 starts on Hana's 31 March and is left out.
"""

from __future__ import annotations

import asyncio
import csv
import io
from typing import Any

import pytest
from pypdf import PdfReader

from server.reports.pdf import _font_files
from tests.integration.analytics.helpers import World, add_entry, build, utc
from tests.integration.web.pages import web_sign_in
from tests.support.api import Account

RANGE = {"from": "2026-04-01", "to": "2026-04-07"}


@pytest.fixture(scope="module")
async def world(client: Any, db: Any) -> World:
    w = await build(client, db, org_name="Islands Ltd", kai_name="Kai Ōtautahi")
    internal = w.ids["internal"]
    await add_entry(db, w.kai, utc(2026, 4, 2, 21, 30), utc(2026, 4, 2, 22), project=internal)
    await add_entry(
        db, w.kai, utc(2026, 4, 2, 21, 45), utc(2026, 4, 2, 22, 15), project=internal,
        source="import:jira",
    )  # fmt: skip
    return w


async def _download(acc: Account, params: dict[str, str]) -> bytes:
    r = await acc.get("/api/v1/reports/export", params=params)
    assert r.status_code == 202, r.text
    job = r.json()["jobId"]
    for _ in range(400):
        body = (await acc.get(f"/api/v1/reports/exports/{job}")).json()
        if body["status"] in ("DONE", "FAILED"):
            break
        await asyncio.sleep(0.05)
    assert body["status"] == "DONE", body
    r = await acc.get(body["downloadUrl"])
    assert r.status_code == 200
    return r.content  # type: ignore[no-any-return]


async def test_csv_grouped_by_customer_with_amounts_and_classes(world: World) -> None:
    data = await _download(world.owner, {**RANGE, "format": "csv", "groupBy": "customer"})
    header, *rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert header[:5] == ["Group", "Date", "Person", "Email", "Project"]
    assert header[-7:] == [
        "Customer",
        "Activity",
        "Billable",
        "Rate",
        "Amount",
        "Currency",
        "Class",
    ]
    got = [dict(zip(header, row, strict=True)) for row in rows]
    assert [(g["Group"], g["Project"], g["Start"]) for g in got] == [
        ("Acme", "Web", "2026-04-01 23:00:00"),  # E1, Auckland time
        ("Acme", "Web", "2026-04-05 01:30:00"),  # E2
        ("Acme", "Web", "2026-04-07 09:00:00"),  # E6, Honolulu time
        ("Globex", "Ops", "2026-04-01 22:00:00"),  # E4
        ("Globex", "Ops", "2026-04-06 10:00:00"),  # E5
        ("No customer", "Internal", "2026-04-03 09:00:00"),  # E3
        ("No customer", "Internal", "2026-04-03 10:30:00"),  # E8
        ("No customer", "Internal", "2026-04-03 10:45:00"),  # E9
    ]
    billing = [(g["Billable"], g["Rate"], g["Amount"], g["Currency"]) for g in got]
    assert billing == [
        ("yes", "150.00", "300.00", "EUR"),  # task rate, 2 h
        ("yes", "120.00", "360.00", "EUR"),  # project rate, 3 h across the DST change
        ("no", "", "", ""),  # the entry says not billable
        ("yes", "80.00", "200.00", "USD"),  # customer rate, 2.5 h
        ("yes", "80.00", "26.67", "USD"),  # Meeting is not billable, the entry is
        ("no", "", "", ""),
        ("no", "", "", ""),
        ("no", "", "", ""),
    ]
    assert [g["Class"] for g in got[5:]] == ["daybreak", "pause", "overlap"]
    assert got[0]["Activity"] == "Dev" and got[0]["Customer"] == "Acme"
    # Without groupBy: the former columns first, no Group column, in start order.
    data = await _download(world.owner, {**RANGE, "format": "csv"})
    header, *rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert header[:4] == ["Date", "Person", "Email", "Project"] and len(rows) == 8
    # A member exports their own entries only.
    data = await _download(world.hana, {**RANGE, "format": "csv", "groupBy": "project"})
    header, *rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert [r[0] for r in rows] == ["Ops", "Ops", "Web"]


async def test_pdf_for_a_customer(world: World) -> None:
    data = await _download(world.owner, {**RANGE, "format": "pdf", "groupBy": "project"})
    assert data.startswith(b"%PDF-")
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    assert "Islands Ltd" in text and "Timesheet 2026-04-01 to 2026-04-07" in text
    assert "Grouped by project" in text
    # Groups in name order, each with its subtotal.
    assert text.index("Internal") < text.index("Ops") < text.index("Web")
    assert text.count("Subtotal") == 3
    assert "USD 226.67" in text  # Ops: 200.00 + 26.666..
    assert "EUR 660.00" in text  # Web: 300.00 + 360.00 (E6 not billable)
    # Totals per currency: 38100 s tracked = 10.58 h; billable 28200 s = 7.83 h.
    assert "Hours: 10.58" in text and "Billable hours: 7.83" in text
    assert "Amount EUR: 660.00" in text and "Amount USD: 226.67" in text
    if _font_files() is not None:
        assert "Kai Ōtautahi" in text
    r = await world.owner.get(
        "/api/v1/reports/export", params={**RANGE, "format": "pdf", "groupBy": "weekday"}
    )
    assert r.status_code == 400


async def test_the_reports_page_offers_grouping_and_the_pdf(world: World) -> None:
    client = world.owner.client
    csrf = await web_sign_in(client, world.owner.email)
    page = await client.get("/app/reports", params=RANGE)
    assert 'name="groupBy"' in page.text and 'value="pdf"' in page.text
    r = await client.post(
        "/app/exports",
        data={"_csrf": csrf, **RANGE, "team": "", "format": "pdf", "groupBy": "customer"},
        headers={"Accept": "application/json"},
    )
    assert r.status_code == 202, r.text
    job = r.json()["jobId"]
    client.cookies.clear()
    for _ in range(400):
        body = (await world.owner.get(f"/api/v1/reports/exports/{job}")).json()
        if body["status"] in ("DONE", "FAILED"):
            break
        await asyncio.sleep(0.05)
    assert body["status"] == "DONE" and body["format"] == "pdf", body
    data = (await world.owner.get(body["downloadUrl"])).content
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)
    assert "Grouped by customer" in text and "Globex" in text
