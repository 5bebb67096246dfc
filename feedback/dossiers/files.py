"""The rows of a TTHC system's export, streamed: a year of a province is 100,000 rows and
more, so neither the file nor its rows are ever held whole (the lists' parser,
`admin.imports.read_table`, reads an upload of at most 20,000 rows into memory; this one
reads any size in bounded memory).

CSV: UTF-8 with or without a byte-order mark, `,` or `;` separated (Excel in a Vietnamese
locale writes `;`). XLSX: the first sheet through openpyxl's read-only mode, each cell as
Excel holds it (a date cell is a datetime, a number a float). Told apart by content, not
by name. A problem that stops the file from being read at all is a `FileRefused` naming
the line where reading stopped.

Pure: no Flask, no database.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import IO

#: A real export has a dozen or two columns; a far-away stray cell must not make read-only
#: openpyxl fill in sixteen thousand empty ones per row.
MAX_COLUMNS = 100

_XLSX_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # the old binary .xls

Cell = object
Record = tuple[int, list[Cell]]


class FileRefused(ValueError):
    """The file cannot be read. `key` names the message (the import parser's keys:
    not_utf8, old_excel, bad_xlsx, not_text, quoting; and cannot_read), `line` where the
    reading stopped (0: the file as a whole)."""

    def __init__(self, key: str, line: int = 0, reason: str = "") -> None:
        super().__init__(key)
        self.key, self.line, self.reason = key, line, reason


def records(path: str) -> Iterator[Record]:
    """(line or sheet row number, cells) for every non-blank row, header first."""
    try:
        with open(path, "rb") as handle:
            magic = handle.read(4)
    except OSError as exc:
        raise FileRefused("cannot_read", reason=exc.strerror or str(exc)) from exc
    if magic == _OLE_MAGIC:
        raise FileRefused("old_excel")
    if magic == _XLSX_MAGIC:
        yield from _xlsx_records(path)
    else:
        yield from _csv_records(path)


def _csv_records(path: str) -> Iterator[Record]:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        try:
            delimiter = _delimiter(handle)
            yield from _csv_rows(handle, delimiter)
        except UnicodeDecodeError:
            raise FileRefused("not_utf8") from None


def _delimiter(handle: IO[str]) -> str:
    """`;` when the first non-blank line has more of them than commas; the file is read
    from the start again afterwards."""
    first = ""
    for line in handle:
        if line.strip():
            first = line
            break
    handle.seek(0)
    if handle.read(1) != "\ufeff":  # utf-8-sig skips the mark only on the first read
        handle.seek(0)
    return ";" if first.count(";") > first.count(",") else ","


def _csv_rows(handle: IO[str], delimiter: str) -> Iterator[Record]:
    reader = csv.reader(handle, delimiter=delimiter, strict=True)
    line = 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error:
            raise FileRefused("quoting", line) from None
        if any("\x00" in c for c in cells):
            raise FileRefused("not_text", line)
        if any(c.strip() for c in cells):
            yield line, list(cells)
        line = reader.line_num + 1


def _xlsx_records(path: str) -> Iterator[Record]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception:  # a broken zip, broken XML, not a workbook at all
        raise FileRefused("bad_xlsx") from None
    number = 0
    try:
        if not book.worksheets:
            return
        rows = book.worksheets[0].iter_rows(values_only=True, max_col=MAX_COLUMNS)
        while True:
            try:
                row = next(rows)
            except StopIteration:
                return
            except Exception:  # a sheet's XML can be broken as well
                raise FileRefused("bad_xlsx", number + 1) from None
            number += 1
            cells = list(row)
            if any(c is not None and str(c).strip() for c in cells):
                yield number, cells
    finally:
        book.close()
