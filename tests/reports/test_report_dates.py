"""Dates on the report pages: typed and shown day first, and a range that does not make
sense shows why and no figures at all. Old age-band codes still read as they were asked."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pandas as pd
import pytest


def _today():
    return datetime.now(UTC).astimezone(ZoneInfo("Asia/Ho_Chi_Minh")).date()


def test_inputs_show_and_read_dd_mm_yyyy(client, world, respond, login) -> None:
    respond(world.full_counter.id, {"TC2": 5}, times=2)
    login(world.leader)
    today = _today()
    first = today - timedelta(days=1)
    html = client.get(f"/staff/dashboard?from={first:%d/%m/%Y}&to={today:%d/%m/%Y}"
                      ).get_data(as_text=True)
    inputs = re.findall(r'<input type="text" name="(from|to)" value="([^"]*)"([^>]*)>', html)
    assert [(n, v) for n, v, _ in inputs] == [("from", f"{first:%d/%m/%Y}"),
                                             ("to", f"{today:%d/%m/%Y}")]
    for _, _, attrs in inputs:
        assert 'inputmode="numeric"' in attrs and 'placeholder="dd/mm/yyyy"' in attrs
        assert 'pattern="' in attrs
    assert 'type="date"' not in html
    assert re.search(r'data-figure="service-n">2<', html)
    # The ISO form (API links, bookmarks) gives the same page.
    iso = client.get(f"/staff/dashboard?from={first.isoformat()}&to={today.isoformat()}"
                     ).get_data(as_text=True)
    assert re.search(r'data-figure="service-n">2<', iso)


def test_default_period_is_shown_day_first(client, world, login) -> None:
    login(world.leader)
    html = client.get("/staff/dashboard").get_data(as_text=True)
    today = _today()
    assert f'name="from" value="01/{today:%m/%Y}"' in html
    assert f'name="to" value="{today:%d/%m/%Y}"' in html


@pytest.mark.parametrize(("query", "message"), [
    ("from=30/11/2026&to=01/11/2026", "Ngày bắt đầu (30/11/2026) phải trước ngày kết thúc"),
    ("from=31/02/2026", "Ngày không hợp lệ"),
    ("from=11-30-2026", "Ngày không hợp lệ"),
])
def test_a_bad_range_shows_the_error_and_no_figures(client, world, respond, login,
                                                    query: str, message: str) -> None:
    respond(world.full_counter.id, {"TC2": 5}, times=2, comment="Ý kiến trong tháng")
    login(world.leader)
    resp = client.get(f"/staff/dashboard?{query}")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert message in html and 'role="alert"' in html
    assert 'data-figure="service"' not in html
    assert "trend.png" not in html and "Ý kiến trong tháng" not in html
    assert 'data-figure="none"' in html
    # What was typed stays in the inputs, to be corrected.
    typed = dict(re.findall(r'name="(from|to)" value="([^"]*)"', html))
    assert typed["from"] == re.search(r"from=([^&]*)", query).group(1)  # type: ignore[union-attr]

    listing = client.get(f"/staff/responses?{query}").get_data(as_text=True)
    assert message in listing
    assert "Ý kiến trong tháng" not in listing and "responses.csv" not in listing
    for url in (f"/staff/responses.csv?{query}", f"/staff/charts/trend.png?{query}"):
        refused = client.get(url)
        assert refused.status_code == 400
        assert message in refused.get_data(as_text=True)


def test_typed_text_is_escaped_and_bounded(client, world, login) -> None:
    login(world.leader)
    html = client.get('/staff/dashboard?from="><script>x</script>' + "9" * 100
                      ).get_data(as_text=True)
    assert "<script>x" not in html
    shown = re.search(r'name="from" value="([^"]*)"', html).group(1)  # type: ignore[union-attr]
    assert shown.startswith("&#34;&gt;&lt;script&gt;") and shown.count("9") < 40
    assert 'data-figure="service"' not in html


def test_old_age_codes_read_as_asked_in_list_and_export(client, world, respond,
                                                        login) -> None:
    """The first form's overlapping bands (18-25, 50-60) are never offered again, but the
    answers stored with them keep their meaning."""
    respond(world.full_counter.id, {"TC2": 5}, age_band="18-25")
    respond(world.full_counter.id, {"TC2": 4}, age_band="50-60")
    respond(world.full_counter.id, {"TC2": 4}, age_band="under18")
    login(world.leader)
    html = client.get("/staff/responses").get_data(as_text=True)
    assert "18–25 tuổi" in html and "50–60 tuổi" in html and "Dưới 18 tuổi" in html
    csv = client.get("/staff/responses.csv").data.decode("utf-8-sig")
    frame = pd.read_csv(io.StringIO(csv))
    assert sorted(frame["Độ tuổi"]) == sorted(["18–25 tuổi", "50–60 tuổi", "Dưới 18 tuổi"])
    xlsx = pd.read_excel(io.BytesIO(client.get("/staff/responses.xlsx").data))
    assert "Dưới 18 tuổi" in set(xlsx["Độ tuổi"])


def test_the_short_tables_are_compact(client, world, respond, login) -> None:
    """The yes/no and SAT5 tables sit in half-width cards: they must not inherit the
    40rem minimum width of the long figure tables (see tests/e2e for the layout)."""
    respond(world.full_counter.id, {"TC2": 5, "HARASS": 0})
    login(world.leader)
    html = client.get("/staff/dashboard").get_data(as_text=True)
    for section in ("yesno", "sat5"):
        part = html[html.index(f'id="{section}"'):]
        assert part[:part.index("</section>")].count('<table class="compact">') == 1


def test_an_empty_installation_sends_its_admin_to_the_units_page(app, client, runner) -> None:
    result = runner.invoke(args=["users", "create", "--email", "root@tinh.vn", "--password",
                                 "mat-khau-dai", "--role", "admin"])
    assert result.exit_code == 0, result.output
    assert client.post("/login", data={"email": "root@tinh.vn",
                                       "password": "mat-khau-dai"}).status_code == 302
    resp = client.get("/staff/dashboard")
    assert resp.status_code == 303 and resp.headers["Location"].endswith("/staff/units")
    assert "Chưa có đơn vị nào" in client.get("/staff/units").get_data(as_text=True)
