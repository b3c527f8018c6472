"""Reading an uploaded CSV: encoding and delimiter detection, then rows with
their line numbers, streamed from disk (memory stays flat in the file size).

Encoding: a BOM decides (UTF-8, UTF-16 LE/BE); else UTF-8 if the first 64 KiB
decode as UTF-8; else charset-normalizer's best guess (Windows-1252 exports,
Latin-1...). Delimiter: `csv.Sniffer` among `, ; TAB |` on the same sample
(European exports use `;`). A file whose header has fewer than two columns
is not a CSV this importer can read: the run fails with that reason.
"""

from __future__ import annotations

import codecs
import csv
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from charset_normalizer import from_bytes

SAMPLE = 64 * 1024
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


class CsvError(ValueError):
    """The file as a whole cannot be read (the run fails with this reason)."""


@dataclass(frozen=True)
class Dialect:
    encoding: str
    delimiter: str


def detect(path: Path) -> Dialect:
    with path.open("rb") as fh:
        sample = fh.read(SAMPLE)
    if not sample.strip():
        raise CsvError("the file is empty")
    encoding = next((enc for bom, enc in _BOMS if sample.startswith(bom)), None)
    if encoding is None:
        try:
            sample.decode("utf-8")
            encoding = "utf-8"
        except UnicodeDecodeError as exc:
            # A multi-byte character cut by the sample's end is still UTF-8.
            if exc.start >= len(sample) - 3 and exc.reason == "unexpected end of data":
                encoding = "utf-8"
            else:
                best = from_bytes(sample).best()
                if best is None:
                    raise CsvError("the file is not text (no character encoding fits)") from None
                encoding = best.encoding
    text = sample.decode(encoding, errors="ignore")
    if "\x00" in text:
        raise CsvError("the file is not text (it holds NUL bytes)")
    lines = [ln for ln in text.splitlines() if ln.strip()][:20]
    try:
        delimiter = csv.Sniffer().sniff("\n".join(lines), delimiters=",;\t|").delimiter
    except csv.Error:
        delimiter = ","
    header = next(csv.reader(lines[:1], delimiter=delimiter), [])
    if len(header) < 2:
        raise CsvError("the file is not a CSV with a header row (found one column or none)")
    return Dialect(encoding, delimiter)


def rows(path: Path, dialect: Dialect) -> Iterator[tuple[int, dict[str, str] | None, str]]:
    """(line number, {header: value}, "") per data row, or (line, None, reason)
    for a line the CSV parser itself rejects; reading goes on after it."""
    with path.open(encoding=dialect.encoding, errors="replace", newline="") as fh:
        reader = csv.reader(fh, delimiter=dialect.delimiter)
        header = [h.strip().lstrip("\ufeff") for h in next(reader, [])]
        line = reader.line_num
        while True:
            start_line = line + 1
            try:
                values = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                line = reader.line_num
                yield start_line, None, f"not valid CSV ({exc})"
                continue
            line = reader.line_num
            if not any(v.strip() for v in values):
                continue
            if len(values) > len(header):
                yield start_line, None, f"{len(values)} fields where the header has {len(header)}"
                continue
            yield (
                start_line,
                {h: (values[i].strip() if i < len(values) else "") for i, h in enumerate(header)},
                "",
            )


def header_of(path: Path, dialect: Dialect) -> list[str]:
    with path.open(encoding=dialect.encoding, errors="replace", newline="") as fh:
        first = next(csv.reader(fh, delimiter=dialect.delimiter), [])
        return [h.strip().lstrip("\ufeff") for h in first]
