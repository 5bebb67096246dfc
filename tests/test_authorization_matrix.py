"""Who may do what, where: every staff route × every role × the unit it touches.

The world is two provinces: A with communes A1 and A2, B with commune B1; a counter and a
procedure in each commune; an account of each role at province A and at commune A1, an
installation admin (no unit), and a plain target account in each unit for the users pages.

Each cell's expected status comes from the explicit tables below (who may call a route,
which units each kind of user sees), written from the rules in the issue, never from the
app's own guards: anonymous → 302 to the login page (401 on the API); a wrong role →
403; a unit outside the user's scope → 404 (pages, files and API alike) and its name
never appears in the answer; otherwise the route's own status (200, 303, or a 422
validation error, which still means "past the guard"). A cell that is not a 303 success
must leave every table exactly as it was.

`test_matrix_covers_every_staff_route` fails when a `/staff` or `/api` route is added
without a row here.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import insert, select
from tests_support import PASSWORD

from feedback.extensions import db
from feedback.links import new_submission_id
from feedback.models import ApiToken, Counter, Procedure, Unit, User

# ------------------------------------------------------------------ who is who

#: Actor → (role, home unit code or None). "@tinh" = province A, "@xa" = commune A1.
ACTORS: dict[str, tuple[str, str | None]] = {
    "installation-admin": ("admin", None),
    "admin@tinh": ("admin", "tinh-a"),
    "leader@tinh": ("leader", "tinh-a"),
    "officer@tinh": ("officer", "tinh-a"),
    "viewer@tinh": ("viewer", "tinh-a"),
    "admin@xa": ("admin", "xa-a1"),
    "leader@xa": ("leader", "xa-a1"),
    "officer@xa": ("officer", "xa-a1"),
    "viewer@xa": ("viewer", "xa-a1"),
}
ANON = "anonymous"


def _group(actor: str) -> str:
    if actor == ANON:
        return ANON
    if actor == "installation-admin":
        return "installation"
    return "province" if actor.endswith("@tinh") else "commune"


#: Target relation (as seen by each kind of user) → the unit it names.
TARGETS: dict[str, dict[str, str]] = {
    "installation": {"province": "tinh-a", "commune": "xa-a1", "other-province": "xa-b1"},
    "province": {"own": "tinh-a", "child": "xa-a1", "foreign": "xa-b1"},
    "commune": {"own": "xa-a1", "parent": "tinh-a", "sibling": "xa-a2", "foreign": "xa-b1"},
    ANON: {"commune": "xa-a1"},
}

#: The relations each kind of user may see. Written out, not derived from the app.
SEES: dict[str, set[str]] = {
    "installation": {"province", "commune", "other-province"},
    "province": {"own", "child"},
    "commune": {"own"},
    ANON: set(),
}

PROVINCES_ORDER = ("tinh-a", "tinh-b")
PROVINCES = set(PROVINCES_ORDER)
COMMUNES = ("xa-a1", "xa-a2", "xa-b1")
NAMES = {"tinh-a": "Tỉnh Alpha", "xa-a1": "Xã Anpha Một", "xa-a2": "Xã Anpha Hai",
         "tinh-b": "Tỉnh Beta", "xa-b1": "Xã Bêta Một"}
PARENTS = {"xa-a1": "tinh-a", "xa-a2": "tinh-a", "xa-b1": "tinh-b"}

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")  # the date a paper form carries is local

ALL = ("admin", "leader", "officer", "viewer")
ADMIN = ("admin",)
CHANGERS = ("admin", "leader")
PAPER = ("admin", "leader", "officer")

# ------------------------------------------------------------------ the routes


@dataclass(frozen=True)
class Route:
    """One staff route. `path` may hold {unit}, {counter}, {procedure}, {user}, {token};
    `target` says what the cell's target names: "unit" (path or query), "counter",
    "issued" (a sent report of that unit, {issued}),
    "procedure", "user" (a target account in that unit), "token" (own or someone
    else's), "petition" (a petition of that unit, with an attachment: {petition},
    {attachment}), "template" (a reply template of that unit), "body-unit"/"body-counter"
    (named in the form), or "" (none)."""

    endpoint: str
    method: str
    path: str
    roles: tuple[str, ...]
    target: str = ""
    ok: int = 200
    #: Status when allowed, per target unit code, where it differs from `ok`.
    ok_at: dict[str, int] = field(default_factory=dict)
    #: Status when allowed, per actor, where it differs (untargeted routes).
    ok_for: dict[str, int] = field(default_factory=dict)
    body: Callable[[dict[str, Any]], dict[str, Any]] | None = None
    api: bool = False
    #: POST `body` as JSON (the API's actions) rather than as a form.
    json: bool = False

    @property
    def label(self) -> str:
        return f"{self.method}:{self.path}"


def _counter_body(w: dict[str, Any]) -> dict[str, Any]:
    return {"name": "Quầy mới tinh", "questionnaire": "short"}


def _unit_edit_body(w: dict[str, Any]) -> dict[str, Any]:
    code = w["unit"]
    return {"name": NAMES[code] + " (đổi tên)", "parent": PARENTS.get(code, "")}


def _new_unit_body(w: dict[str, Any]) -> dict[str, Any]:
    return {"code": "xa-moi", "name": "Xã Mới", "kind": "commune", "parent": w["unit"]}


def _procedure_body(w: dict[str, Any]) -> dict[str, Any]:
    return {"code": "MOI-01", "name": "Thủ tục mới", "field": "Hộ tịch"}


def _new_user_body(w: dict[str, Any]) -> dict[str, Any]:
    return {"email": "moi@x.vn", "name": "Người Mới", "role": "officer", "unit": w["unit"],
            "how": "password", "password": "mat-khau-moi-123"}


def _placement_body(w: dict[str, Any]) -> dict[str, Any]:
    return {"role": "officer", "unit": w["unit"]}


def _paper_body(w: dict[str, Any]) -> dict[str, Any]:
    return {"counter": str(w["counter"]), "questionnaire": "full",
            "answered_on": datetime.now(HANOI).date().isoformat(),
            "submission_id": new_submission_id(), "q_TC1": "4", "q_CC1": "5"}


def _petition_entry_body(w: dict[str, Any]) -> dict[str, Any]:
    """A petition received by phone a few minutes ago, for the unit the cell names."""
    at = datetime.now(HANOI) - timedelta(minutes=5)
    return {"channel": "hotline", "unit": w["unit"], "received_on": f"{at:%d/%m/%Y}",
            "received_time": f"{at:%H:%M}", "content": "Gọi điện phản ánh hồ sơ chậm.",
            "submission_id": new_submission_id()}


def _csv(text: str, name: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
    def body(_w: dict[str, Any]) -> dict[str, Any]:
        return {"file": (io.BytesIO(text.encode("utf-8")), name)}

    return body


UNIT_FILE = _csv("code,name,parent_code,kind\nxa-tu-tep,Xã Từ Tệp,tinh-a,commune\n",
                 "units.csv")
PROCEDURE_FILE = _csv("unit_code,code,name,field\nxa-a1,TEP-01,Thủ tục từ tệp,Hộ tịch\n",
                      "procedures.csv")
NEW_PASSWORD = "mat-khau-moi-456"

ROUTES: list[Route] = [
    # Reports, exports, charts: any staff role, any unit in scope.
    Route("reports.index", "GET", "/staff/", ALL, ok=302),
    Route("reports.dashboard", "GET", "/staff/dashboard?unit={unit}", ALL, "unit"),
    Route("reports.trend_png", "GET", "/staff/charts/trend.png?unit={unit}", ALL, "unit"),
    Route("reports.responses", "GET", "/staff/responses?unit={unit}", ALL, "unit"),
    Route("reports.export", "GET", "/staff/responses.csv?unit={unit}", ALL, "unit"),
    Route("reports.export", "GET", "/staff/responses.xlsx?unit={unit}", ALL, "unit"),
    Route("api.satisfaction", "GET", "/api/v1/satisfaction?unit={unit}", ALL, "unit",
          api=True),
    # The periodic report: everyone previews and downloads; leaders and admins mark it as
    # sent and set when it is due; a sent report's files are scoped like the rest.
    Route("periodic.preview", "GET", "/staff/reports/?unit={unit}&kind=monthly", ALL, "unit"),
    Route("periodic.download", "GET", "/staff/reports/report.xlsx?unit={unit}&period=2026-10",
          ALL, "unit"),
    Route("periodic.chart", "GET", "/staff/reports/charts/outcomes.png?unit={unit}", ALL,
          "unit"),
    Route("periodic.issue", "POST", "/staff/reports/issue?unit={unit}&period=2026-10",
          CHANGERS, "unit", ok=303, body=lambda w: {}),
    Route("periodic.issued_file", "GET", "/staff/reports/issued/{issued}.xlsx", ALL,
          "issued"),
    Route("periodic.schedule", "GET", "/staff/reports/schedule?unit={unit}", CHANGERS,
          "unit"),
    Route("periodic.schedule", "POST", "/staff/reports/schedule?unit={unit}", CHANGERS,
          "unit", ok=303,
          body=lambda w: {"kind": "quarterly", "due_day": "20", "month_offset": "0"}),
    # The petitions API: scoped like the pages; an action body missing its note is refused
    # by the workflow (422) only once past the role and the scope.
    Route("api.petition_stats", "GET", "/api/v1/petitions/stats?unit={unit}", ALL, "unit",
          api=True),
    Route("api.petitions", "GET", "/api/v1/petitions?unit={unit}", ALL, "unit", api=True),
    Route("api.petition", "GET", "/api/v1/petitions/{petition}", ALL, "petition", api=True),
    Route("api.petition_action", "POST", "/api/v1/petitions/{petition}/actions", PAPER,
          "petition", ok=422, body=lambda w: {"action": "note"}, api=True, json=True),
    # Counters: everyone reads and prints; admins and leaders change.
    Route("admin.counters", "GET", "/staff/counters?unit={unit}", ALL, "unit"),
    Route("admin.create", "POST", "/staff/counters?unit={unit}", CHANGERS, "unit", ok=303,
          ok_at={"tinh-a": 422}, body=_counter_body),  # a province has no counters
    Route("admin.rename", "POST", "/staff/counters/{counter}/rename", CHANGERS, "counter",
          ok=303, body=lambda w: {"name": "Quầy đổi tên"}),
    Route("admin.move", "POST", "/staff/counters/{counter}/move", CHANGERS, "counter",
          ok=303, body=lambda w: {"direction": "down"}),
    Route("admin.deactivate", "POST", "/staff/counters/{counter}/deactivate", CHANGERS,
          "counter", ok=303, body=lambda w: {}),
    Route("admin.reactivate", "POST", "/staff/counters/{counter}/reactivate", CHANGERS,
          "counter", ok=303, body=lambda w: {}),
    Route("admin.reissue", "GET", "/staff/counters/{counter}/reissue", CHANGERS, "counter"),
    Route("admin.reissue", "POST", "/staff/counters/{counter}/reissue", CHANGERS, "counter",
          ok=303, body=lambda w: {}),
    Route("admin.questionnaire", "POST", "/staff/counters/{counter}/questionnaire", CHANGERS,
          "counter", ok=303, body=lambda w: {"questionnaire": "full"}),
    Route("qr.counter_png", "GET", "/staff/counters/{counter}/qr.png", ALL, "counter"),
    Route("qr.counter_svg", "GET", "/staff/counters/{counter}/qr.svg", ALL, "counter"),
    Route("qr.counter_poster", "GET", "/staff/counters/{counter}/poster.pdf", ALL, "counter"),
    # A province has no counters: its posters link answers a 404 page naming the province
    # (told apart from a refusal by the name, see `_check_leak`).
    Route("qr.unit_posters", "GET", "/staff/units/{unit}/posters.pdf", ALL, "unit",
          ok_at={"tinh-a": 404}),
    Route("survey.paper", "GET", "/staff/paper", PAPER),
    Route("survey.paper", "POST", "/staff/paper", PAPER, "body-counter", ok=303,
          body=_paper_body),
    # Units: everyone reads the tree; admins change it.
    Route("units.index", "GET", "/staff/units", ALL),
    Route("units.create", "POST", "/staff/units", ADMIN, "body-unit", ok=422,
          ok_at={"tinh-a": 303}, body=_new_unit_body),  # only a province can be a parent
    Route("units.show", "GET", "/staff/units/{unit}", ALL, "unit"),
    Route("units.edit", "POST", "/staff/units/{unit}", ADMIN, "unit", ok=303,
          body=_unit_edit_body),
    Route("units.set_active", "POST", "/staff/units/{unit}/deactivate", ADMIN, "unit", ok=303,
          body=lambda w: {}),
    Route("units.set_active", "POST", "/staff/units/{unit}/reactivate", ADMIN, "unit", ok=303,
          body=lambda w: {}),
    Route("units.import_form", "GET", "/staff/import/units", ADMIN),
    # The file adds a commune under province A: a commune's admin may not.
    Route("units.import_preview", "POST", "/staff/import/units", ADMIN,
          ok_for={"admin@xa": 422}, body=UNIT_FILE),
    Route("units.import_apply", "POST", "/staff/import/units/apply", ADMIN, ok=303,
          body=lambda w: {"token": "not-a-preview"}),
    # Procedures: everyone reads; admins and leaders change.
    Route("procedures.index", "GET", "/staff/procedures?unit={unit}", ALL, "unit"),
    Route("procedures.create", "POST", "/staff/procedures?unit={unit}", CHANGERS, "unit",
          ok=303, ok_at={"tinh-a": 422}, body=_procedure_body),
    Route("procedures.edit_form", "GET", "/staff/procedures/{procedure}", CHANGERS,
          "procedure"),
    Route("procedures.edit", "POST", "/staff/procedures/{procedure}", CHANGERS, "procedure",
          ok=303, body=_procedure_body),
    Route("procedures.set_active", "POST", "/staff/procedures/{procedure}/deactivate",
          CHANGERS, "procedure", ok=303, body=lambda w: {}),
    Route("procedures.set_active", "POST", "/staff/procedures/{procedure}/reactivate",
          CHANGERS, "procedure", ok=303, body=lambda w: {}),
    Route("procedures.import_form", "GET", "/staff/import/procedures", CHANGERS),
    Route("procedures.import_preview", "POST", "/staff/import/procedures", CHANGERS,
          body=PROCEDURE_FILE),
    Route("procedures.import_apply", "POST", "/staff/import/procedures/apply", CHANGERS,
          ok=303, body=lambda w: {"token": "not-a-preview"}),
    # The SLA clock's settings: everyone reads; the calendar is the whole installation's
    # (only the installation admin changes it), a unit's SLA profile its admins'.
    Route("petition_settings.calendar", "GET", "/staff/calendar?year=2026", ALL),
    Route("petition_settings.calendar_set", "POST", "/staff/calendar", ADMIN, ok=303,
          ok_for={"admin@tinh": 403, "admin@xa": 403},
          body=lambda w: {"day": "08/12/2026", "kind": "off", "note": "Thử"}),
    Route("petition_settings.calendar_remove", "POST", "/staff/calendar/remove", ADMIN,
          ok=303, ok_for={"admin@tinh": 403, "admin@xa": 403},
          body=lambda w: {"day": "2026-12-08"}),
    Route("petition_settings.sla", "GET", "/staff/sla?unit={unit}", ALL, "unit"),
    Route("petition_settings.sla_set", "POST", "/staff/sla?unit={unit}", ADMIN, "unit",
          ok=303, body=lambda w: {"classify_days": "2", "transfer_days": "5",
                                  "reply_days": "12", "extension_days": "10"}),
    Route("petition_settings.sla_remove", "POST", "/staff/sla/remove?unit={unit}", ADMIN,
          "unit", ok=303, body=lambda w: {}),
    # Users: admins manage the accounts of their scope.
    Route("users.index", "GET", "/staff/users", ADMIN),
    Route("users.create", "GET", "/staff/users/new", ADMIN),
    Route("users.create", "POST", "/staff/users/new", ADMIN, "body-unit", ok=303,
          body=_new_user_body),
    Route("users.show", "GET", "/staff/users/{user}", ADMIN, "user"),
    Route("users.placement", "POST", "/staff/users/{user}/placement", ADMIN, "user", ok=303,
          body=_placement_body),
    Route("users.disable", "POST", "/staff/users/{user}/disable", ADMIN, "user", ok=303,
          body=lambda w: {}),
    Route("users.enable", "POST", "/staff/users/{user}/enable", ADMIN, "user", ok=303,
          body=lambda w: {}),
    Route("users.reset", "POST", "/staff/users/{user}/reset", ADMIN, "user", ok=303,
          body=lambda w: {}),
    Route("users.create_token", "POST", "/staff/users/{user}/tokens", ADMIN, "user", ok=303,
          body=lambda w: {"label": "Máy báo cáo", "days": "30"}),
    Route("users.revoke_token", "POST", "/staff/users/{user}/tokens/{token}/revoke", ADMIN,
          "user", ok=303, body=lambda w: {}),
    Route("admin.outbox", "GET", "/staff/outbox", ADMIN),
    # Petitions: everyone reads the inbox, a petition and its files; staff who handle
    # petitions act on them (the workflow decides which action) and enter them; leaders
    # and admins keep the reply templates.
    Route("petitions.index", "GET", "/staff/petitions?unit={unit}", ALL, "unit"),
    Route("petitions.show", "GET", "/staff/petitions/{petition}", ALL, "petition"),
    Route("petitions.act", "POST", "/staff/petitions/{petition}/actions", PAPER, "petition",
          ok=303, body=lambda w: {"action": "note", "note": "Ghi chú nội bộ"}),
    Route("petitions.download", "GET", "/staff/petitions/{petition}/files/{attachment}", ALL,
          "petition"),
    Route("petitions.new", "GET", "/staff/petitions/new", PAPER),
    Route("petitions.new", "POST", "/staff/petitions/new", PAPER, "body-unit", ok=303,
          body=_petition_entry_body),
    Route("petitions.templates", "GET", "/staff/petitions/templates?unit={unit}", ALL, "unit"),
    Route("petitions.create_template", "POST", "/staff/petitions/templates?unit={unit}",
          CHANGERS, "unit", ok=303, body=lambda w: {"title": "Mẫu mới", "body": "Kính gửi…"}),
    Route("petitions.change_template", "POST", "/staff/petitions/templates/{template}",
          CHANGERS, "template", ok=303, body=lambda w: {"do": "retire"}),
    # One's own account: everyone.
    Route("users.account", "GET", "/staff/account", ALL),
    Route("users.change_password", "POST", "/staff/account/password", ALL, ok=303,
          body=lambda w: {"current": PASSWORD, "password": NEW_PASSWORD,
                          "confirm": NEW_PASSWORD}),
    Route("users.create_own_token", "POST", "/staff/account/tokens", ALL, ok=303,
          body=lambda w: {"label": "Máy của tôi", "days": "30"}),
    Route("users.revoke_own_token", "POST", "/staff/account/tokens/{token}/revoke", ALL,
          "token", ok=303, body=lambda w: {}),
]

#: For "body-unit" routes a unit out of scope is refused by the form (422, nothing
#: stored, the unit's name never shown), not by the path: there is no page to hide.
BODY_REFUSAL = 422


# ------------------------------------------------------------------ the cells


@dataclass(frozen=True)
class Cell:
    route: Route
    actor: str
    target: str  # relation, or "-" for untargeted routes
    expected: int

    @property
    def id(self) -> str:
        return f"{self.route.label}-{self.actor}-{self.target}"


def _targets(route: Route, actor: str) -> list[str]:
    if not route.target:
        return ["-"]
    if route.target == "token":
        return ["own", "someone-else"] if actor != ANON else ["someone-else"]
    relations = list(TARGETS[_group(actor)])
    if route.target in ("counter", "procedure", "body-counter"):
        # Counters and procedures live in communes only.
        relations = [r for r in relations if TARGETS[_group(actor)][r] not in PROVINCES]
    return relations


def _expected(route: Route, actor: str, target: str) -> int:
    if actor == ANON:
        return 401 if route.api else 302
    role = ACTORS[actor][0]
    if role not in route.roles:
        return 403
    group = _group(actor)
    if route.target == "token":
        return route.ok if target == "own" else 404
    if route.target:
        unit = TARGETS[group][target]
        if target not in SEES[group]:
            return BODY_REFUSAL if route.target.startswith("body-") else 404
        return route.ok_at.get(unit, route.ok)
    return route.ok_for.get(actor, route.ok)


CELLS = [Cell(r, a, t, _expected(r, a, t))
         for r in ROUTES for a in [*ACTORS, ANON] for t in _targets(r, a)]


# ------------------------------------------------------------------ the world


@dataclass
class Ids:
    units: dict[str, int]
    counters: dict[str, int]  # by unit code
    procedures: dict[str, int]
    actors: dict[str, int]
    targets: dict[str, int]  # target account id by unit code
    target_tokens: dict[str, int]  # a token of that target account
    own_tokens: dict[str, int]  # by actor
    petitions: dict[str, str] = field(default_factory=dict)  # tracking code by unit code
    attachments: dict[str, int] = field(default_factory=dict)  # the petition's file
    templates: dict[str, int] = field(default_factory=dict)  # a reply template by unit
    issued: dict[str, int] = field(default_factory=dict)  # a sent report by unit


@pytest.fixture(scope="module")
def password_hash() -> str:
    from werkzeug.security import generate_password_hash

    return generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")


def _insert(model: type[Any], rows: list[dict[str, Any]]) -> list[int]:
    """One executemany with RETURNING: ids in the order of `rows` (fast, and the
    database's own sequences stay right on PostgreSQL)."""
    stmt = insert(model).returning(model.id, sort_by_parameter_order=True)
    return list(db.session.scalars(stmt, rows))


def _token_row(user_id: int, label: str) -> dict[str, Any]:
    digest = hashlib.sha256(f"{user_id}:{label}".encode()).hexdigest()
    return {"user_id": user_id, "token_hash": digest, "label": label}


@pytest.fixture
def ids(app: Flask, password_hash: str) -> Ids:
    """The world, fresh for every cell (the suite empties every table after each test),
    written with a handful of bulk inserts to keep some 1,300 cells quick."""
    with app.app_context():
        units = dict(zip(PROVINCES_ORDER, _insert(Unit, [
            {"code": c, "name": NAMES[c], "kind": "province"} for c in PROVINCES_ORDER]),
            strict=True))
        units.update(zip(COMMUNES, _insert(Unit, [
            {"code": c, "name": NAMES[c], "kind": "commune", "parent_id": units[PARENTS[c]]}
            for c in COMMUNES]), strict=True))
        counters = dict(zip(COMMUNES, _insert(Counter, [
            {"unit_id": units[c], "name": "Quầy 1", "position": 1} for c in COMMUNES]),
            strict=True))
        _insert(Counter, [{"unit_id": units["xa-a1"], "name": "Quầy 2", "position": 2}])
        procedures = dict(zip(COMMUNES, _insert(Procedure, [
            {"unit_id": units[c], "code": "HT01", "name": "Đăng ký khai sinh",
             "field": "Hộ tịch"} for c in COMMUNES]), strict=True))
        actors = dict(zip(ACTORS, _insert(User, [
            {"email": f"{name.replace('@', '.')}@x.vn", "role": role,
             "unit_id": units[code] if code else None, "password_hash": password_hash}
            for name, (role, code) in ACTORS.items()]), strict=True))
        targets = dict(zip(units, _insert(User, [
            {"email": f"muc-tieu.{code}@x.vn", "role": "viewer", "unit_id": unit_id,
             "password_hash": password_hash} for code, unit_id in units.items()]),
            strict=True))
        target_tokens = dict(zip(targets, _insert(ApiToken, [
            _token_row(uid, "máy cũ") for uid in targets.values()]), strict=True))
        own_tokens = dict(zip(actors, _insert(ApiToken, [
            _token_row(uid, "của tôi") for uid in actors.values()]), strict=True))
        world = Ids(units, counters, procedures, actors, targets, target_tokens, own_tokens)
        _add_petitions(app, world)
        db.session.commit()
        return world


def _add_petitions(app: Flask, world: Ids) -> None:
    """A petition in every unit, with one attached file (on disk too), and a reply
    template in every unit."""
    from feedback.links import new_short_code
    from feedback.models import (
        IssuedReport,
        IssuedReportFile,
        Petition,
        PetitionAttachment,
        ReplyTemplate,
    )

    today = datetime.now(HANOI).date()
    codes = {code: new_short_code() for code in world.units}
    ids = dict(zip(world.units, _insert(Petition, [
        {"code": codes[code], "unit_id": unit_id, "channel": "web", "kind": "pakn",
         "content": "Hồ sơ trả chậm", "sender_name": "Nguyễn Văn An",
         "status": "received", "received_at": datetime.now(HANOI), "classify_due": today,
         "transfer_due": today, "reply_due": today, "extended": False}
        for code, unit_id in world.units.items()]), strict=True))
    folder = Path(app.config["ATTACHMENT_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    names = {code: f"{hashlib.md5(code.encode()).hexdigest()}.pdf"  # noqa: S324
             for code in world.units}
    for name in names.values():
        (folder / name).write_bytes(b"%PDF-1.4\n%%EOF\n")
    world.petitions = codes
    world.attachments = dict(zip(world.units, _insert(PetitionAttachment, [
        {"petition_id": ids[code], "filename": "don.pdf", "content_type": "application/pdf",
         "size": 15, "sha256": "0" * 64, "storage_name": names[code]}
        for code in world.units]), strict=True))
    world.templates = dict(zip(world.units, _insert(ReplyTemplate, [
        {"unit_id": unit_id, "title": "Mẫu trả lời", "body": "Kính gửi ông/bà…"}
        for unit_id in world.units.values()]), strict=True))
    world.issued = dict(zip(world.units, _insert(IssuedReport, [
        {"unit_id": unit_id, "kind": "monthly", "period_first": date(2026, 10, 1),
         "period_last": date(2026, 10, 31), "revision": 1, "figures": "{}",
         "issued_at": datetime.now(HANOI)} for unit_id in world.units.values()]),
        strict=True))
    _insert(IssuedReportFile, [
        {"report_id": report_id, "format": "xlsx", "sha256": "0" * 64, "size": 2,
         "content": b"PK"} for report_id in world.issued.values()])


#: Derived bookkeeping, not data: a figure's read may fold yesterday's responses into the
#: satisfaction aggregate (feedback.reports.tally), which changes no figure; `feedback
#: aggregates verify` checks it against the raw rows instead.
DERIVED = frozenset({"tally", "tally_state"})


def _fingerprint() -> dict[str, list[tuple[str, ...]]]:
    """Every row of every table but the derived ones, as text: equal before and after
    means nothing changed."""
    out = {}
    with db.engine.connect() as conn:
        for table in db.metadata.sorted_tables:
            if table.name in DERIVED:
                continue
            rows = conn.execute(select(table)).all()
            out[table.name] = sorted(tuple(map(str, row)) for row in rows)
    return out


def _sign_in(client: FlaskClient, user_id: int) -> None:
    """The session Flask-Login would write (id and session version), without a login
    request, so the cell starts from a known database."""
    with client.session_transaction() as session:
        session["_user_id"] = f"{user_id}:1"  # a new account's session version
        session["_fresh"] = True


def _request(cell: Cell, ids: Ids) -> tuple[str, dict[str, Any]]:
    route, group = cell.route, _group(cell.actor)
    unit = TARGETS[group].get(cell.target, "xa-a1") if route.target not in ("", "token") \
        else "xa-a1"
    values: dict[str, Any] = {"unit": unit}
    if route.target in ("counter", "body-counter"):
        values["counter"] = ids.counters[unit]
    if route.target == "procedure":
        values["procedure"] = ids.procedures[unit]
    if route.target == "user":
        values["user"] = ids.targets[unit]
        values["token"] = ids.target_tokens[unit]
    if route.target == "petition":
        values["petition"] = ids.petitions[unit]
        values["attachment"] = ids.attachments[unit]
    if route.target == "template":
        values["template"] = ids.templates[unit]
    if route.target == "issued":
        values["issued"] = ids.issued[unit]
    if route.target == "token":
        owner = cell.actor if cell.target == "own" else "viewer@xa"
        if cell.actor == "viewer@xa" and cell.target != "own":
            owner = "leader@xa"
        values["token"] = ids.own_tokens[owner]
    path = route.path.format(**values)
    return path, (route.body(values) if route.body else {})


def _check_leak(cell: Cell, body: str) -> None:
    """A refused unit is never named; an allowed 404 (a province's posters) names it."""
    if cell.route.target in ("", "token"):
        return
    unit = TARGETS[_group(cell.actor)].get(cell.target, "")
    name = NAMES.get(unit, "")
    if cell.expected == 404 and cell.target not in SEES[_group(cell.actor)]:
        assert name not in body, f"{cell.id}: the refused unit's name leaks"
    elif cell.expected == 404:
        assert name in body, f"{cell.id}: an allowed 404 page should name the unit"


@pytest.mark.parametrize("cell", CELLS, ids=[c.id for c in CELLS])
def test_cell(cell: Cell, app: Flask, client: FlaskClient, ids: Ids) -> None:
    if cell.actor != ANON:
        _sign_in(client, ids.actors[cell.actor])
    path, data = _request(cell, ids)
    watch = cell.expected != 303
    if watch:
        with app.app_context():
            before = _fingerprint()
    if cell.route.method == "GET":
        resp = client.get(path)
    elif cell.route.json:
        resp = client.post(path, json=data)
    else:
        resp = client.post(path, data=data, content_type="multipart/form-data")
    text = resp.get_data().decode("utf-8", "replace")
    assert resp.status_code == cell.expected, f"{cell.id}: {resp.status_code}\n{text[:600]}"
    if resp.status_code == 302:
        location = resp.headers["Location"]
        if cell.actor == ANON:
            assert "/login" in location, location
        else:
            assert "/login" not in location, location
    if resp.status_code != 500:
        _check_leak(cell, text)
    if watch:
        with app.app_context():
            after = _fingerprint()
        changed = [t for t in before if before[t] != after[t]]
        assert not changed, f"{cell.id} answered {resp.status_code} but changed {changed}"


def test_matrix_covers_every_staff_route(app: Flask) -> None:
    """A new /staff or /api route must get a row in ROUTES (and so a column of cells)."""
    covered = {(r.endpoint, r.method) for r in ROUTES}
    missing = sorted(
        (rule.endpoint, method, rule.rule)
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith(("/staff", "/api"))
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}
        if (rule.endpoint, method) not in covered
    )
    assert not missing, f"routes the authorization matrix does not cover: {missing}"


def test_matrix_has_every_kind_of_cell() -> None:
    """The table is not vacuous: every outcome occurs, foreign units many times."""
    seen = {c.expected for c in CELLS}
    assert {200, 302, 303, 401, 403, 404, 422} <= seen, seen
    assert sum(c.expected == 404 for c in CELLS) > 100

