"""The responses export: one row per response, one column per item, written while it is
read.

Pure module: the caller hands over batches of `ExportRow` (reports.queries reads them
from the database) and gets CSV text back batch by batch, or an XLSX file written in
openpyxl's write-only mode; so an export of any size holds one batch in memory, never
the whole table. The format is an interface (other tools parse these files): columns,
headers, order and value formats are those the earlier pandas export wrote, checked
byte for byte by tests/reports/test_export_format.py.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import IO, Any, NamedTuple
from zoneinfo import ZoneInfo

from feedback import sipas

ITEM_COLUMNS = [*sipas.ITEMS, *sipas.YESNO_ITEMS, sipas.OVERALL]
HEADERS = {
    "id": "Mã phiếu",
    "created_at": "Thời điểm",
    "unit": "Đơn vị",
    "counter": "Quầy",
    "procedure": "Thủ tục",
    "channel": "Kênh",
    "questionnaire": "Mẫu phiếu",
    "version": "Phiên bản",
    "age_band": "Độ tuổi",
    "respondent_type": "Đối tượng",
    "comment": "Ý kiến",
    "entered_by": "Người nhập",
}
HEADER_ROW = [*HEADERS.values(), *ITEM_COLUMNS]
SHEET = "Phiếu khảo sát"
#: A worksheet holds 1,048,576 rows, the header included: a longer export is CSV only.
XLSX_MAX_ROWS = 1_048_575
#: UTF-8 with a byte-order mark, so Excel opens Vietnamese text correctly.
BOM = "\ufeff"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

Cell = str | int | None


class ExportRow(NamedTuple):
    """One response as exported: names instead of ids, and its answers by item. A named
    tuple, not a dataclass: a million of them are built from database rows per export."""

    id: int
    created_at: datetime
    unit: str
    counter: str | None
    procedure: str | None
    channel: str
    questionnaire: str
    version: int
    age_band: str | None
    respondent_type: str | None
    comment: str | None
    entered_by: str | None
    answers: Mapping[str, int]


def defuse(value: str | None) -> str | None:
    """Spreadsheet apps run cells that start like a formula: make them plain text."""
    if value is not None and value.startswith(_FORMULA_START):
        return "'" + value
    return value


class RowWriter:
    """Turns an `ExportRow` into its cells: local time to the minute, the age band's
    words (old codes included; an unknown code as it is), text that looks like a formula
    defused, and each item's answer or None."""

    def __init__(self, tz: str, age_labels: Mapping[str, str] | None = None) -> None:
        self.tz = ZoneInfo(tz)
        self.age_labels = age_labels or {}

    def cells(self, row: ExportRow) -> list[Cell]:
        at = row.created_at if row.created_at.tzinfo else row.created_at.replace(tzinfo=UTC)
        age = row.age_band
        return [
            row.id, at.astimezone(self.tz).strftime("%Y-%m-%d %H:%M"),
            defuse(row.unit), defuse(row.counter), defuse(row.procedure), row.channel,
            row.questionnaire, row.version,
            self.age_labels.get(age, age) if age is not None else None,
            row.respondent_type, defuse(row.comment), defuse(row.entered_by),
            *(row.answers.get(item) for item in ITEM_COLUMNS),
        ]


def csv_chunks(batches: Iterable[Sequence[ExportRow]], writer: RowWriter) -> Iterator[bytes]:
    """The CSV file as bytes, one chunk for the header and one per batch, for a streamed
    response. Quoting as Python's csv module does it (pandas used it too): only fields
    holding a comma, a quote or a line break are quoted; lines end with LF."""
    buf = io.StringIO()
    out = csv.writer(buf, lineterminator="\n")
    out.writerow(HEADER_ROW)
    yield (BOM + buf.getvalue()).encode("utf-8")
    for batch in batches:
        buf.seek(0)
        buf.truncate()
        out.writerows(writer.cells(row) for row in batch)
        yield buf.getvalue().encode("utf-8")


def write_xlsx(batches: Iterable[Sequence[ExportRow]], writer: RowWriter,
               target: IO[bytes]) -> None:
    """The XLSX file into `target`, in openpyxl's write-only mode: rows go to a temporary
    file as they come instead of a workbook of cell objects. Numbers stay numbers; the
    time is the same text as in the CSV. openpyxl is imported here: only this needs it."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet: Any = book.create_sheet(SHEET)
    sheet.append(HEADER_ROW)
    for batch in batches:
        for row in batch:
            sheet.append([_one_newline(v) for v in writer.cells(row)])
    book.save(target)


def _one_newline(value: Any) -> Any:
    """A cell's line breaks as "\n" whatever XML writer openpyxl uses: without lxml a
    carriage return came back as "\n" (the export's pinned cells); with lxml, installed
    by python-docx, it is kept as "\r"."""
    if isinstance(value, str) and "\r" in value:
        return value.replace("\r\n", "\n").replace("\r", "\n")
    return value
