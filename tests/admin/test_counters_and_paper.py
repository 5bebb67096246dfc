"""Staff pages: counters with their QR links, revoking, and paper-form entry."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import zxingcpp
from PIL import Image
from sqlalchemy import select

from feedback.extensions import db
from feedback.models import Counter, Response


def test_counters_page_lists_links_and_downloads(client, world, login) -> None:
    login(world.officer)
    html = client.get("/staff/counters").get_data(as_text=True)
    assert "Quầy 1 — Tư pháp" in html
    assert re.search(r"http://127\.0\.0\.1:5000/q/[A-Za-z0-9_-]{22}", html)
    assert "Thu hồi" not in html  # officers may download, not revoke
    png = client.get(f"/staff/counters/{world.counter.id}/qr.png")
    assert png.status_code == 200 and png.mimetype == "image/png"
    import io

    url = zxingcpp.read_barcodes(Image.open(io.BytesIO(png.data)))[0].text
    assert url in html
    svg = client.get(f"/staff/counters/{world.counter.id}/qr.svg")
    assert svg.mimetype == "image/svg+xml" and b"<svg" in svg.data
    pdf = client.get(f"/staff/units/{world.commune.code}/posters.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")


def test_reissue_revokes_the_old_link(client, world, login, token_for) -> None:
    old = token_for(world.counter)
    login(world.leader)
    resp = client.post(f"/staff/counters/{world.counter.id}/reissue")
    assert resp.status_code == 303
    assert client.get(f"/q/{old}").status_code == 410
    assert client.get(f"/q/{token_for(world.counter)}").status_code == 200


def test_changing_the_questionnaire_changes_the_link(app, client, world, login, token_for) -> None:
    old = token_for(world.counter)
    login(world.leader)
    client.post(f"/staff/counters/{world.counter.id}/questionnaire",
                data={"questionnaire": "full"})
    with app.app_context():
        assert db.session.get(Counter, world.counter.id).questionnaire == "full"
    assert client.get(f"/q/{old}").status_code == 410
    page = client.get(f"/q/{token_for(world.counter)}").get_data(as_text=True)
    assert 'name="q_TC1"' in page
    bad = client.post(f"/staff/counters/{world.counter.id}/questionnaire",
                      data={"questionnaire": "nope"}, follow_redirects=True)
    assert "không hợp lệ" in bad.get_data(as_text=True)


def test_paper_entry_is_marked_and_attributed(app, client, world, login) -> None:
    login(world.officer)
    page = client.get(f"/staff/paper?counter={world.counter.id}&questionnaire=full")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'name="q_TC1"' in html
    sid = re.search(r'name="submission_id" value="([0-9a-f]{32})"', html).group(1)  # type: ignore[union-attr]
    day = (datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")) - timedelta(days=3)).date()
    data = {"counter": str(world.counter.id), "questionnaire": "full", "submission_id": sid,
            "answered_on": day.isoformat(), "q_TC1": "4", "q_CC1": "5"}
    resp = client.post("/staff/paper", data=data)
    assert resp.status_code == 303
    assert client.post("/staff/paper", data=data).status_code == 303  # retry: same row
    with app.app_context():
        rows = db.session.scalars(select(Response)).all()
        assert len(rows) == 1
        r = rows[0]
        assert r.channel == "paper" and r.entered_by_id == world.officer.id
        assert r.created_at.astimezone(ZoneInfo("Asia/Ho_Chi_Minh")).date() == day
        assert r.recorded_at > r.created_at


def test_paper_entry_rejects_other_units_and_future_dates(app, client, world, login) -> None:
    login(world.officer)
    base = {"questionnaire": "full", "submission_id": "a" * 32, "q_TC1": "4"}
    other = client.post("/staff/paper", data={**base, "counter": str(world.sibling_counter.id)})
    assert other.status_code == 422
    future = client.post("/staff/paper", data={**base, "counter": str(world.counter.id),
                                               "answered_on": "2999-01-01"})
    assert future.status_code == 422 and "sau hôm nay" in future.get_data(as_text=True)
    ancient = client.post("/staff/paper", data={**base, "counter": str(world.counter.id),
                                                "answered_on": "2001-01-01"})
    assert ancient.status_code == 422 and "đã báo cáo" in ancient.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(select(Response)).all() == []


def test_head_on_the_paper_form_is_a_get(client, world, login) -> None:
    login(world.officer)
    resp = client.head("/staff/paper")
    assert resp.status_code == 200
    assert resp.data == b""
