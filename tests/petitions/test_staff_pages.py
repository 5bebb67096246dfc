"""The staff inbox, a petition's page and its files: every role, the unit scope (another
unit's petition is a 404 on every page and file), and the inbox's queries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from staff_support import set_columns, snapshot, text

from feedback.petitions.services import StoredFile

ROLES = ("admin", "viewer", "leader", "officer")


def _pdf(app: Flask, name: str = "0123456789abcdef0123456789abcdef.pdf",
         data: bytes = b"%PDF-1.4\n1 0 obj\n%%EOF\n") -> StoredFile:
    """A file already in ATTACHMENT_DIR, as attachments.store would leave it."""
    folder = Path(app.config["ATTACHMENT_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(data)
    return StoredFile(filename="đơn phản ánh.pdf", content_type="application/pdf",
                      size=len(data), sha256="0" * 64, storage_name=name)


# --- Inbox ------------------------------------------------------------------------------

@pytest.mark.parametrize("role", ROLES)
def test_every_role_sees_the_inbox_of_its_units(client: FlaskClient, world: Any,
                                                login: Any, petition: Any, role: str) -> None:
    mine = petition(world.commune, sender_name="Trần Thị Bình")
    foreign = petition(world.stranger)
    login(getattr(world, role))
    page = text(client.get("/staff/petitions"))
    assert mine.code in page and "Trần Thị Bình" in page
    assert foreign.code not in page and "Xã Tuệ Tĩnh" not in page
    assert ('href="/staff/petitions/new"' in page) == (role != "viewer")


def test_anonymous_goes_to_the_login_page(client: FlaskClient, world: Any,
                                          petition: Any) -> None:
    p = petition(world.commune)
    for path in ("/staff/petitions", f"/staff/petitions/{p.code}", "/staff/petitions/new",
                 "/staff/petitions/templates"):
        resp = client.get(path)
        assert resp.status_code == 302 and "/login" in resp.headers["Location"], path


def test_stranger_gets_404_for_another_units_inbox(client: FlaskClient, world: Any,
                                                  login: Any) -> None:
    login(world.stranger_leader)
    resp = client.get("/staff/petitions?unit=xa-a1")
    assert resp.status_code == 404 and "Hoằng Ngọc" not in text(resp)


def test_inbox_row_shows_what_an_officer_needs(app: Flask, client: FlaskClient, world: Any,
                                               login: Any, petition: Any) -> None:
    named = petition(world.commune, sender_name="Lê Văn Cường", channel="hotline")
    anonymous = petition(world.commune, sender_name=None, sender_address=None,
                         sender_phone=None)
    overdue = petition(world.commune)
    set_columns(app, overdue.code, status="in_progress", category=1, assignee_id=world.officer.id,
                reply_due=datetime.now(UTC).date() - timedelta(days=3))
    login(world.leader)
    page = text(client.get("/staff/petitions"))
    row = page[page.index(f'data-code="{named.code}"'):]
    row = row[:row.index("</tr>")]
    assert "Lê Văn Cường" in row and "Đường dây nóng" in row and "Xã Hoằng Ngọc" in row
    assert "Mới tiếp nhận" in row and 'data-next="accept"' in row
    assert "Tiếp nhận và phân công" in row
    anon_row = page[page.index(f'data-code="{anonymous.code}"'):]
    assert "Góp ý ẩn danh" in anon_row[:anon_row.index("</tr>")]
    late = page[page.index(f'data-code="{overdue.code}"'):]
    late = late[:late.index("</tr>")]
    assert 'data-due="overdue"' in late and "Đang xử lý" in late
    # The next action moves the work forward (workflow.next_action): answer it.
    assert 'data-next="answer"' in late
    client.post("/logout")
    login(world.officer)
    page = text(client.get("/staff/petitions"))
    late = page[page.index(f'data-code="{overdue.code}"'):]
    assert 'data-next="answer"' in late[:late.index("</tr>")]


def test_boxes_and_filters_through_the_page(app: Flask, client: FlaskClient, world: Any,
                                            login: Any, petition: Any) -> None:
    a = petition(world.commune, channel="hotline")
    b = petition(world.commune)
    set_columns(app, b.code, status="in_progress", category=2, assignee_id=world.officer.id)
    c = petition(world.sibling)
    set_columns(app, c.code, status="answered", category=2)
    login(world.admin)  # province: sees both communes
    page = text(client.get("/staff/petitions"))
    assert all(p.code in page for p in (a, b)) and c.code not in page  # open by default
    assert 'data-count="open">2<' in page and 'data-count="closed">1<' in page
    assert 'data-count="all">3<' in page and 'data-count="classify">1<' in page
    page = text(client.get("/staff/petitions?box=all&category=2"))
    assert b.code in page and c.code in page and a.code not in page
    page = text(client.get("/staff/petitions?box=all&channel=hotline"))
    assert a.code in page and b.code not in page and 'data-count="all">1<' in page
    page = text(client.get("/staff/petitions?box=all&unit=xa-a2"))
    assert c.code in page and a.code not in page
    page = text(client.get(f"/staff/petitions?box=all&assignee={world.officer.id}"))
    assert b.code in page and a.code not in page
    page = text(client.get("/staff/petitions?box=all&assignee=none"))
    assert a.code in page and b.code not in page
    # Nonsense filters are ignored, never a 500.
    for query in ("box=nope", "channel=%00", "category=99", "assignee=x", "page=-1",
                  "page=99999999999", "category=%EF%BC%91"):
        assert client.get(f"/staff/petitions?{query}").status_code == 200, query
    client.post("/logout")
    login(world.officer)
    page = text(client.get("/staff/petitions?box=all&assignee=mine"))
    assert b.code in page and a.code not in page


def test_inbox_pages_by_50(app: Flask, client: FlaskClient, world: Any, login: Any,
                           petition: Any) -> None:
    codes = [petition(world.commune).code for _ in range(51)]
    login(world.leader)
    first = text(client.get("/staff/petitions"))
    second = text(client.get("/staff/petitions?page=2"))
    assert sum(c in first for c in codes) == 50 and sum(c in second for c in codes) == 1
    assert "Trang 1 / 2" in first and "page=2" in first


def _petition_queries(statements: list[str]) -> int:
    return sum(" petition" in s and "FROM petition" in s for s in statements)


def test_inbox_costs_the_same_queries_for_3_or_30_petitions(
        app: Flask, client: FlaskClient, world: Any, login: Any, petition: Any,
        statements: list[str]) -> None:
    for _ in range(3):
        p = petition(world.commune)
        set_columns(app, p.code, status="in_progress", category=1,
                    assignee_id=world.officer.id)
    login(world.leader)
    client.get("/staff/petitions?box=all")
    statements.clear()
    assert client.get("/staff/petitions?box=all").status_code == 200
    few, few_petition = len(statements), _petition_queries(statements)
    for _ in range(27):
        p = petition(world.commune)
        set_columns(app, p.code, status="in_progress", category=1,
                    assignee_id=world.leader.id)
    statements.clear()
    assert client.get("/staff/petitions?box=all").status_code == 200
    assert len(statements) == few
    assert few_petition == _petition_queries(statements) == 2  # counts + one page of rows


# --- One petition ---------------------------------------------------------------------

@pytest.mark.parametrize("role", ROLES)
def test_every_role_reads_the_petition_page(client: FlaskClient, world: Any, login: Any,
                                            petition: Any, role: str) -> None:
    p = petition(world.commune, sender_email="an@example.vn", dossier_code="HS-01/2026")
    login(getattr(world, role))
    resp = client.get(f"/staff/petitions/{p.code}")
    page = text(resp)
    assert resp.status_code == 200
    for shown in ("Nguyễn Văn An", "Thôn 3, xã Hoằng Ngọc", "0912345678", "an@example.vn",
                  "HS-01/2026", "Hồ sơ của tôi bị trả chậm 5 ngày.", "Lịch sử xử lý",
                  'data-action="receive"', "Mới tiếp nhận"):
        assert shown in page, shown
    has_forms = "/actions" in page
    assert has_forms == (role != "viewer")


def test_the_page_shows_the_due_dates_pause_and_extension(
        app: Flask, client: FlaskClient, world: Any, login: Any, petition: Any) -> None:
    p = petition(world.commune)
    login(world.leader)
    client.post(f"/staff/petitions/{p.code}/actions", data={
        "action": "accept", "category": "1", "assignee": str(world.officer.id)})
    client.post(f"/staff/petitions/{p.code}/actions",
                data={"action": "extend", "reason": "Cần xác minh tại thực địa"})
    client.post(f"/staff/petitions/{p.code}/actions",
                data={"action": "wait", "note": "Xin bản chụp giấy hẹn"})
    page = text(client.get(f"/staff/petitions/{p.code}"))
    for shown in ("Thời hạn", "Phân loại", "Chuyển cơ quan khác", "Trả lời", "đã gia hạn",
                  "Tạm dừng từ", "Cần xác minh tại thực địa", "giao cho officer@x.vn",
                  "Mới tiếp nhận → Đang xử lý", "Đang xử lý → Chờ người gửi bổ sung",
                  "Xin bản chụp giấy hẹn", "leader@x.vn"):
        assert shown in page, shown


@pytest.mark.parametrize("path", ["", "/files/1"])
def test_another_units_petition_is_404(client: FlaskClient, world: Any, login: Any,
                                       petition: Any, path: str) -> None:
    p = petition(world.commune)
    login(world.stranger_leader)
    resp = client.get(f"/staff/petitions/{p.code}{path}")
    assert resp.status_code == 404
    assert "Nguyễn Văn An" not in text(resp) and "Hoằng Ngọc" not in text(resp)


def test_codes_are_read_as_typed(client: FlaskClient, world: Any, login: Any,
                                 petition: Any) -> None:
    p = petition(world.commune)
    login(world.officer)
    typed = f"{p.code[:3].lower()}-{p.code[3:].lower()}"
    resp = client.get(f"/staff/petitions/{typed}")
    assert resp.status_code == 301 and resp.headers["Location"].endswith(p.code)
    for bad in ("AAAAAAA", "x", "%00", "Ő" * 7, p.code + "A"):
        assert client.get(f"/staff/petitions/{bad}").status_code == 404, bad


# --- Files ------------------------------------------------------------------------------

def test_staff_in_scope_download_an_attachment(app: Flask, client: FlaskClient, world: Any,
                                               login: Any, petition: Any) -> None:
    stored = _pdf(app)
    p = petition(world.commune, files=[stored])
    login(world.viewer)
    page = text(client.get(f"/staff/petitions/{p.code}"))
    link = page[page.index(f"/staff/petitions/{p.code}/files/"):].split('"')[0]
    resp = client.get(link)
    assert resp.status_code == 200
    assert resp.data == (Path(app.config["ATTACHMENT_DIR"]) / stored.storage_name).read_bytes()
    assert resp.mimetype == "application/pdf"
    assert resp.headers["Content-Disposition"].startswith("attachment;")
    assert "filename*=UTF-8''%C4%91%C6%A1n" in resp.headers["Content-Disposition"]
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in resp.headers["Cache-Control"]


def test_files_are_404_outside_scope_or_the_petition(app: Flask, client: FlaskClient,
                                                    world: Any, login: Any,
                                                    petition: Any) -> None:
    p = petition(world.commune, files=[_pdf(app)])
    other = petition(world.commune, files=[_pdf(app, "fedcba9876543210fedcba9876543210.pdf")])
    gone = petition(world.commune, files=[_pdf(app, "00000000000000000000000000000000.pdf")])
    (Path(app.config["ATTACHMENT_DIR"]) / "00000000000000000000000000000000.pdf").unlink()
    login(world.leader)
    own = text(client.get(f"/staff/petitions/{p.code}"))
    own_link = own[own.index(f"/staff/petitions/{p.code}/files/"):].split('"')[0]
    attachment_id = own_link.rsplit("/", 1)[1]
    theirs = text(client.get(f"/staff/petitions/{other.code}"))
    other_id = theirs[theirs.index("/files/") + 7:].split('"')[0]
    assert client.get(f"/staff/petitions/{p.code}/files/{other_id}").status_code == 404
    assert client.get(f"/staff/petitions/{p.code}/files/999999").status_code == 404
    gone_page = text(client.get(f"/staff/petitions/{gone.code}"))
    gone_link = gone_page[gone_page.index(f"/staff/petitions/{gone.code}/files/"):].split('"')[0]
    assert client.get(gone_link).status_code == 404
    client.post("/logout")
    login(world.stranger_leader)
    before = snapshot(app)
    assert client.get(f"/staff/petitions/{p.code}/files/{attachment_id}").status_code == 404
    assert snapshot(app) == before


def test_the_inbox_next_action_link_opens_that_form(client: FlaskClient, world: Any,
                                                    login: Any, petition: Any) -> None:
    p = petition(world.commune)
    login(world.officer)
    inbox_page = text(client.get("/staff/petitions"))
    link = f"/staff/petitions/{p.code}?open=accept#act-accept"
    assert link in inbox_page
    page = text(client.get(link.split("#")[0]))
    assert '<details class="edit" id="act-accept" open>' in page
    assert '<details class="edit" id="act-reject">' in page
    # Only an allowed action opens (an officer may not transfer).
    page = text(client.get(f"/staff/petitions/{p.code}?open=transfer"))
    assert "act-transfer" not in page and " open>" not in page


def test_a_lower_case_code_redirects_keeping_only_known_arguments(
        client: FlaskClient, world: Any, login: Any, petition: Any) -> None:
    p = petition(world.commune)
    login(world.leader)
    for query in ("?code=x", "?_method=POST", "?_external=1&_scheme=ftp", "?open=answer"):
        resp = client.get(f"/staff/petitions/{p.code.lower()}{query}")
        assert resp.status_code == 301, query
        location = resp.headers["Location"]
        assert location.startswith(f"/staff/petitions/{p.code}"), location
        assert ("open=answer" in location) == (query == "?open=answer")
