"""One parser for the unit and procedure lists, used by the CLI and the browser alike.

`read_table` turns the uploaded bytes (UTF-8 CSV with or without a BOM, or the first sheet
of an XLSX) into rows with their line numbers, and `check_cells` checks every value against
its column's database length; `feedback.admin.import_plans` then checks the rows against
the tree rules and says what would change. Every problem found is reported (line, column,
message), and a file with any problem is refused whole: an office fixes its spreadsheet
once instead of discovering one error per attempt.

Lengths come from the models' `String(n)` columns and are checked here, before the
database sees a value, so SQLite (which stores anything) and PostgreSQL (which refuses)
answer the same way.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from feedback.admin.unit_rules import MESSAGES as RULE_MESSAGES
from feedback.msgid import N_
from feedback.text_rules import has_control

#: Bigger files belong to the CLI in pieces; the cap keeps a request's memory bounded.
MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 20_000
MAX_COLUMNS = 50  # the lists have 4 columns; extra ones are ignored anyway
MAX_SHEET_ROWS = MAX_ROWS + 1_000  # blank rows between data rows are allowed, not a million

UNIT_COLUMNS = ("code", "name", "parent_code", "kind")
UNIT_REQUIRED = ("code", "name")
PROCEDURE_COLUMNS = ("unit_code", "code", "name", "field")
PROCEDURE_REQUIRED = ("unit_code", "code", "name")

_XLSX_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # the old binary .xls

#: key → (Vietnamese for the pages, English for the CLI).
MESSAGES: dict[str, tuple[str, str]] = {
    **RULE_MESSAGES,
    "not_utf8": (N_("Tệp không phải CSV UTF-8 (có lẽ được lưu theo bảng mã Windows). "
                    "Lưu lại dưới dạng CSV UTF-8 (Excel: Lưu thành › CSV UTF-8) rồi tải lên "
                    "lại."),
                 "the file is not UTF-8 (probably a Windows code page); save it as "
                 "CSV UTF-8 and try again"),
    "old_excel": (N_("Tệp Excel .xls cũ không đọc được. Lưu lại dưới dạng .xlsx hoặc CSV "
                     "UTF-8."),
                  "old .xls files are not read; save it as .xlsx or CSV UTF-8"),
    "bad_xlsx": (N_("Không đọc được tệp Excel này. Lưu lại dưới dạng .xlsx hoặc CSV UTF-8."),
                 "this Excel file cannot be read; save it as .xlsx or CSV UTF-8"),
    "not_text": (N_("Tệp chứa ký tự không phải văn bản. Xin tải lên tệp CSV UTF-8 hoặc "
                    ".xlsx."),
                 "the file contains binary data; upload a CSV UTF-8 or .xlsx file"),
    "too_big": (N_("Tệp lớn hơn %(limit)s MB. Xin chia thành nhiều tệp nhỏ hơn."),
                "the file is larger than %(limit)s MB; split it into smaller files"),
    "too_many_rows": (N_("Tệp có hơn %(limit)d dòng dữ liệu. Xin chia thành nhiều tệp nhỏ "
                         "hơn."),
                      "the file has more than %(limit)d data rows; split it"),
    "empty_file": (N_("Tệp trống: không có dòng tiêu đề. Dòng đầu tiên phải là tên các cột: "
                      "%(expected)s."),
                   "the file is empty; the first line must name the columns: %(expected)s"),
    "header_only": (N_("Tệp chỉ có dòng tiêu đề, không có dòng dữ liệu nào."),
                    "the file has a header but no data rows"),
    "missing_column": (N_("Thiếu cột bắt buộc “%(column)s” (cần các cột: %(expected)s)."),
                       "missing column %(column)s; expected %(expected)s"),
    "duplicate_column": (N_("Cột “%(column)s” xuất hiện hai lần."),
                         "column %(column)s appears twice"),
    "quoting": (N_("Dấu ngoặc kép (\") không khớp: một ô mở ngoặc mà không đóng, hoặc có "
                   "chữ ngay sau dấu đóng ngoặc."),
                "unbalanced quotes: a cell opens a quote it does not close, or text follows "
                "a closing quote"),
    "empty_value": (N_("Ô “%(column)s” bắt buộc nhưng đang trống."),
                    "empty %(column)s"),
    "control_chars": (N_("Ô “%(column)s” có dấu xuống dòng hoặc ký tự không in được (tab, "
                         "NUL…). Xin gõ lại nội dung ô trên một dòng."),
                      "%(column)s contains a line break or a control character"),
    "too_long": (N_("Dài %(length)d ký tự, quá giới hạn %(limit)d ký tự của cột "
                    "“%(column)s”."),
                 "%(length)d characters, longer than the %(limit)d allowed for %(column)s"),
    "huge_cell": (N_("Một ô dài hơn %(limit)d ký tự, quá mọi giới hạn của các cột."),
                  "a cell is longer than %(limit)d characters, more than any column allows"),
    "bad_code": (N_("Mã đơn vị “%(code)s” không hợp lệ: chỉ gồm chữ thường không dấu a-z, "
                    "số 0-9 và dấu gạch ngang, bắt đầu bằng chữ hoặc số."),
                 "invalid unit code %(code)r: a code is 1-40 of a-z, 0-9 and '-', starting "
                 "with a letter or digit"),
    "duplicate_code": (N_("Mã %(code)s lặp lại: đã có ở dòng %(first)d."),
                       "duplicate code %(code)s (first on line %(first)d)"),
    "unknown_parent": (N_("Không có đơn vị nào mang mã %(parent)s (đơn vị cấp trên)."),
                       "unknown parent %(parent)s"),
    "unknown_unit": (N_("Không có đơn vị nào mang mã %(code)s trong phạm vi của ông/bà."),
                     "unknown unit %(code)s"),
    "unit_not_commune": (N_("Đơn vị %(code)s là tỉnh: thủ tục thuộc về xã/phường."),
                         "unit %(code)s is a province; procedures belong to a commune"),
}


@dataclass(frozen=True)
class Issue:
    """One problem: `line` 0 is the file as a whole, 1 the header row; `column` may be
    empty. `key` names the message in MESSAGES; `params` fill it."""

    line: int
    column: str
    key: str
    params: Mapping[str, Any] = field(default_factory=dict)

    @property
    def template(self) -> str:
        return MESSAGES[self.key][0]

    def vietnamese(self) -> str:
        return self.template % dict(self.params)

    def english(self) -> str:
        text = MESSAGES[self.key][1] % dict(self.params)
        where = [f"line {self.line}"] if self.line else []
        if self.column:
            where.append(f"column {self.column}")
        return f"{', '.join(where)}: {text}" if where else text


class ImportRefused(ValueError):
    """The file has problems; nothing was stored. `str()` lists them one per line (English,
    for the CLI); the pages show `issues` as a table."""

    def __init__(self, issues: list[Issue]) -> None:
        lines = [f"nothing stored; {len(issues)} problem(s):", *(i.english() for i in issues)]
        super().__init__("\n".join(lines))
        self.issues = issues


def read_path(path: str) -> bytes:
    """The CLI's file, size-capped like an upload (reading stops just past the cap)."""
    try:
        with open(path, "rb") as handle:
            return handle.read(MAX_BYTES + 1)
    except OSError as exc:
        raise ValueError(f"cannot read {path}: {exc.strerror or exc}") from exc


@dataclass(frozen=True)
class Table:
    """The rows of a file: (line number, values of the known columns, stripped)."""

    columns: tuple[str, ...]  # the known columns present in the header
    rows: list[tuple[int, dict[str, str]]]
    extra_columns: tuple[str, ...] = ()


def column_limit(model: Any, name: str) -> int | None:
    """The `String(n)` length of a model column, so the check follows the schema."""
    length = getattr(model.__table__.c[name].type, "length", None)
    return int(length) if length else None


# ---------------------------------------------------------------- reading the file

def read_table(content: bytes, filename: str, columns: tuple[str, ...],
               required: tuple[str, ...]) -> tuple[Table | None, list[Issue]]:
    """Rows of a CSV or XLSX file (told apart by content, not by name), or the issues that
    stop the file from being read at all. Blank rows are skipped."""
    if len(content) > MAX_BYTES:
        return None, [Issue(0, "", "too_big", {"limit": MAX_BYTES // (1024 * 1024)})]
    if content.startswith(_OLE_MAGIC):
        return None, [Issue(0, "", "old_excel")]
    if content.startswith(_XLSX_MAGIC) or filename.lower().endswith(".xlsx"):
        records, issues = _xlsx_records(content)
    else:
        records, issues = _csv_records(content)
    if records is None:
        return None, issues
    return _table(records, issues, columns, required)


def _table(records: list[tuple[int, list[str]]], issues: list[Issue],
           columns: tuple[str, ...], required: tuple[str, ...]
           ) -> tuple[Table | None, list[Issue]]:
    expected = ", ".join(columns)
    if not records:
        return None, issues or [Issue(0, "", "empty_file", {"expected": expected})]
    header_line, header = records[0]
    names = [h.strip().lstrip("\ufeff").strip().lower() for h in header]
    seen: set[str] = set()
    for name in names:
        if name in columns and name in seen:
            issues.append(Issue(header_line, name, "duplicate_column", {"column": name}))
        seen.add(name)
    for name in required:
        if name not in names:
            issues.append(Issue(header_line, name, "missing_column",
                                {"column": name, "expected": expected}))
    if issues:
        return None, issues
    index = {name: names.index(name) for name in columns if name in names}
    extra = tuple(n for n in names if n and n not in columns)
    rows = []
    for line, cells in records[1:]:
        values = {name: (cells[i].strip() if i < len(cells) else "")
                  for name, i in index.items()}
        if any(values.values()):
            rows.append((line, values))
    if not rows:
        return None, [Issue(0, "", "header_only")]
    if len(rows) > MAX_ROWS:
        return None, [Issue(0, "", "too_many_rows", {"limit": MAX_ROWS})]
    return Table(tuple(index), rows, extra), []


def _csv_records(content: bytes) -> tuple[list[tuple[int, list[str]]] | None, list[Issue]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None, [Issue(0, "", "not_utf8")]
    if "\x00" in text:
        return None, [Issue(0, "", "not_text")]
    lines = text.splitlines(keepends=True)
    first = next((ln for ln in lines if ln.strip()), "")
    # Excel in a Vietnamese locale separates with ';' (the comma is the decimal mark).
    delimiter = ";" if first.count(";") > first.count(",") else ","
    consumed = 0

    def feed() -> Iterator[str]:
        nonlocal consumed
        for ln in lines:
            consumed += 1
            yield ln

    reader = csv.reader(feed(), delimiter=delimiter, strict=True)
    records: list[tuple[int, list[str]]] = []
    width = None
    while len(records) <= MAX_ROWS + 1:
        start = consumed + 1
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            if "field larger than field limit" in str(exc):
                # The csv module's own cap (128 KiB) is far above every column's length.
                return records, [Issue(start, "", "huge_cell", {"limit": csv.field_size_limit()})]
            return records, [_quoting_issue(lines, start, records, delimiter)]
        raw = "".join(lines[start - 1:consumed])
        spans_lines = consumed > start
        if raw.count('"') % 2 or (spans_lines and width is not None and len(cells) != width):
            return records, [_quoting_issue(lines, start, records, delimiter)]
        if not any(c.strip() for c in cells):
            continue
        if width is None:
            width = len(cells)
        records.append((start, cells))
    return records, []


def _quoting_issue(lines: list[str], line: int, records: list[tuple[int, list[str]]],
                   delimiter: str) -> Issue:
    """Name the column where the quoting breaks, from the header when it is known."""
    index = _bad_quote_field(lines[line - 1] if line <= len(lines) else "", delimiter)
    column = ""
    if records and line != records[0][0]:
        header = [h.strip().lstrip("\ufeff").lower() for h in records[0][1]]
        column = header[index] if 0 <= index < len(header) else ""
    if not column and index >= 0:
        column = f"#{index + 1}"
    return Issue(line, column, "quoting")


def _bad_quote_field(line: str, delimiter: str) -> int:
    """Index of the field whose quote opens without closing, or where text follows a
    closing quote; -1 when the line alone looks fine."""
    field_index, in_quotes, closed, at_start = 0, False, False, True
    opened_at = -1
    i = 0
    while i < len(line):
        c = line[i]
        if in_quotes:
            if c == '"':
                if line[i + 1:i + 2] == '"':
                    i += 2
                    continue
                in_quotes, closed = False, True
        elif c == delimiter:
            field_index, closed, at_start = field_index + 1, False, True
        elif c in "\r\n":
            pass
        elif closed or (c == '"' and not at_start):
            return field_index
        elif c == '"':
            in_quotes, opened_at, at_start = True, field_index, False
        else:
            at_start = False
        i += 1
    return opened_at if in_quotes else -1


def _xlsx_records(content: bytes) -> tuple[list[tuple[int, list[str]]] | None, list[Issue]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # any upload: a broken zip, broken XML, not a workbook at all
        return None, [Issue(0, "", "bad_xlsx")]
    try:
        if not book.worksheets:
            return [], []
        records: list[tuple[int, list[str]]] = []
        # A sheet may claim a million rows 16,384 cells wide (one far-away cell does it),
        # and read-only openpyxl fills in every empty row: read a bounded width, and stop
        # by sheet row number, not by the number of non-empty rows.
        rows = book.worksheets[0].iter_rows(values_only=True, max_col=MAX_COLUMNS)
        for number, row in enumerate(rows, start=1):
            if number > MAX_SHEET_ROWS:
                return None, [Issue(0, "", "too_many_rows", {"limit": MAX_ROWS})]
            cells = [_cell_text(v) for v in row]
            if any(c.strip() for c in cells):
                records.append((number, cells))
            if len(records) > MAX_ROWS + 1:
                break
        return records, []
    except Exception:  # a sheet's XML can be broken as well
        return None, [Issue(0, "", "bad_xlsx")]
    finally:
        book.close()


def _cell_text(value: object) -> str:
    """A number typed as a code (e.g. 1001) comes back from Excel as 1001.0; a date and
    time cell as a datetime with the float noise of Excel's day fractions
    (04:52:59.085), read as the nearest second, `2026-12-05 04:52:59`."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return (value + timedelta(microseconds=500_000)).replace(microsecond=0).isoformat(" ")
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def check_cells(table: Table, model: Any, names: Mapping[str, str],
                 required: tuple[str, ...]) -> list[Issue]:
    """Required values present, on one line without control characters (a cell of Excel
    may hold a line break; PostgreSQL refuses a NUL), and every value within its column's
    length."""
    issues = []
    for line, values in table.rows:
        for column, value in values.items():
            if has_control(value):
                issues.append(Issue(line, column, "control_chars", {"column": column}))
                continue
            if column in required and not value:
                issues.append(Issue(line, column, "empty_value", {"column": column}))
                continue
            limit = column_limit(model, names.get(column, column))
            if limit is not None and len(value) > limit:
                issues.append(Issue(line, column, "too_long",
                                    {"length": len(value), "limit": limit, "column": column}))
    return issues
