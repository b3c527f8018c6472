"""Timesheet file writers: CSV and XLSX, row by row so memory stays flat.

CSV cells that a spreadsheet would read as a formula (leading = + - @, tab or
CR) get a leading apostrophe: opening an export never runs attacker-chosen
formulas from a task name or description. XLSX cells carry real types:
dates, date-times and durations (timedelta with an [h]:mm:ss format), and
text cells are forced to the string type so "=..." is never a formula.
"""

from __future__ import annotations

import abc
import csv
from datetime import date, datetime, timedelta
from typing import IO, Any

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


def safe_text(value: str) -> str:
    return "'" + value if value.startswith(_FORMULA_START) else value


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
    """openpyxl write-only mode: rows go to a temp file, not a tree in memory."""

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

    def close(self) -> None:
        self._wb.save(self._path)
