"""The CLI, the API, the dashboard and the export give the same figures on the same data,
and those figures equal DOMAIN.md's formulas."""

from __future__ import annotations

import io
import json
import re
from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest

from feedback import sipas
from feedback.extensions import db
from feedback.models import Counter
from feedback.survey import catalogue
from feedback.survey.services import NewResponse, record


@pytest.fixture
def answered(app, world):
    """The worked example's TC answers (20 respondents, TC4 blank 4 times) at one counter,
    plus 12 CC1 answers at another, spread over this month."""
    full = catalogue.current("full")
    example = {item: [v for v, n in counts.items() for _ in range(n)]
               for item, counts in {
                   "TC1": {2: 1, 3: 3, 4: 9, 5: 7},
                   "TC2": {3: 2, 4: 10, 5: 8},
                   "TC3": {1: 1, 2: 1, 3: 2, 4: 8, 5: 8},
                   "TC4": {3: 1, 4: 7, 5: 8},
               }.items()}
    now = datetime.now(UTC)
    with app.app_context():
        counter = db.session.get(Counter, world.full_counter.id)
        short_counter = db.session.get(Counter, world.counter.id)
        for i in range(20):
            answers = {item: values[i] for item, values in example.items() if i < len(values)}
            record(NewResponse(f"{i:032x}", counter.id, counter.unit_id, full, answers,
                               answered_at=now - timedelta(minutes=i)))
        short = catalogue.current("short")
        for i in range(12):
            record(NewResponse(f"{100 + i:032x}", short_counter.id, short_counter.unit_id, short,
                               {"CC1": 5 if i < 9 else 2, "HARASS": int(i == 0)},
                               comment="Rất tốt" if i == 0 else None,
                               answered_at=now - timedelta(minutes=i)))
    return world


def test_api_matches_the_formulas(client, answered, login) -> None:
    login(answered.leader)
    data = client.get(f"/api/v1/satisfaction?unit={answered.commune.code}").get_json()
    items = {f["code"]: f for f in data["items"]}
    assert items["TC1"]["value"] == 80.0 and items["TC4"]["value"] == 93.75
    assert items["TC4"]["n"] == 16
    elements = {f["code"]: f for f in data["elements"]}
    assert elements["TC"]["value"] == 85.94 and elements["TC"]["n"] == 20
    assert elements["CC"]["value"] == 75.0 and elements["CC"]["n"] == 12
    assert elements["CC"]["status"] == "insufficient"
    assert data["service"]["value"] == round((85.9375 + 75.0) / 2, 2)
    assert data["service"]["n"] == 32
    assert data["aggregation"] == "mean"
    assert {(q["code"], q["version"]) for q in data["questionnaires"]} == {("full", 1),
                                                                         ("short", 1)}
    assert data["yesno"][0]["code"] == "HARASS" and data["yesno"][0]["n"] == 12
    assert data["responses"] == 32
    assert {g["name"]: g["responses"] for g in data["by_counter"]} == {
        "Quầy 2 — Đất đai": 20, "Quầy 1 — Tư pháp": 12}


def test_pooled_mode_is_a_setting(app, client, answered, login) -> None:
    app.config["AGGREGATION"] = "pooled"
    try:
        login(answered.leader)
        data = client.get(f"/api/v1/satisfaction?unit={answered.commune.code}").get_json()
    finally:
        app.config["AGGREGATION"] = "mean"
    assert data["aggregation"] == "pooled"
    assert {f["code"]: f["value"] for f in data["elements"]}["TC"] == 85.53


def test_cli_api_dashboard_and_export_agree(app, client, runner, answered, login) -> None:
    today = datetime.now(UTC).astimezone(sipas_tz(app)).date()
    first = today.replace(day=1).isoformat()
    code = answered.commune.code
    cli = runner.invoke(args=["stats", "satisfaction", "--unit", code, "--from", first,
                              "--to", today.isoformat(), "--json"])
    assert cli.exit_code == 0, cli.output
    from_cli = json.loads(cli.output)

    login(answered.leader)
    from_api = client.get(f"/api/v1/satisfaction?unit={code}&from={first}&to={today}").get_json()
    assert from_cli == from_api

    page = client.get(f"/staff/dashboard?unit={code}&from={first}&to={today}")
    html = page.get_data(as_text=True)
    shown = re.search(r'data-figure="service">([\d,]+)%', html).group(1)  # type: ignore[union-attr]
    assert float(shown.replace(",", ".")) == from_api["service"]["value"]
    assert re.search(r'data-figure="service-n">(\d+)<', html).group(1) == "32"  # type: ignore[union-attr]

    xlsx = client.get(f"/staff/responses.xlsx?unit={code}&from={first}&to={today}")
    assert xlsx.status_code == 200
    frame = pd.read_excel(io.BytesIO(xlsx.data))
    assert len(frame) == 32
    counts: dict[str, dict[int, int]] = {}
    for item in sipas.ITEMS:
        if item in frame:
            counts[item] = {int(v): int(n) for v, n in frame[item].dropna().value_counts().items()}
    assert round(sipas.service_index(counts) or 0, 2) == from_api["service"]["value"]


def sipas_tz(app):
    from zoneinfo import ZoneInfo

    return ZoneInfo(app.config["TIMEZONE"])


def test_dashboard_shows_groups_comments_and_trend(client, answered, login) -> None:
    login(answered.leader)
    html = client.get("/staff/dashboard").get_data(as_text=True)
    assert "Quầy 2 — Đất đai" in html and "Quầy 1 — Tư pháp" in html
    assert "Rất tốt" in html
    assert "Chưa đủ câu trả lời" in html  # n = 12 < 30
    png = client.get(f"/staff/charts/trend.png?unit={answered.commune.code}")
    assert png.status_code == 200 and png.data.startswith(b"\x89PNG")


def test_csv_export_is_utf8_and_defuses_formulas(app, client, world, login) -> None:
    with app.app_context():
        counter = db.session.get(Counter, world.counter.id)
        record(NewResponse("f" * 32, counter.id, counter.unit_id, catalogue.current("short"),
                           {"TC2": 5},
                           comment="=HYPERLINK(\"http://x\")"))
    login(world.leader)
    resp = client.get("/staff/responses.csv")
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    text = resp.data.decode("utf-8-sig")
    assert "Ý kiến" in text and "'=HYPERLINK" in text


def test_responses_list_filters(app, client, answered, login) -> None:
    login(answered.leader)
    html = client.get(f"/staff/responses?counter={answered.counter.id}").get_data(as_text=True)
    assert "12 phiếu" in html
    html = client.get("/staff/responses?channel=paper").get_data(as_text=True)
    assert "0 phiếu" in html
    html = client.get("/staff/responses?from=2026-99-01").get_data(as_text=True)
    assert "Ngày không hợp lệ" in html


def test_parent_unit_aggregates_children(client, answered, login) -> None:
    login(answered.viewer)
    data = client.get(f"/api/v1/satisfaction?unit={answered.province.code}").get_json()
    assert data["responses"] == 32
    assert {g["name"]: g["responses"] for g in data["by_counter"]} == {
        "Xã Hoằng Ngọc — Quầy 2 — Đất đai": 20, "Xã Hoằng Ngọc — Quầy 1 — Tư pháp": 12}
