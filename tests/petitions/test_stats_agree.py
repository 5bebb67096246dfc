"""The PAKN figures agree across the CLI (`feedback stats petitions --json`), the API
(`/api/v1/petitions/stats`) and the dashboard, for the realistic mix of `petition_mix`;
and `feedback petitions list --json` prints what `/api/v1/petitions` answers."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from petition_mix import OCTOBER, PERIODS
from petition_mix import build as build_mix

from feedback.extensions import db

DASHBOARD_COUNTS = {  # data-figure on the dashboard → key of the JSON
    "pakn-carried-over": "carried_over", "pakn-received": "received",
    "pakn-not-accepted": "not_accepted", "pakn-transferred": "transferred",
    "pakn-answered-on-time": "answered_on_time", "pakn-answered-late": "answered_late",
    "pakn-open-in-time": "open_in_time", "pakn-open-overdue": "open_overdue",
    "pakn-gop-y-count": "gop_y",
}


@pytest.fixture
def mix(app: Flask, world: Any) -> dict[str, str]:
    with app.app_context():
        codes = build_mix(world).codes
        db.session.remove()
    return codes


def _figure(html: str, name: str) -> str:
    found = re.search(rf'data-figure="{name}">([^<]*)<', html)
    assert found is not None, name
    return found.group(1).strip()


def _percent(text: str) -> float | None:
    """'60,00%' (Vietnamese page) → 60.0; '—' → None."""
    if text == "—":
        return None
    return float(text.rstrip("%").replace(".", "").replace(",", "."))


def _dashboard(html: str) -> dict[str, Any]:
    """The dashboard's PAKN numbers in the JSON's terms."""
    out: dict[str, Any] = {key: int(_figure(html, name).replace(".", ""))
                           for name, key in DASHBOARD_COUNTS.items()}
    out["on_time_rate"] = _percent(_figure(html, "pakn-rate"))
    out["satisfaction"] = _percent(_figure(html, "pakn-satisfaction"))
    late = html.split('id="pakn-late"', 1)[1].split("</section>", 1)[0]
    out["late_codes"] = sorted(re.findall(r'href="/staff/petitions/([A-Z0-9]+)"', late))
    return out


def _as_dashboard(data: dict[str, Any]) -> dict[str, Any]:
    """The JSON's numbers as the dashboard shows them (percentages to two decimals)."""
    out = {key: data[key] for key in DASHBOARD_COUNTS.values()}
    rate, sat = data["on_time_rate"], data["satisfaction"]["percent"]
    out["on_time_rate"] = None if rate is None else round(rate, 2)
    out["satisfaction"] = None if sat is None else round(sat, 2)
    out["late_codes"] = sorted(item["code"] for item in data["late_items"])
    return out


@pytest.mark.parametrize(("unit", "period"), [
    ("tinh-a", "october"), ("tinh-a", "november"), ("xa-a1", "autumn"),
    ("xa-a2", "october"), ("tinh-a", "mid-october"),
])
def test_cli_api_and_dashboard_agree(client: FlaskClient, runner: Any, world: Any,
                                     login: Any, mix: dict[str, str], unit: str,
                                     period: str) -> None:
    first, last = (d.isoformat() for d in PERIODS[period])
    result = runner.invoke(args=["stats", "petitions", "--unit", unit, "--from", first,
                                 "--to", last, "--json"])
    assert result.exit_code == 0, result.output
    cli = json.loads(result.output)
    login(world.admin)
    api = client.get(f"/api/v1/petitions/stats?unit={unit}&from={first}&to={last}")
    assert api.status_code == 200
    assert api.get_json() == cli
    page = client.get(f"/staff/dashboard?unit={unit}&from={first}&to={last}")
    assert page.status_code == 200
    assert _dashboard(page.get_data(as_text=True)) == _as_dashboard(cli)
    if (unit, period) == ("tinh-a", "october"):
        assert {k: cli[k] for k in OCTOBER} == OCTOBER
        late = page.get_data(as_text=True).split('id="pakn-late"', 1)[1]
        assert "Phải xin ý kiến Sở Tư pháp." in late  # the late answer's reason


def test_the_default_period_agrees_too(client: FlaskClient, runner: Any, world: Any,
                                       login: Any, mix: dict[str, str], app: Flask) -> None:
    """This month so far (the dashboard's default): judged as of now everywhere."""
    from feedback.petitions import clock

    with app.app_context():
        today = clock.today()
    first, last = today.replace(day=1).isoformat(), today.isoformat()
    cli = json.loads(runner.invoke(args=["stats", "petitions", "--unit", "tinh-a", "--from",
                                         first, "--to", last, "--json"]).output)
    login(world.admin)
    api = client.get(f"/api/v1/petitions/stats?unit=tinh-a&from={first}&to={last}").get_json()
    assert api == cli
    page = client.get("/staff/dashboard?unit=tinh-a").get_data(as_text=True)
    assert _dashboard(page) == _as_dashboard(cli)
    assert cli["open_overdue"] >= 2  # the November leftovers are overdue by now


def test_cli_list_is_the_api_list(client: FlaskClient, runner: Any, world: Any, login: Any,
                                  mix: dict[str, str]) -> None:
    for status in (None, "archived", "answered"):
        args = ["petitions", "list", "--unit", "tinh-a", "--json"]
        query = "unit=tinh-a"
        if status:
            args += ["--status", status]
            query += f"&status={status}"
        result = runner.invoke(args=args)
        assert result.exit_code == 0, result.output
        login(world.admin)
        assert client.get(f"/api/v1/petitions?{query}").get_json() == json.loads(result.output)
    assert len(json.loads(runner.invoke(
        args=["petitions", "list", "--unit", "tinh-a", "--json"]).output)) == len(mix) - 1
