"""What commands print: a rich table for people, the API's JSON objects for
scripts (`--json`, on stdout only), nothing but the essentials with `--quiet`.
Progress and notes go to stderr so they never pollute a piped stdout."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

_NUMERIC = {
    "tracked",
    "active",
    "activity",
    "duration",
    "hours",
    "billable",
    "budget",
    "remaining",
    "used",
    "estimate",
    "manual",
    "fetched",
    "created",
    "updated",
    "unchanged",
    "deleted",
    "skipped",
    "conflicts",
    "failed",
}


def duration(seconds: float | int | None) -> str:
    """`2h 05m`, `42m 10s`, `35s`; tables only (JSON keeps seconds)."""
    if seconds is None:
        return "-"
    total = round(seconds)
    sign = "-" if total < 0 else ""
    total = abs(total)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{sign}{hours}h {minutes:02d}m"
    if minutes:
        return f"{sign}{minutes}m {secs:02d}s"
    return f"{sign}{secs}s"


def percent(value: float | int | None) -> str:
    return "-" if value is None else f"{value:.1f}%"


def _console(stderr: bool) -> Console:
    stream = sys.stderr if stderr else sys.stdout
    # A pipe gets a wide, plain table rather than one squeezed to 80 columns.
    width = None if stream.isatty() else 200
    return Console(file=stream, width=width, highlight=False, soft_wrap=False)


@dataclass
class Output:
    json_mode: bool = False
    quiet: bool = False
    _out: Console = field(default_factory=lambda: _console(False))
    _err: Console = field(default_factory=lambda: _console(True))

    def result(
        self,
        data: Any,
        render: Callable[[], None] | None = None,
        quiet: str | None = None,
    ) -> None:
        """The command's answer: `data` as JSON, else `render()` (a table or a
        line), else with --quiet only `quiet` (an id a script may need)."""
        if self.json_mode:
            sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
            sys.stdout.flush()
        elif self.quiet:
            if quiet:
                self._out.print(quiet, markup=False)
        elif render is not None:
            render()

    def table(
        self, columns: Sequence[str], rows: Sequence[Sequence[Any]], title: str | None = None
    ) -> None:
        if not rows:
            self._out.print(f"{title}: nothing found." if title else "Nothing found.")
            return
        grid = Table(title=title, show_edge=False, header_style="bold")
        for name in columns:
            numeric = name.lower() in _NUMERIC
            grid.add_column(name, justify="right" if numeric else "left", overflow="fold")
        for row in rows:
            grid.add_row(*("-" if cell is None else str(cell) for cell in row))
        self._out.print(grid)

    def line(self, text: str) -> None:
        """A human sentence on stdout (not with --json or --quiet)."""
        if not self.json_mode and not self.quiet:
            self._out.print(text, markup=False, highlight=False)

    def note(self, text: str) -> None:
        """A remark on stderr (silenced by --quiet)."""
        if not self.quiet:
            self._err.print(text, markup=False, highlight=False)

    @contextmanager
    def progress(self, label: str, total: float | None = None) -> Iterator[Callable[..., None]]:
        """A bar (or a spinner without a total) on stderr; yields
        `update(completed=None, total=None, status=None)`."""
        if self.quiet:
            yield lambda **_: None
            return
        bar = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.fields[status]}"),
            TimeElapsedColumn(),
            console=self._err,
            transient=False,
        )
        with bar:
            task = bar.add_task(label, total=total, status="")

            def update(
                completed: float | None = None,
                total: float | None = None,
                status: str | None = None,
            ) -> None:
                changes: dict[str, Any] = {}
                if total is not None:
                    changes["total"] = total
                if completed is not None:
                    changes["completed"] = completed
                if status is not None:
                    changes["status"] = status
                bar.update(task, **changes)

            yield update
