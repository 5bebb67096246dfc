"""A province's dashboard ranks its communes: below target first, then too few answers,
then met; each commune counts its whole subtree; the API and the CLI give the same list."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from feedback.extensions import db
from feedback.models import Unit
from feedback.org import unit_by_code
from feedback.reports import services
from feedback.reports.periods import parse_period


def _days() -> tuple[str, str]:
    """Yesterday and today (local), so answers a few minutes old are inside the period
    even just after midnight on the 1st."""
    today = datetime.now(UTC).astimezone(ZoneInfo("Asia/Ho_Chi_Minh")).date()
    return (today - timedelta(days=1)).isoformat(), today.isoformat()


@pytest.fixture
def ranked(world, respond, add_unit):
    """Under Tỉnh A: Hoằng Ngọc meets the target; Hà Tiến is below it, counting a hamlet
    below it; Xã Ba has too few answers; Xã Bốn none; a closed Xã Năm none (not listed)."""
    respond(world.full_counter.id, {"TC2": 5}, times=30)
    respond(world.sibling_counter.id, {"TC2": 5}, times=15, questionnaire="short")
    respond(world.sibling_counter.id, {"TC2": 2}, times=15, questionnaire="short")
    _, hamlet_counter = add_unit("thon-a2", "Thôn Một", "xa-a2")
    respond(hamlet_counter, {"TC2": 2}, times=5)
    _, third = add_unit("xa-a3", "Xã Ba", "tinh-a")
    respond(third, {"TC2": 5}, times=3)
    add_unit("xa-a4", "Xã Bốn", "tinh-a")
    add_unit("xa-a5", "Xã Năm", "tinh-a", active=False)
    return world


def test_dashboard_ranks_children_below_target_first(client, ranked, login) -> None:
    login(ranked.viewer)
    first, last = _days()
    html = client.get(f"/staff/dashboard?unit=tinh-a&from={first}&to={last}").get_data(
        as_text=True)
    card = html[html.index("Xếp hạng các xã"):]
    card = card[:card.index("</section>")]
    names = re.findall(r'<a href="[^"]*">([^<]+)</a>', card)
    assert names == ["Xã Hà Tiến", "Xã Ba", "Xã Hoằng Ngọc", "Xã Bốn"]
    # Each name opens that unit's dashboard for the same period.
    assert (f'href="/staff/dashboard?unit=xa-a2&amp;from={first}&amp;to={last}"') in card
    assert "Xã Năm" not in card
    rows = re.findall(r'<tr class="st-(\w+)">', card)
    assert rows == ["below", "insufficient", "met", "empty"]
    # Hà Tiến: 15 of 35 satisfied (its hamlet's 5 included), n = 35.
    assert "42,86%" in card and ">35<" in card


def test_api_and_cli_give_the_same_ranking(client, runner, ranked, login) -> None:
    login(ranked.viewer)
    first, last = _days()
    api = client.get(f"/api/v1/satisfaction?unit=tinh-a&from={first}&to={last}").get_json()
    children = api["children"]
    assert [c["code"] for c in children] == ["xa-a2", "xa-a3", "xa-a1", "xa-a4"]
    assert [c["status"] for c in children] == ["below", "insufficient", "met", "empty"]
    ha_tien = children[0]
    assert ha_tien["name"] == "Xã Hà Tiến" and ha_tien["n"] == 35
    assert ha_tien["responses"] == 35 and ha_tien["value"] == round(100 * 15 / 35, 2)
    assert ha_tien["ci95"][0] < ha_tien["value"] < ha_tien["ci95"][1]
    assert children[3]["n"] == 0 and children[3]["value"] is None
    # The children add up to the province (it has no counters of its own).
    assert sum(c["responses"] for c in children) == api["responses"] == 68

    cli = runner.invoke(args=["stats", "satisfaction", "--unit", "tinh-a", "--from", first,
                              "--to", last, "--json"])
    assert cli.exit_code == 0, cli.output
    assert json.loads(cli.output)["children"] == children


def test_a_commune_has_no_ranking(client, ranked, login) -> None:
    login(ranked.leader)
    first, last = _days()
    api = client.get(f"/api/v1/satisfaction?unit=xa-a1&from={first}&to={last}").get_json()
    assert api["children"] == []
    html = client.get(f"/staff/dashboard?from={first}&to={last}").get_data(as_text=True)
    assert "Xếp hạng các xã" not in html




def test_ranking_costs_the_same_queries_for_any_number_of_children(
        app, ranked, add_unit, statements) -> None:
    """Grouped in SQL through one recursive CTE: no query per commune."""
    first, last = _days()

    def run() -> int:
        with app.app_context():
            period = parse_period(first, last, services.today().date())
            before = len(statements)
            result = services.satisfaction(unit_by_code("tinh-a"), period)
            assert result.children
            return len(statements) - before

    run()  # the first look folds the closed days into the aggregate
    before = len([s for s in statements if "child_tree" in s])
    with_four = run()
    for i in range(6):
        add_unit(f"xa-extra{i}", f"Xã Thêm {i}", "tinh-a")
    assert run() == with_four
    child_queries = [s for s in statements if "child_tree" in s]
    # Per run: one query maps every unit of the province to its commune.
    assert len(child_queries) - before == 2


def test_inactive_child_with_answers_stays_in_the_ranking(app, client, ranked, login) -> None:
    with app.app_context():
        db.session.get(Unit, ranked.sibling.id).active = False
        db.session.commit()
    login(ranked.viewer)
    first, last = _days()
    api = client.get(f"/api/v1/satisfaction?unit=tinh-a&from={first}&to={last}").get_json()
    assert "xa-a2" in [c["code"] for c in api["children"]]
