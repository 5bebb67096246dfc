"""The export's format is an interface: other tools parse these files. The expected files
in data/ were written by the pandas export for the rows of export_sample.py."""

from __future__ import annotations

import io
import json
from pathlib import Path

from export_sample import SAMPLE, TZ
from openpyxl import load_workbook

from feedback.reports import frames
from feedback.reports.queries import ExportRow
from feedback.survey import catalogue

DATA = Path(__file__).parent / "data"


def _cells(data: bytes) -> dict:
    ws = load_workbook(io.BytesIO(data)).active
    return {"sheet": ws.title,
            "rows": [[[type(c.value).__name__, c.value] for c in row] for row in ws.iter_rows()],
            "header_bold": [c.font.b for c in next(ws.iter_rows())]}


def test_the_expected_files_are_the_pandas_export() -> None:
    rows = [ExportRow(*fields) for fields, _answers in SAMPLE]
    answers = [(fields[0], item, value) for fields, a in SAMPLE for item, value in a.items()]
    frame = frames.responses_frame(rows, answers, TZ, age_labels=catalogue.AGE_LABELS)
    empty = frames.responses_frame([], [], TZ, age_labels=catalogue.AGE_LABELS)
    assert frames.to_csv(frame) == (DATA / "responses-sample.csv").read_bytes()
    assert frames.to_csv(empty) == (DATA / "responses-empty.csv").read_bytes()
    expected = json.loads((DATA / "responses-sample.xlsx.json").read_text(encoding="utf-8"))
    assert _cells(frames.to_xlsx(frame)) == expected["sample"]
    assert _cells(frames.to_xlsx(empty)) == expected["empty"]
