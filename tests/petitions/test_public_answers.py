"""/u/<code>/tra-loi: a unit's published answers, newest first, 20 a page, with the text
staff redacted for publishing and nothing else of the petition."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask
from sqlalchemy import update
from staff_support import act

from feedback.extensions import db
from feedback.links import format_short_code
from feedback.models import Petition, Unit
from feedback.petitions import clock


def published(app: Flask, world: Any, petition: Any, text: str, *, unit: Any = None,
              at: datetime | None = None, archive: bool = False, **fields: Any) -> Any:
    p = petition(unit or world.commune, **fields)
    leader = world.leader if unit is None else world.stranger_leader
    act(app, p.code, "accept", leader, category="2", assignee=str(leader.id))
    act(app, p.code, "answer", leader, answer="Trả lời riêng cho ông An, số 0912345678.")
    act(app, p.code, "publish", leader, public_text=text)
    if archive:
        act(app, p.code, "archive", leader)
    if at is not None:
        with app.app_context():
            db.session.execute(update(Petition).where(Petition.code == p.code)
                               .values(published_at=at))
            db.session.commit()
    return p


def test_published_answers_without_personal_data(app, client, world, petition) -> None:
    p = published(app, world, petition, "Đơn vị đã trả hồ sơ và nhắc nhở cán bộ.\nCảm ơn.",
                  sender_email="an@example.vn", dossier_code="HS-77")
    resp = client.get("/u/xa-a1/tra-loi")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and len(resp.data) < 40_000 and "<script" not in html
    assert "Đơn vị đã trả hồ sơ và nhắc nhở cán bộ." in html and "Cảm ơn." in html
    assert "Quy định hành chính không phù hợp với thực tế" in html  # its category
    with app.app_context():  # the year the office's clock reads, not the machine's
        assert str(clock.today().year) in html
    for private in ("Nguyễn Văn An", "0912345678", "an@example.vn", "Thôn 3", "HS-77",
                    p.content, "Trả lời riêng", p.code, format_short_code(p.code)):
        assert private not in html


def test_only_published_answers_of_that_unit(app, client, world, petition) -> None:
    published(app, world, petition, "Công khai một")
    published(app, world, petition, "Công khai rồi lưu trữ", archive=True)
    answered = petition(world.commune)
    act(app, answered.code, "accept", world.leader, category="1", assignee=str(world.leader.id))
    act(app, answered.code, "answer", world.leader, answer="Chưa công khai")
    rejected = petition(world.commune)
    act(app, rejected.code, "reject", world.leader, reason="Nặc danh")
    act(app, rejected.code, "archive", world.leader)
    published(app, world, petition, "Của xã khác", unit=world.stranger)
    html = client.get("/u/xa-a1/tra-loi").get_data(as_text=True)
    assert "Công khai một" in html and "Công khai rồi lưu trữ" in html
    assert "Chưa công khai" not in html and "Nặc danh" not in html
    assert "Của xã khác" not in html
    assert "Của xã khác" in client.get("/u/xa-b1/tra-loi").get_data(as_text=True)


def test_newest_first_and_paged_by_twenty(app, client, world, petition) -> None:
    start = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)
    for i in range(25):
        published(app, world, petition, f"Trả lời số {i:02d}. " + "Nội dung công khai. " * 20,
                  at=start + timedelta(days=i))
    first = client.get("/u/xa-a1/tra-loi")
    html = first.get_data(as_text=True)
    assert len(first.data) < 40_000
    numbers = [int(n) for n in re.findall(r"Trả lời số (\d\d)\.", html)]
    assert numbers == list(range(24, 4, -1))
    assert "Trang 1 / 2" in html and 'href="/u/xa-a1/tra-loi?page=2"' in html
    second = client.get("/u/xa-a1/tra-loi?page=2").get_data(as_text=True)
    assert [int(n) for n in re.findall(r"Trả lời số (\d\d)\.", second)] == [
        4, 3, 2, 1, 0]
    assert 'href="/u/xa-a1/tra-loi?page=1"' in second and "?page=3" not in second
    assert "26/03/2026" in html  # dates day first, local


def test_bad_page_numbers_never_fail(client, world, petition, app) -> None:
    published(app, world, petition, "Một trả lời")
    for raw in ("abc", "0", "-1", "1.5", "", "%00", "9" * 40, "１"):
        resp = client.get(f"/u/xa-a1/tra-loi?page={raw}")
        assert resp.status_code == 200 and "Một trả lời" in resp.get_data(as_text=True)
    for raw in ("2", "999999"):
        assert client.get(f"/u/xa-a1/tra-loi?page={raw}").status_code == 404


def test_an_empty_list_and_unknown_units(app, client, world) -> None:
    resp = client.get("/u/xa-a2/tra-loi")
    assert resp.status_code == 200
    assert "Chưa có kết quả trả lời nào được công khai." in resp.get_data(as_text=True)
    assert client.get("/u/khong-co/tra-loi").status_code == 404
    with app.app_context():
        db.session.get(Unit, world.sibling.id).active = False
        db.session.commit()
    assert client.get("/u/xa-a2/tra-loi").status_code == 404
