"""Timesheet file writers: CSV and XLSX, row by row so memory stays flat.

Every text cell (descriptions, but also the names of people, projects, tasks,
customers and activities) is text a member typed, so it is treated as hostile:

- CSV: a cell a spreadsheet could read as a formula gets a leading apostrophe
  (`safe_text`): one that starts with = + - @, tab, CR or LF, and one whose
  first character after leading whitespace, control or invisible characters
  is = + - @ (" =1+1"), because LibreOffice's "trim spaces" import option, Google Sheets
  and some CSV-to-XLSX converters strip leading whitespace before they look
  for a formula. Opening an export never runs a formula from a member's text.
- XLSX: cells carry real types: dates, date-times and durations (timedelta
  with an [h]:mm:ss format), and text cells are forced to the string type so
  "=..." is never a formula. A worksheet is XML 1.0, which cannot carry the C0
  control characters other than tab, LF and CR, nor U+FFFE, U+FFFF or lone
  surrogates: openpyxl refuses the first (IllegalCharacterError, its
  ILLEGAL_CHARACTERS_RE) and writes the others into a file Excel cannot open.
  They are dropped from every text cell (`xlsx_text`), so one member's
  "bell\x07" never fails, or corrupts, the whole organization's export.
  openpyxl streams the rows to a temp file of its own; an export that fails or
  is cancelled before `close` leaves the `with` block, which discards the
  workbook at once (`XlsxSheet.discard`).
"""

from __future__ import annotations

import abc
import contextlib
import csv
import re
from datetime import date, datetime, timedelta
from types import TracebackType
from typing import IO, Any

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")
_FORMULA = ("=", "+", "-", "@")
# What may hide a formula's first character: whitespace, control characters
# (C0, DEL, C1) and the invisible ones (zero-width space to RLM, word joiner, BOM).
_LEADING_BLANKS = re.compile("^[\\s\x00-\x1f\x7f-\x9f\u200b-\u200f\u2060\ufeff]+")
# What XML 1.0 (a worksheet) cannot hold: openpyxl's ILLEGAL_CHARACTERS_RE, plus
# U+FFFE, U+FFFF and lone surrogates, which it would write into a broken file.
_XML_REFUSED = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


def safe_text(value: str) -> str:
    """A CSV cell no spreadsheet reads as a formula (see the module's docstring)."""
    formula = value.startswith(_FORMULA_START)
    formula = formula or _LEADING_BLANKS.sub("", value).startswith(_FORMULA)
    return "'" + value if formula else value


def xlsx_text(value: str) -> str:
    """`value` without the characters a worksheet cannot hold."""
    return _XML_REFUSED.sub("", value)


def hms(delta: timedelta) -> str:
    total = int(delta.total_seconds())
    return f"{total // 3600}:{total % 3600 // 60:02d}:{total % 60:02d}"


class SheetWriter(abc.ABC):
    @abc.abstractmethod
    def row(self, values: list[Any]) -> None: ...

    @abc.abstractmethod
    def close(self) -> None: ...


class CsvSheet(SheetWriter):
    def __init__(self, fh: IO[str], header: list[str]) -> None:
        self._out = csv.writer(fh)
        self._out.writerow(header)

    @staticmethod
    def _cell(value: Any) -> Any:
        if value is None:
            return ""
        if isinstance(value, str):
            return safe_text(value)
        if isinstance(value, timedelta):
            return hms(value)
        if isinstance(value, datetime):
            return value.strftime("%Y-%m-%d %H:%M:%S")
        if isinstance(value, date):
            return value.isoformat()
        return value

    def row(self, values: list[Any]) -> None:
        self._out.writerow([self._cell(v) for v in values])

    def close(self) -> None:
        pass


class XlsxSheet(SheetWriter):
    """openpyxl write-only mode: rows go to a temp file, not a tree in memory.

    Use it as a context manager around the rows and `close`: leaving the block
    by an exception (or a cancellation) discards the workbook."""

    _FORMATS = {date: "yyyy-mm-dd", datetime: "yyyy-mm-dd hh:mm:ss", timedelta: "[h]:mm:ss"}

    def __init__(self, path: str, header: list[str], widths: list[int]) -> None:
        from openpyxl import Workbook
        from openpyxl.utils import get_column_letter

        self._path = path
        self._wb = Workbook(write_only=True)
        self._ws = self._wb.create_sheet("Timesheet")
        for i, width in enumerate(widths, start=1):
            self._ws.column_dimensions[get_column_letter(i)].width = width
        self._ws.freeze_panes = "A2"
        self._ws.append(header)

    def _cell(self, value: Any) -> Any:
        from openpyxl.cell import WriteOnlyCell

        if isinstance(value, str):
            value = xlsx_text(value)
        cell = WriteOnlyCell(self._ws, value=value)
        if isinstance(value, str):
            cell.data_type = "s"  # never a formula, whatever the text starts with
        elif isinstance(value, datetime):
            cell.number_format = self._FORMATS[datetime]
        elif isinstance(value, date):
            cell.number_format = self._FORMATS[date]
        elif isinstance(value, timedelta):
            cell.number_format = self._FORMATS[timedelta]
        return cell

    def row(self, values: list[Any]) -> None:
        self._ws.append([self._cell(v) for v in values])

    def __enter__(self) -> XlsxSheet:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if kind is not None:
            self.discard()

    def close(self) -> None:
        try:
            self._wb.save(self._path)
        except BaseException:
            self.discard()
            raise

    def discard(self) -> None:
        """Drops a workbook that will not be saved: closes openpyxl's streams in
        order and removes its temp file now. Left to garbage collection, the
        streams close in any order ("I/O operation on closed file" in the log)
        and the temp file stays until the process exits. Never raises (it runs
        while another error propagates); after `close` it has nothing to do."""
        with contextlib.suppress(Exception):
            self._ws.close()  # ends the rows and the sheet, closing the temp file
        writer = getattr(self._ws, "_writer", None)  # openpyxl's: it names the temp file
        with contextlib.suppress(Exception):
            if writer is not None:
                writer.cleanup()  # removes the file (already gone after a save)
