"""Generic CSV with a column mapping; the Toggl and Clockify formats are presets of it.

Mapping keys (values are header names, matched case-insensitively; a list
means "the first that exists"): `email` (required), `user`, `date`, `start`,
`endDate`, `end`, `duration`, `project`, `task`, `description`, `billable`,
`id`. Options: `dateFormat` (`auto`, `YYYY-MM-DD`, `DD/MM/YYYY`,
`MM/DD/YYYY`, `DD.MM.YYYY`), `durationUnit` for plain numbers (`hours`
default, `minutes`, `seconds`), `timezone` (IANA name the local times are in,
default UTC).

Times: `start` may hold a full ISO date-time (with or without offset) or a
time of day combined with `date`; `end` likewise with `endDate` (else the
start's date, a day later when it would come before the start). Durations:
`HH:MM:SS`, `HH:MM`, decimal hours `1.5`/`1,5` (or the unit above), ISO-8601
`PT1H30M`. With start and duration but no end, the end is start + duration;
with start and end but no duration, the duration is their difference.

Rows without an `id` column get a stable id from their content (and how many
identical rows came before it in the file), so uploading the same file twice
creates nothing.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from server.core.spans import span_refusal
from server.integrations.base import ExternalEntry, ExternalRef, Page, RecordError
from server.integrations.csv_read import CsvError, detect, header_of, rows
from server.integrations.values import iso_duration_seconds, parse_instant

FIELDS = (
    "email",
    "user",
    "date",
    "start",
    "endDate",
    "end",
    "duration",
    "project",
    "task",
    "description",
    "billable",
    "id",
)
DATE_FORMATS = {
    "YYYY-MM-DD": "%Y-%m-%d",
    "DD/MM/YYYY": "%d/%m/%Y",
    "MM/DD/YYYY": "%m/%d/%Y",
    "DD.MM.YYYY": "%d.%m.%Y",
}
_AUTO = ("%Y-%m-%d", "%m/%d/%Y", "%d/%m/%Y", "%d.%m.%Y", "%Y/%m/%d")
_TIME_FORMATS = ("%H:%M:%S", "%H:%M", "%I:%M:%S %p", "%I:%M %p", "%I:%M:%S%p", "%I:%M%p")
_YES = {"yes", "true", "1", "y", "ja", "oui", "sí", "si", "billable"}
_NO = {"no", "false", "0", "n", "nein", "non", "", "non-billable"}
_HMS = re.compile(r"^(\d+):([0-5]?\d)(?::([0-5]?\d))?$")
PAGE_ROWS = 500


class RowError(ValueError):
    pass


@dataclass
class Layout:
    """The mapping resolved against one file's header."""

    columns: dict[str, str]
    date_formats: tuple[str, ...]
    duration_unit: str
    zone: ZoneInfo
    occurrences: dict[str, int] = field(default_factory=dict)

    @classmethod
    def build(cls, header: list[str], mapping: dict[str, Any], options: dict[str, Any]) -> Layout:
        by_lower = {h.lower(): h for h in header}
        columns: dict[str, str] = {}
        for key in FIELDS:
            wanted = mapping.get(key)
            candidates = wanted if isinstance(wanted, list) else [wanted] if wanted else []
            for name in candidates:
                if str(name).lower() in by_lower:
                    columns[key] = by_lower[str(name).lower()]
                    break
        if "email" not in columns:
            raise CsvError(
                f"no user email column (looked for {mapping.get('email')!r}; "
                f"the file has {', '.join(header[:20])})"
            )
        if "start" not in columns and "date" not in columns:
            raise CsvError(
                "no start or date column: map `start` (and `date`) to the file's headers"
            )
        if "end" not in columns and "duration" not in columns:
            raise CsvError("no end or duration column: map `end` or `duration`")
        fmt = str(options.get("dateFormat") or "auto")
        if fmt != "auto" and fmt not in DATE_FORMATS:
            raise CsvError(f"dateFormat must be auto or one of {', '.join(DATE_FORMATS)}")
        unit = str(options.get("durationUnit") or "hours")
        if unit not in ("hours", "minutes", "seconds"):
            raise CsvError("durationUnit must be hours, minutes or seconds")
        try:
            zone = ZoneInfo(str(options.get("timezone") or "UTC"))
        except (ZoneInfoNotFoundError, ValueError):
            raise CsvError(f"unknown time zone {options.get('timezone')!r}") from None
        formats = _AUTO if fmt == "auto" else (DATE_FORMATS[fmt],)
        return cls(columns, formats, unit, zone)

    def get(self, row: dict[str, str], key: str) -> str:
        column = self.columns.get(key)
        return row.get(column, "").strip() if column else ""

    def day(self, text: str) -> date:
        for fmt in self.date_formats:
            try:
                return datetime.strptime(text, fmt).date()
            except ValueError:
                continue
        raise RowError(f"date {text!r} matches none of the accepted formats")

    def instant(self, day_text: str, value: str, fallback_day: date | None) -> datetime:
        if "T" in value or (len(value) > 10 and value[:4].isdigit() and value[4] == "-"):
            try:
                return parse_instant(value.replace(" ", "T", 1), self.zone)
            except ValueError as exc:
                raise RowError(str(exc)) from None
        day = self.day(day_text) if day_text else fallback_day
        if day is None:
            raise RowError("a time of day without a date")
        clock = _time(value) if value else time(0, 0)
        return parse_instant(datetime.combine(day, clock).isoformat(), self.zone)

    def seconds(self, text: str) -> int:
        value = text.strip()
        match = _HMS.match(value)
        if match:
            h, m, s = (int(g) if g else 0 for g in match.groups())
            return h * 3600 + m * 60 + s
        if value.upper().startswith("P"):
            try:
                return iso_duration_seconds(value)
            except ValueError as exc:
                raise RowError(str(exc)) from None
        try:
            number = float(value.replace(",", "."))
        except ValueError:
            raise RowError(f"duration {text!r} is not HH:MM:SS, hours or PT…") from None
        factor = {"hours": 3600, "minutes": 60, "seconds": 1}[self.duration_unit]
        try:
            return round(number * factor)
        except (ValueError, OverflowError):  # nan, inf
            raise RowError(f"duration {text!r} is not a number of {self.duration_unit}") from None


def _time(text: str) -> time:
    for fmt in _TIME_FORMATS:
        try:
            return datetime.strptime(text.upper(), fmt).time()
        except ValueError:
            continue
    raise RowError(f"time {text!r} is not like 09:30, 09:30:00 or 9:30 AM")


def _check_span(start: datetime, end: datetime, seconds: int | None) -> None:
    refused = span_refusal(start, end, seconds)
    if refused is not None:
        raise RowError(refused)


def _billable(text: str) -> bool | None:
    value = text.strip().lower()
    if value in _YES:
        return True
    if value in _NO:
        return False if value else None
    raise RowError(f"billable {text!r} is not yes/no")


def parse_row(layout: Layout, row: dict[str, str]) -> ExternalEntry:
    email = layout.get(row, "email").lower()
    if "@" not in email:
        raise RowError(f"user email {email!r} is not an email address")
    day_text = layout.get(row, "date")
    start = layout.instant(day_text, layout.get(row, "start"), None)
    end_text = layout.get(row, "end")
    duration_text = layout.get(row, "duration")
    end: datetime | None = None
    if end_text:
        end = layout.instant(layout.get(row, "endDate"), end_text, start.date())
        if end < start and not layout.get(row, "endDate"):
            end += timedelta(days=1)  # ends after midnight
    seconds = layout.seconds(duration_text) if duration_text else None
    if end is None:
        if seconds is None:
            raise RowError("neither an end nor a duration")
        _check_span(start, start, seconds)  # before adding it: a huge one overflows
        end = start + timedelta(seconds=seconds)
    _check_span(start, end, seconds)
    if seconds is None:
        seconds = int((end - start).total_seconds())
    project = layout.get(row, "project")
    task = layout.get(row, "task")
    billable_text = layout.get(row, "billable")
    entry = ExternalEntry(
        external_id="",
        user=ExternalRef(email, layout.get(row, "user") or None, email),
        start=start,
        end=end,
        duration_seconds=seconds,
        project=ExternalRef(project, project) if project else None,
        task=ExternalRef(task, task) if task else None,
        description=layout.get(row, "description") or None,
        billable=_billable(billable_text) if billable_text else None,
    )
    external_id = layout.get(row, "id")
    if not external_id:
        content = hashlib.sha256(entry.fingerprint().encode()).hexdigest()[:32]
        nth = layout.occurrences.get(content, 0)
        layout.occurrences[content] = nth + 1
        external_id = f"row:{content}:{nth}"
    return ExternalEntry(**{**_fields(entry), "external_id": external_id[:255]})


def _fields(entry: ExternalEntry) -> dict[str, Any]:
    return {name: getattr(entry, name) for name in entry.__slots__}


def read_pages(path: Path, mapping: dict[str, Any], options: dict[str, Any]) -> Iterator[Page]:
    """Pages of up to PAGE_ROWS rows; a bad row is an error naming its line."""
    dialect = detect(path)
    layout = Layout.build(header_of(path, dialect), mapping, options)
    page = Page()
    for line, row, problem in rows(path, dialect):
        try:
            if row is None:
                raise RowError(problem)
            page.entries.append(parse_row(layout, row))
        except RowError as exc:
            page.errors.append(RecordError(f"line:{line}", f"line {line}: {exc}"))
        if len(page.entries) + len(page.errors) >= PAGE_ROWS:
            yield page
            page = Page()
    if page.entries or page.errors:
        yield page
