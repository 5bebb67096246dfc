"""A refusal of the unit services stands under the field it is about (the code, the kind,
the parent or the name), not always under one field of the form."""

from __future__ import annotations

import re

import pytest

from feedback.extensions import db
from feedback.models import Unit


def _errors_by_field(page: str) -> dict[str, list[str]]:
    """Each `<label for=X>` block of the form and the error paragraphs inside it."""
    out: dict[str, list[str]] = {}
    parts = re.split(r'<label for="([a-z_]+)">', page)
    for name, block in zip(parts[1::2], parts[2::2], strict=True):
        out[name] = re.findall(r'<p class="err"[^>]*>([^<]*)</p>', block.split("<button")[0])
    return out




@pytest.mark.parametrize(("data", "field", "words"), [
    ({"code": "xa-a2", "name": "Xã trùng", "kind": "commune", "parent": "tinh-a"},
     "code", "đã được dùng"),
    ({"code": "xa-moi", "name": "Xã mới", "kind": "commune", "parent": "xa-a1"},
     "parent", "không phải là tỉnh"),
    ({"code": "xa-moi", "name": "Xã mới", "kind": "commune", "parent": ""},
     "parent", "phải thuộc một tỉnh"),
    ({"code": "tinh-moi", "name": "Tỉnh mới", "kind": "province", "parent": "tinh-a"},
     "parent", "không có đơn vị cấp trên"),
    ({"code": "xa-moi", "name": "Xã mới", "kind": "district", "parent": "tinh-a"},
     "kind", "phải là province"),
    ({"code": "xa-moi", "name": "X" * 201, "kind": "commune", "parent": "tinh-a"},
     "name", "quá giới hạn 200"),
])
def test_create_refusals_stand_under_their_field(app, client, world, login,
                                                 installation_admin, data, field,
                                                 words) -> None:
    login(installation_admin)
    resp = client.post("/staff/units", data=data)
    assert resp.status_code == 422
    errors = _errors_by_field(resp.get_data(as_text=True))
    assert [e for e in errors[field] if words in e], errors
    assert not [e for f, es in errors.items() if f != field for e in es], errors
    with app.app_context():
        assert db.session.query(Unit).filter_by(code=data["code"], name=data["name"]).count() \
            == 0


def test_a_province_admin_asking_for_a_province_hears_it_under_the_kind(
        client, world, login) -> None:
    login(world.admin)
    resp = client.post("/staff/units", data={"code": "tinh-moi", "name": "Tỉnh mới",
                                             "kind": "province", "parent": ""})
    assert resp.status_code == 422
    errors = _errors_by_field(resp.get_data(as_text=True))
    assert [e for e in errors["kind"] if "quản trị toàn hệ thống" in e], errors


@pytest.mark.parametrize(("data", "field", "words"), [
    ({"name": "Xã Hà Tiến", "parent": "xa-a1"}, "parent", "không phải là tỉnh"),
    ({"name": "Xã Hà Tiến", "parent": "tinh-b"}, "parent", "trong phạm vi"),
    ({"name": "X" * 201, "parent": "tinh-a"}, "name", "quá giới hạn 200"),
])
def test_edit_refusals_stand_under_their_field(app, client, world, login, data, field,
                                               words) -> None:
    login(world.admin)
    resp = client.post("/staff/units/xa-a2", data=data)
    assert resp.status_code == 422
    errors = _errors_by_field(resp.get_data(as_text=True))
    assert [e for e in errors[field] if words in e], errors
    with app.app_context():
        unit = db.session.get(Unit, world.sibling.id)
        assert unit is not None and unit.name == "Xã Hà Tiến"
        assert unit.parent_id == world.province.id
