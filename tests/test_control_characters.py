"""A NUL or a line break typed (or pasted) into any staff form is refused with a Vietnamese
message under the field and stores nothing, on SQLite and on PostgreSQL (which answers a
NUL in a text column with an error: a 500 before this rule). The services, the import
parser and the CLI refuse the same values with the same rule (`feedback.text_rules`)."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from openpyxl import Workbook
from sqlalchemy import func, select

from feedback import org
from feedback.admin import counters as desk
from feedback.admin import procedures, units
from feedback.admin.procedures import ProcedureInput
from feedback.extensions import db
from feedback.form_rules import NoControl
from feedback.models import ApiToken, Counter, Procedure, Unit, User
from feedback.text_rules import TextRefused, clean_line, forbidden_characters, has_control

ONE_LINE = "dấu xuống dòng hoặc ký tự không in được"
BAD = {"nul": "Xã\x00 Z", "newline": "Xã\nZ"}


# ---------------------------------------------------------------- the pure rule

@pytest.mark.parametrize(("text", "multiline", "refused"), [
    ("Quầy 1 — Tư pháp", False, ""),
    ("Đăng ký khai sinh (mới)", False, ""),
    ("a\x00b", False, "\x00"),
    ("a\nb", False, "\n"),
    ("a\r\nb", False, "\r\n"),
    ("a\tb", False, "\t"),
    ("a\x1b[31m", False, "\x1b"),
    ("a\x7f", False, "\x7f"),
    ("a\x85b", False, "\x85"),  # NEL, a C1 control
    ("a\u2028b\u2029", False, "\u2028\u2029"),  # line and paragraph separators
    ("a\u00a0b\u200bc", False, ""),  # no-break and zero-width spaces are not controls
    ("dòng 1\r\ndòng 2\tcột", True, ""),
    ("dòng 1\x00", True, "\x00"),
    ("a\u2028b", True, ""),
    ("a\ud800b", False, "\ud800"),  # a lone surrogate: no database can store it
    ("dòng\udc80", True, "\udc80"),
])
def test_forbidden_characters(text: str, multiline: bool, refused: str) -> None:
    assert "".join(forbidden_characters(text, multiline=multiline)) == refused
    assert has_control(text, multiline=multiline) is bool(refused)


@pytest.mark.parametrize(("raw", "limit", "required", "result"), [
    ("  Xã   Hoằng\u00a0Ngọc ", 200, True, "Xã Hoằng Ngọc"),
    ("Qua\u0300y", 200, True, "Quày"),  # NFC
    ("", 200, False, ""),
    ("x" * 5, 5, True, "x" * 5),
])
def test_clean_line_accepts(raw: str, limit: int, required: bool, result: str) -> None:
    assert clean_line(raw, limit, required=required) == result


@pytest.mark.parametrize(("raw", "limit", "reason"), [
    ("a\nb", 200, "control"), ("\n", 200, "control"), ("a\x00", 200, "control"),
    ("   ", 200, "empty"), ("", 200, "empty"), ("x" * 6, 5, "too_long"),
])
def test_clean_line_refuses(raw: str, limit: int, reason: str) -> None:
    with pytest.raises(TextRefused) as exc:
        clean_line(raw, limit)
    assert exc.value.reason == reason


def test_the_validator_allows_tab_and_newlines_in_a_textarea_only(app: Flask) -> None:
    class Field:
        data = "dòng 1\r\ndòng 2\tcột"

    with app.test_request_context():
        NoControl(multiline=True)(None, Field())  # no error
        with pytest.raises(ValueError, match="xuống dòng"):
            NoControl()(None, Field())


# ---------------------------------------------------------------- every staff form

def _count(app: Flask, model: Any, *where: Any) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def _snapshot(app: Flask) -> tuple[Any, ...]:
    """Everything the forms below could change."""
    with app.app_context():
        return (
            sorted(db.session.execute(select(Unit.code, Unit.name, Unit.parent_id)).all()),
            sorted(db.session.execute(select(Procedure.code, Procedure.name,
                                             Procedure.field)).all()),
            sorted(db.session.execute(select(Counter.id, Counter.name)).all()),
            sorted(db.session.execute(select(User.email, User.name, User.role,
                                             User.unit_id)).all()),
            _count(app, ApiToken),
        )


Forms = list[tuple[str, str, Callable[[str], dict[str, str]]]]


def _forms(proc: int, officer: int, counter: int) -> Forms:
    """(id, path, data with the bad value placed in one field), for the world's procedure,
    officer and counter."""
    unit = {"code": "xa-moi", "name": "Xã Mới", "kind": "commune", "parent": "tinh-a"}
    proc_data = {"code": "HT09", "name": "Khai tử", "field": "Hộ tịch"}
    new_user = {"email": "moi@x.vn", "name": "Cán bộ mới", "role": "officer",
                "unit": "xa-a1", "how": "link"}
    forms: Forms = []
    for field in ("code", "name", "parent"):
        forms.append((f"unit-create-{field}", "/staff/units",
                      lambda bad, f=field: unit | {f: bad}))
    for field in ("name", "parent"):
        forms.append((f"unit-edit-{field}", "/staff/units/xa-a2",
                      lambda bad, f=field: {"name": "Xã Hà Tiến", "parent": "tinh-a"} | {f: bad}))
    for field in ("code", "name", "field"):
        forms.append((f"procedure-create-{field}", "/staff/procedures?unit=xa-a1",
                      lambda bad, f=field: proc_data | {f: bad}))
        forms.append((f"procedure-edit-{field}", f"/staff/procedures/{proc}",
                      lambda bad, f=field: proc_data | {f: bad}))
    for field in ("email", "name", "unit", "role"):
        forms.append((f"user-create-{field}", "/staff/users/new",
                      lambda bad, f=field: new_user | {f: bad}))
    for field in ("role", "unit"):
        forms.append((f"user-placement-{field}", f"/staff/users/{officer}/placement",
                      lambda bad, f=field: {"role": "leader", "unit": "xa-a1"} | {f: bad}))
    forms += [
        ("user-token-label", f"/staff/users/{officer}/tokens",
         lambda bad: {"label": bad, "days": "30"}),
        ("own-token-label", "/staff/account/tokens", lambda bad: {"label": bad, "days": "30"}),
        ("counter-create-name", "/staff/counters?unit=xa-a1",
         lambda bad: {"name": bad, "questionnaire": "short"}),
        ("counter-rename-name", f"/staff/counters/{counter}/rename", lambda bad: {"name": bad}),
    ]
    return forms


FORM_IDS = [form_id for form_id, _, _ in _forms(0, 0, 0)]


@pytest.mark.parametrize("bad", list(BAD), ids=list(BAD))
@pytest.mark.parametrize("form_id", FORM_IDS)
def test_a_control_character_in_any_staff_form_is_refused(app, client, world, login,
                                                         form_id: str, bad: str) -> None:
    forms = _forms(world.procedure.id, world.officer.id, world.counter.id)
    path, data = next((p, d) for i, p, d in forms if i == form_id)
    login(world.admin)
    before = _snapshot(app)
    resp = client.post(path, data=data(BAD[bad]))
    assert 400 <= resp.status_code < 500, (resp.status_code, resp.headers.get("Location"))
    page = resp.get_data(as_text=True)
    assert ONE_LINE in page
    assert _snapshot(app) == before


@pytest.mark.parametrize("bad", list(BAD.values()), ids=list(BAD))
def test_login_with_a_control_character_says_why_and_signs_nobody_in(client, world,
                                                                      bad: str) -> None:
    resp = client.post("/login", data={"email": f"admin@x.vn{bad}", "password": "x" * 10})
    assert resp.status_code < 500
    assert ONE_LINE in resp.get_data(as_text=True)
    assert client.get("/staff/units").status_code == 302  # still signed out


@pytest.mark.parametrize("path", [
    "/staff/counters?unit=%00", "/staff/procedures?unit=xa%00", "/staff/units/%00",
    "/staff/import/procedures?unit=%00", "/staff/dashboard?unit=%00",
])
def test_a_nul_in_a_unit_code_of_a_url_is_not_found(client, world, login, path: str) -> None:
    login(world.admin)
    assert client.get(path).status_code == 404


# ---------------------------------------------------------------- services, CLI, imports

def test_find_unit_never_asks_the_database_for_an_impossible_code(app, world) -> None:
    with app.app_context():
        assert org.find_unit("xa-a1") is not None
        assert org.find_unit(" xa-a1 ") is not None
        for code in ("xa-a1\x00", "\x00", "xa\na1", "XA-A1", "", "x" * 41):
            assert org.find_unit(code) is None, repr(code)
        with pytest.raises(org.UnknownUnit):
            org.unit_by_code("xa\x00")


@pytest.mark.parametrize("bad", list(BAD.values()), ids=list(BAD))
def test_services_refuse_control_characters_in_names(app, world, bad: str) -> None:
    with app.app_context():
        with pytest.raises(units.Refused) as refused:
            units.create_unit(None, "xa-moi", bad, "commune", "tinh-a")
        assert refused.value.key == "control_chars"
        unit = db.session.get(Unit, world.sibling.id)
        assert unit is not None
        with pytest.raises(units.Refused):
            units.update_unit(None, unit, bad, "tinh-a")
        commune = db.session.get(Unit, world.commune.id)
        assert commune is not None
        for field in ("code", "name", "field"):
            data = {"code": "HT09", "name": "Khai tử", "field": "Hộ tịch"} | {field: bad}
            with pytest.raises(units.Refused) as refused:
                procedures.create_procedure(None, commune, ProcedureInput(**data))
            assert refused.value.key == "control_chars"
            assert refused.value.params == {"column": field}
        with pytest.raises(desk.CounterError) as counter_refused:
            desk.create(commune, bad)
        assert counter_refused.value.reason == "control"
    assert _count(app, Unit, Unit.code == "xa-moi") == 0
    assert _count(app, Procedure, Procedure.code == "HT09") == 0
    assert _count(app, Unit, Unit.name == "Xã Hà Tiến") == 1


def test_the_cli_refuses_a_nul_in_a_counter_name(app, runner, world) -> None:
    result = runner.invoke(args=["counters", "create", "--unit", "xa-a1", "--name", "Q\x009"])
    assert result.exit_code != 0
    assert "control characters" in result.output
    assert not isinstance(result.exception, Exception) or isinstance(result.exception,
                                                                     SystemExit)
    assert _count(app, Counter) == 4


def _xlsx(rows: list[list[str]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.mark.parametrize(("content", "filename"), [
    ('code,name,parent_code,kind\nxa-z,"Xã\nZ",tinh-a,commune\n'.encode(), "u.csv"),
    ("code,name,parent_code,kind\nxa-z,Xã\x1bZ,tinh-a,commune\n".encode(), "u.csv"),
    (_xlsx([["code", "name", "parent_code", "kind"], ["xa-z", "Xã\nZ", "tinh-a", "commune"]]),
     "u.xlsx"),
], ids=["csv-quoted-newline", "csv-escape", "xlsx-alt-enter"])
def test_the_import_names_the_line_and_column_of_a_control_character(
        app, client, world, login, content: bytes, filename: str) -> None:
    login(world.admin)
    resp = client.post("/staff/import/units", data={"file": (io.BytesIO(content), filename)})
    assert resp.status_code == 422
    page = resp.get_data(as_text=True)
    assert "dấu xuống dòng hoặc ký tự không in được" in page
    with app.app_context():
        plan = units.plan_unit_import(content, filename)
    assert [(i.line, i.column, i.key) for i in plan.issues] == [(2, "name", "control_chars")]
    assert _count(app, Unit, Unit.code == "xa-z") == 0
