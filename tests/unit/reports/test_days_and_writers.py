"""Pure report logic: local-day splitting and spreadsheet-safe cells."""

from __future__ import annotations

import csv
import gc
import io
import sys
import tempfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from server.core.errors import BadRequest
from server.core.times import parse_instant
from server.reports import days as d
from server.reports.rollup import slot_of
from server.reports.writers import CsvSheet, XlsxSheet, hms, safe_text


def utc(*a: int) -> datetime:
    return datetime(*a, tzinfo=UTC)


def test_day_bounds_on_dst_changes() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    lo, hi = d.day_bounds(date(2026, 3, 29), berlin)
    assert (lo, hi - lo) == (utc(2026, 3, 28, 23), timedelta(hours=23))
    lo, hi = d.day_bounds(date(2026, 10, 25), berlin)
    assert (lo, hi - lo) == (utc(2026, 10, 24, 22), timedelta(hours=25))


def test_midnight_that_does_not_exist() -> None:
    # Santiago springs forward at 00:00 -> 01:00: the day starts at 01:00 local.
    lo, _ = d.day_bounds(date(2026, 9, 6), ZoneInfo("America/Santiago"))
    assert lo == utc(2026, 9, 6, 4)


def test_split_by_day_clips_to_range() -> None:
    ny = ZoneInfo("America/New_York")
    parts = list(
        d.split_by_day(
            utc(2026, 1, 16, 4, 30),
            utc(2026, 1, 17, 6, 0),
            ny,
            date(2026, 1, 15),
            date(2026, 1, 16),
        )
    )
    assert parts == [(date(2026, 1, 15), 1800.0), (date(2026, 1, 16), 86400.0)]
    assert (
        list(
            d.split_by_day(utc(2026, 1, 1), utc(2026, 1, 2), ny, date(2026, 2, 1), date(2026, 2, 2))
        )
        == []
    )


def test_date_range_validation() -> None:
    now = utc(2026, 5, 10, 12)
    assert d.date_range(None, None, ZoneInfo("UTC"), now) == (date(2026, 5, 4), date(2026, 5, 10))
    with pytest.raises(BadRequest):
        d.date_range("2026-05-10", "2026-05-01", ZoneInfo("UTC"), now)
    with pytest.raises(BadRequest):
        parse_instant("2026-05-01T10:00:00", "from")  # no offset
    assert d.percent(30, 0) == 0.0 and d.percent(90, 60) == 100.0


def test_slots_are_quarter_hours() -> None:
    assert slot_of(utc(2026, 1, 1, 10, 44, 59)) == utc(2026, 1, 1, 10, 30)
    assert slot_of(utc(2026, 1, 1, 10, 45)) == utc(2026, 1, 1, 10, 45)


@pytest.mark.parametrize(
    "text",
    [
        "=1+1",
        "+1",
        "-1",
        "@SUM(A1)",
        "\tx",
        "\rx",
        "\nx",
        " =1+1",
        "\u00a0 +1",
        "\x07=1",
        "\u200b@x",
    ],
)
def test_formula_like_text_is_neutralized(text: str) -> None:
    assert safe_text(text) == "'" + text
    assert safe_text("plain") == "plain"
    assert safe_text(" plain =1") == " plain =1" and safe_text("a=1") == "a=1"


def test_csv_sheet_formats_values() -> None:
    out = io.StringIO()
    sheet = CsvSheet(out, ["a", "b", "c", "d", "e"])
    sheet.row(
        [date(2026, 1, 2), datetime(2026, 1, 2, 9, 5), timedelta(hours=26, seconds=5), None, "=cmd"]
    )
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert rows[1] == ["2026-01-02", "2026-01-02 09:05:00", "26:00:05", "", "'=cmd"]
    assert hms(timedelta(0)) == "0:00:00"


def _fill_then_fail(path: Path) -> None:
    with XlsxSheet(str(path), ["a"], [10]) as sheet:
        sheet.row(["x"])
        sheet.row([{"not": "a cell"}])  # openpyxl refuses it: the export fails here
        sheet.close()


def test_a_failed_xlsx_sheet_leaves_nothing_open(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A failure while rows are written, or while saving, discards the workbook:
    openpyxl's temp file goes at once, and collecting the workbook later does
    not write to a closed file (an "Exception ignored" in the log)."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # openpyxl's temp files
    unraisable: list[object] = []
    monkeypatch.setattr(sys, "unraisablehook", unraisable.append)
    try:
        _fill_then_fail(tmp_path / "rows.xlsx")
    except ValueError:
        pass  # caught here, not by pytest.raises: its traceback would keep the sheet alive
    gc.collect()
    assert list(tmp_path.iterdir()) == []
    assert unraisable == []
    sheet = XlsxSheet(str(tmp_path / "missing" / "save.xlsx"), ["a"], [10])
    sheet.row(["x"])
    with pytest.raises(FileNotFoundError):
        sheet.close()
    assert list(tmp_path.iterdir()) == []
