"""The responses export streams: batch after batch, complete and in order, whatever its
size; XLSX stops only at the worksheet's own row limit."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from openpyxl import load_workbook

from feedback.extensions import db
from feedback.models import Response
from feedback.reports import exports, queries


def _stored_order(app) -> list[tuple[int, dict[str, int]]]:
    """(id, answers) of every response, ordered by (created_at, id), read back apart from
    the export."""
    with app.app_context():
        rows = db.session.scalars(db.select(Response).order_by(Response.created_at,
                                                                Response.id))
        return [(r.id, {a.item: a.value for a in r.answers}) for r in rows]


def test_an_export_of_several_batches_is_complete_and_in_order(app, client, world, respond,
                                                               login, monkeypatch) -> None:
    """Batches of 3 over 12 responses: five at the very same instant (the keyset's
    tie-break on id, across batches), a paper form dated before responses stored earlier,
    and one three weeks back (the time window widens over the empty days)."""
    monkeypatch.setattr(queries, "EXPORT_BATCH", 3)
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    respond(world.full_counter.id, {"TC3": 4}, answered_at=now - timedelta(days=21))
    respond(world.full_counter.id, {"TC1": 5}, times=2, answered_at=now - timedelta(hours=2))
    for value in (1, 2, 3, 4, 5):
        respond(world.full_counter.id, {"TC2": value, "HARASS": value % 2},
                answered_at=now - timedelta(hours=1))
    respond(world.counter.id, {"CC1": 4}, times=3, questionnaire="short")
    respond(world.counter.id, {"TC4": 2}, questionnaire="short", channel="paper",
            answered_at=now - timedelta(hours=3))  # stored last, dated first
    expected = _stored_order(app)
    assert len(expected) == 12
    local = ZoneInfo(app.config["TIMEZONE"])
    period = (f"from={(now - timedelta(days=30)).astimezone(local):%Y-%m-%d}"
              f"&to={now.astimezone(local):%Y-%m-%d}")
    login(world.leader)

    resp = client.get(f"/staff/responses.csv?{period}")
    assert resp.status_code == 200 and resp.is_streamed
    assert resp.headers["Content-Disposition"].startswith('attachment; filename="phieu-')
    table = list(csv.DictReader(io.StringIO(resp.data.decode("utf-8-sig"))))
    assert [int(r["Mã phiếu"]) for r in table] == [rid for rid, _a in expected]
    for row, (_rid, answers) in zip(table, expected, strict=True):
        assert {item: int(row[item]) for item in exports.ITEM_COLUMNS if row[item]} == answers

    sheet = load_workbook(io.BytesIO(client.get(f"/staff/responses.xlsx?{period}").data)).active
    ids = [r[0] for r in sheet.iter_rows(min_row=2, values_only=True)]
    assert ids == [rid for rid, _a in expected]


def test_csv_has_no_row_cap_and_xlsx_stops_at_the_sheet_limit(client, world, submit, login,
                                                              monkeypatch) -> None:
    submit(world.counter, {"TC2": 5})
    submit(world.counter, {"TC2": 4})
    monkeypatch.setattr(exports, "XLSX_MAX_ROWS", 1)
    login(world.leader)
    resp = client.get("/staff/responses.csv")
    assert resp.status_code == 200
    assert len(resp.data.decode("utf-8-sig").splitlines()) == 3
    refused = client.get("/staff/responses.xlsx")
    assert refused.status_code == 400 and "tệp CSV" in refused.get_data(as_text=True)
