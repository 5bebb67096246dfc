"""The export's format is an interface: other tools parse these files. The expected files
in data/ were written by the pandas export (up to commit dc5717f) for the rows of
export_sample.py; the streaming export must write the same bytes (CSV) and cells (XLSX)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from export_sample import SAMPLE, TZ
from openpyxl import load_workbook

from feedback.reports import exports
from feedback.survey import catalogue

DATA = Path(__file__).parent / "data"
ROWS = [exports.ExportRow(*fields, answers=answers) for fields, answers in SAMPLE]
WRITER = exports.RowWriter(TZ, catalogue.AGE_LABELS)


def _cells(data: bytes) -> dict:
    ws = load_workbook(io.BytesIO(data)).active
    return {"sheet": ws.title,
            "rows": [[[type(c.value).__name__, c.value] for c in row] for row in ws.iter_rows()],
            "header_bold": [c.font.b for c in next(ws.iter_rows())]}


def _xlsx(batches: list[list[exports.ExportRow]]) -> bytes:
    buf = io.BytesIO()
    exports.write_xlsx(batches, WRITER, buf)
    return buf.getvalue()


@pytest.mark.parametrize("batches", [[ROWS], [ROWS[:3], [], ROWS[3:4], ROWS[4:]]],
                         ids=["one batch", "several batches"])
def test_csv_is_byte_for_byte_the_pandas_export(batches) -> None:
    data = b"".join(exports.csv_chunks(batches, WRITER))
    assert data == (DATA / "responses-sample.csv").read_bytes()


def test_an_empty_csv_is_the_header() -> None:
    data = b"".join(exports.csv_chunks([], WRITER))
    assert data == (DATA / "responses-empty.csv").read_bytes()


def test_xlsx_has_the_pandas_export_cells() -> None:
    expected = json.loads((DATA / "responses-sample.xlsx.json").read_text(encoding="utf-8"))
    assert _cells(_xlsx([ROWS[:5], ROWS[5:]])) == expected["sample"]
    assert _cells(_xlsx([])) == expected["empty"]


def test_a_naive_time_is_read_as_utc() -> None:
    """SQLite hands back naive values below the UTCDateTime type; the export never
    shifts them by the server's own zone."""
    fields, answers = SAMPLE[0]
    naive = exports.ExportRow(fields[0], fields[1].replace(tzinfo=None), *fields[2:],
                              answers=answers)
    assert WRITER.cells(naive) == WRITER.cells(ROWS[0])
