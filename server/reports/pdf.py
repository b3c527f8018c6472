"""The timesheet as a PDF to send to a customer (fpdf2, docs/reports.md).

A header with the organization, the period and the grouping; per group a
table of entries and a subtotal (hours, billable hours, amount per currency);
totals per currency at the end; page numbers in the footer. Rows arrive in
group order (`billing.billed_rows`), so only one group is held at a time.

Text is drawn with DejaVu Sans when the system has it (Debian/Ubuntu
`fonts-dejavu-core`, installed in the server image), which covers Latin,
Greek, Cyrillic, Hebrew, Arabic and many symbols; otherwise with the PDF core
font Helvetica (Latin-1). Names and descriptions are members' free text, so
every string goes through `printable` first: a character the font has no glyph
for (CJK with DejaVu, anything outside Latin-1 with Helvetica, most emoji)
prints as "?" rather than vanishing without a trace, tabs become spaces, and
control, format and unknown combining characters are left out. No text can
fail the export, and none is read as fpdf2 markup: the page count's alias is
`_PAGES`, which holds a control character, so no printable text contains it
(fpdf2's default `{nb}` would turn a description "{nb}" into the page count).
There is no text shaping (it needs HarfBuzz): right-to-left scripts print in
the order they were typed, Arabic letters unjoined.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Container
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from server.analytics.money import Money
from server.reports.billing import HEADER, Row

_FONT_DIRS = (
    "/usr/share/fonts/truetype/dejavu",
    "/usr/share/fonts/dejavu",
    "/usr/share/fonts/TTF",
    "/Library/Fonts",
)
_COLUMNS = (
    "Date",
    "Person",
    "Project / task",
    "Description",
    "Hours",
    "Billable",
    "Rate",
    "Amount",
)
_WIDTHS = (22, 38, 52, 83, 16, 16, 20, 30)  # landscape A4: 277 mm between margins
_ALIGN = ("LEFT", "LEFT", "LEFT", "LEFT", "RIGHT", "CENTER", "RIGHT", "RIGHT")
_AT = {name: i for i, name in enumerate(HEADER)}
GROUP_TITLES = {
    "user": "person",
    "project": "project",
    "customer": "customer",
    "activity": "activity",
}


def _font_files() -> tuple[Path, Path] | None:
    for folder in _FONT_DIRS:
        regular, bold = Path(folder, "DejaVuSans.ttf"), Path(folder, "DejaVuSans-Bold.ttf")
        if regular.is_file() and bold.is_file():
            return regular, bold
    return None


# fpdf2 replaces its page-count alias wherever it occurs in drawn text; this
# one starts with a control character, which `printable` never lets through.
# Three characters: fpdf2 reserves the width of "000" for the number.
_PAGES = "\x1dnb"
_SPACES = {"\t": " ", "\r": "", "\n": " "}
# Categories left out when the font cannot draw them: controls, format
# characters (zero-width joiners, bidi marks), surrogates and combining marks
# (variation selectors, accents: the base character still prints).
_INVISIBLE = ("Cc", "Cf", "Cs", "Mn", "Me")
_LATIN_1 = range(0x100)


def printable(text: str, drawable: Container[int], *, lines: bool = False) -> str:
    """`text` as the font can draw it (see the module's docstring); line
    breaks are kept when `lines` (a table cell), else they become spaces."""
    if text.isascii() and text.isprintable():
        return text
    out = []
    for ch in text:
        category = unicodedata.category(ch)
        if ch == "\n" and lines:
            out.append(ch)
        elif ch in _SPACES:
            out.append(_SPACES[ch])
        elif category != "Cc" and ord(ch) in drawable:
            out.append(ch)
        elif category == "Zs":
            out.append(" ")
        elif category not in _INVISIBLE:
            out.append("?")
    return "".join(out)


def _glyphs(font: Any) -> set[int]:
    """The code points a TrueType font has a glyph for."""
    return set(font.cmap)


def hours(seconds: int) -> str:
    return f"{Decimal(seconds) / 3600:,.2f}"


def money_text(amounts: dict[str, Decimal]) -> str:
    return ", ".join(f"{cur} {value:,.2f}" for cur, value in amounts.items()) or "-"


class _Tally:
    def __init__(self) -> None:
        self.seconds = 0
        self.billable = 0
        self.money = Money()
        self.rows = 0

    def add(self, row: Row) -> None:
        self.seconds += row.seconds
        self.billable += row.billable_seconds
        self.money.add(row.currency, row.rate, row.billable_seconds)
        self.rows += 1


class PdfTimesheet:
    def __init__(
        self,
        path: str,
        *,
        organization: str,
        first: date,
        last: date,
        scope: str,
        group: str | None,
        generated: datetime,
    ) -> None:
        from fpdf import FPDF

        self._path = path
        self._group = group
        fonts = _font_files()
        self._drawable: Container[int] = _LATIN_1
        title = f"Timesheet {first.isoformat()} to {last.isoformat()}"
        footer_font = "DejaVu" if fonts else "Helvetica"
        text = self._text

        class _Doc(FPDF):
            def footer(self) -> None:
                self.set_y(-12)
                self.set_font(footer_font, size=7)
                self.set_text_color(110)
                note = text(f"{organization} - {title} - page {self.page_no()}/")
                self.cell(0, 6, note + _PAGES, align="C")

        pdf = _Doc(orientation="L", unit="mm", format="A4")
        pdf.alias_nb_pages(_PAGES)
        pdf.set_auto_page_break(auto=True, margin=15)
        pdf.set_title(title)
        pdf.set_author(organization)
        pdf.set_creator("Hubnity")
        if fonts:
            pdf.add_font("DejaVu", "", str(fonts[0]))
            pdf.add_font("DejaVu", "B", str(fonts[1]))
            self._drawable = _glyphs(pdf.fonts["dejavu"]) & _glyphs(pdf.fonts["dejavuB"])
        self._family = "DejaVu" if fonts else "Helvetica"
        pdf.add_page()
        pdf.set_font(self._family, "B", 16)
        pdf.cell(0, 9, text(organization), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(self._family, "B", 12)
        pdf.cell(0, 7, text(title), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(self._family, "", 9)
        lines = [f"Period: {first.isoformat()} to {last.isoformat()} (each person's local dates)"]
        lines.append(f"People: {scope}")
        if group:
            lines.append(f"Grouped by {GROUP_TITLES.get(group, group)}")
        lines.append(f"Generated {generated.strftime('%Y-%m-%d %H:%M')} UTC")
        for line in lines:
            pdf.cell(0, 5, text(line), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(3)
        self._pdf = pdf
        self._total = _Tally()
        self._current: tuple[Any, str] | None = None
        self._pending: list[Row] = []

    def _text(self, value: Any, *, lines: bool = False) -> str:
        return printable("" if value is None else str(value), self._drawable, lines=lines)

    def row(self, row: Row) -> None:
        key = (row.group_id, row.group)
        if self._current is not None and key != self._current:
            self._flush()
        self._current = key
        self._pending.append(row)

    def _cells(self, row: Row) -> list[str]:
        v = row.values
        project = " / ".join(str(x) for x in (v[_AT["Project"]], v[_AT["Task"]]) if x)
        rate = v[_AT["Rate"]]
        amount = v[_AT["Amount"]]
        return [
            v[_AT["Date"]].isoformat(),
            v[_AT["Person"]],
            project or "-",
            v[_AT["Description"]] or "",
            hours(row.seconds),
            v[_AT["Billable"]],
            f"{rate:,.2f}" if rate is not None else "",
            f"{v[_AT['Currency']]} {amount:,.2f}" if amount is not None else "",
        ]

    def _table(self, rows: list[list[str]]) -> None:
        """The entries, the last row (the subtotal) in bold."""
        from fpdf.fonts import FontFace

        pdf = self._pdf
        pdf.set_font(self._family, "", 8)
        bold = FontFace(family=self._family, emphasis="BOLD")
        heading = FontFace(family=self._family, emphasis="BOLD", fill_color=(230, 236, 245))
        with pdf.table(
            col_widths=_WIDTHS, text_align=_ALIGN, line_height=4.2, headings_style=heading
        ) as table:
            table.row([self._text(c) for c in _COLUMNS])
            for i, cells in enumerate(rows):
                style = bold if i == len(rows) - 1 else None
                table.row([self._text(c, lines=True) for c in cells], style=style)

    def _flush(self) -> None:
        if not self._pending:
            return
        tally = _Tally()
        for r in self._pending:
            tally.add(r)
            self._total.add(r)
        pdf = self._pdf
        if self._group and self._current is not None:
            pdf.set_font(self._family, "B", 11)
            pdf.cell(0, 7, self._text(self._current[1]), new_x="LMARGIN", new_y="NEXT")
        subtotal = [
            "",
            "",
            "",
            "Subtotal" if self._group else "Total",
            hours(tally.seconds),
            hours(tally.billable),
            "",
            money_text(tally.money.totals()),
        ]
        self._table([*(self._cells(r) for r in self._pending), subtotal])
        pdf.ln(3)
        self._pending = []

    def close(self) -> int:
        self._flush()
        pdf, t = self._pdf, self._total
        if self._group:
            pdf.set_font(self._family, "B", 11)
            pdf.cell(0, 7, "Totals", new_x="LMARGIN", new_y="NEXT")
            pdf.set_font(self._family, "", 9)
            lines = [
                f"Entries: {t.rows}",
                f"Hours: {hours(t.seconds)}",
                f"Billable hours: {hours(t.billable)}",
            ]
            for cur, value in t.money.totals().items():
                lines.append(f"Amount {cur}: {value:,.2f}")
            for line in lines:
                pdf.cell(0, 5, self._text(line), new_x="LMARGIN", new_y="NEXT")
        if t.rows == 0:
            pdf.set_font(self._family, "", 10)
            pdf.cell(0, 7, "No time was recorded in this period.", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2)
        pdf.set_font(self._family, "", 7)
        pdf.multi_cell(
            0,
            4,
            "Amounts are billable hours x the effective hourly rate (task, else project, else "
            "customer), per currency; a total is rounded to cents once, so it may differ by a "
            "cent from the sum of the rounded lines.",
        )
        pdf.output(self._path)
        return t.rows
