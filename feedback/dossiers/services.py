"""`feedback dossiers import`: the province's TTHC export into the `dossier` table.

Seed plans ask that every dossier be tracked on the province's system; importing its
export lets the periodic report say how many were returned on time, per procedure, and
match survey answers that carry a dossier code to their dossier.

- **Columns** by the header table (`columns.HEADERS`): code, received and due required;
  the unit from a column or `--unit`; the procedure matched by code (or, without a code
  column, by name) among the unit's procedures.
- **The code is never stored**: only `links.dossier_hash(secret, code)`, the same keyed
  hash a survey response keeps, so matching is an equality join on the hash. Messages
  name a bad row by its line, never by its code.
- **Idempotent**: a dossier is (unit, hash); importing the same export again, or a later
  one overlapping it, updates the procedure and the dates and counts the rest unchanged.
- **All or nothing, in bounded memory**: the rows are streamed (`files.records`) and
  written in batches of `BATCH` inside one transaction — one SELECT of the batch's
  existing dossiers, one executemany INSERT, one executemany UPDATE — and the first bad
  row stops the writing; every row is still checked, so the refusal names every bad line,
  and the transaction is rolled back. On SQLite the import holds the writer lock for its
  length (about a second per 30,000 rows here), so run a year's file outside office hours.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError

from feedback import audit, links, org
from feedback.admin.imports import MESSAGES as IMPORT_MESSAGES
from feedback.dossiers import columns, files
from feedback.extensions import db
from feedback.models import Dossier, Procedure, Unit
from feedback.msgid import N_
from feedback.text_rules import has_control

#: Rows written per statement: big enough that a year's file is a few hundred statements,
#: small enough for SQLite's parameter limit in the batch's SELECT.
BATCH = 2000
#: Dates before or after these years are typos (2062 for 2026), not dossiers.
MIN_YEAR, MAX_YEAR = 2000, 2100

#: key → Vietnamese message (translated for the reader with gettext); the import parser's
#: own keys (file-level problems, an empty cell) come from `admin.imports.MESSAGES`.
MESSAGES: dict[str, str] = {
    "cannot_read": N_("Không đọc được tệp: %(reason)s."),
    "missing_field": N_("Thiếu cột %(field)s: đặt tên cột là một trong %(accepted)s."),
    "same_field": N_("Cột “%(column)s” và cột “%(other)s” cùng là %(field)s: xin giữ một "
                     "cột."),
    "no_unit_column": N_("Tệp không có cột mã đơn vị: ghi --unit MÃ_ĐƠN_VỊ hoặc thêm cột "
                         "“Mã đơn vị”."),
    "no_unit": N_("Ô mã đơn vị trống và không có --unit."),
    "unknown_unit": N_("Không có đơn vị nào mang mã “%(code)s”."),
    "outside_unit": N_("Đơn vị “%(code)s” không thuộc %(unit)s (--unit)."),
    "bad_code": N_("Mã hồ sơ không hợp lệ: chỉ gồm chữ, số, dấu cách, dấu chấm, gạch ngang "
                   "và gạch chéo, tối đa 40 ký tự."),
    "same_dossier": N_("Trùng hồ sơ ở dòng %(first)d (cùng đơn vị, cùng mã hồ sơ)."),
    "bad_date": N_("“%(value)s” không phải ngày theo dạng dd/mm/yyyy (có thể kèm giờ "
                   "HH:MM) hoặc yyyy-mm-dd."),
    "impossible_date": N_("Ngày giờ “%(value)s” không có thật."),
    "year_range": N_("Năm %(year)d nằm ngoài khoảng nhập được (%(min)d–%(max)d)."),
    "future": N_("Thời điểm “%(value)s” ở tương lai."),
    "due_before_received": N_("Ngày hẹn trả (%(due)s) trước ngày tiếp nhận "
                              "(%(received)s)."),
    "returned_before_received": N_("Ngày trả kết quả (%(returned)s) trước ngày tiếp nhận "
                                   "(%(received)s)."),
    "no_procedure": N_("Ô mã thủ tục và ô tên thủ tục đều trống."),
    "unknown_procedure": N_("Đơn vị %(unit)s không có thủ tục mã “%(code)s”. Thêm thủ tục "
                            "vào danh sách của đơn vị (feedback procedures import) rồi nhập "
                            "lại."),
    "unknown_procedure_name": N_("Đơn vị %(unit)s không có thủ tục tên “%(name)s”. Thêm "
                                 "thủ tục vào danh sách của đơn vị (feedback procedures "
                                 "import) rồi nhập lại."),
    "ambiguous_procedure": N_("Đơn vị %(unit)s có nhiều thủ tục tên “%(name)s”: thêm cột "
                              "“Mã thủ tục”."),
    "race": N_("Cùng lúc đó các hồ sơ này đã được nhập ở nơi khác; không lưu gì. Xin thử "
               "lại."),
}

_FIELD_WORDS = {"code": N_("mã hồ sơ"), "unit": N_("mã đơn vị"),
                "procedure_code": N_("mã thủ tục"), "procedure_name": N_("tên thủ tục"),
                "received": N_("ngày tiếp nhận"), "due": N_("ngày hẹn trả"),
                "returned": N_("ngày trả kết quả")}

_LIMITS = {"procedure_code": 40, "procedure_name": 300}


@dataclass(frozen=True)
class Issue:
    """One problem: `line` 0 is the file as a whole; `column` the file's own header."""

    line: int
    column: str
    key: str
    params: dict[str, Any] = field(default_factory=dict)

    def describe(self) -> str:
        """In the reader's language (Vietnamese for the command): "Dòng 4, cột Ngày hẹn
        trả: …"."""
        template = MESSAGES.get(self.key) or IMPORT_MESSAGES[self.key][0]
        params = {k: _(v) if k == "field" else v for k, v in self.params.items()}
        text = _(template) % params if params else _(template)
        where = [_("Dòng %(line)d", line=self.line)] if self.line else []
        if self.column:
            where.append(_("cột %(column)s", column=self.column))
        return f"{', '.join(where)}: {text}" if where else text


class DossiersRefused(ValueError):
    """Nothing was stored. `str()` is the message the command prints: how many rows were
    read and refused, then every problem, one per line."""

    def __init__(self, issues: list[Issue], read: int = 0) -> None:
        self.issues, self.read = issues, read
        self.rejected = len({i.line for i in issues if i.line})
        head = (_("Không lưu gì: tệp có %(num)d lỗi.", num=len(issues)) if not read else
                _("Không lưu gì: đã đọc %(read)d dòng, %(rejected)d dòng bị từ chối "
                  "(%(num)d lỗi).", read=read, rejected=self.rejected, num=len(issues)))
        super().__init__("\n".join([head, *(i.describe() for i in issues)]))


@dataclass(frozen=True)
class Summary:
    """What an import did: rows read, dossiers new, changed and already as imported."""

    read: int
    new: int
    updated: int
    unchanged: int
    rejected: int = 0


@dataclass
class _Layout:
    """Which cell of a row holds which field, and the file's name of each column."""

    index: dict[str, int]
    header: dict[str, str]

    def cell(self, cells: Sequence[object], name: str) -> object:
        i = self.index.get(name)
        if i is None or i >= len(cells):
            return None
        value = cells[i]
        return value.strip() if isinstance(value, str) else value


@dataclass
class _Catalogue:
    """One unit's procedures, read once: by code, and by name."""

    by_code: dict[str, Procedure]
    by_name: dict[str, list[Procedure]]


def _fold_name(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


class _Importer:
    """One import: the caches (units, procedures, the file's dossiers so far), the batch
    being built, the issues and the counts."""

    def __init__(self, default_unit: Unit | None, tz: ZoneInfo, now: datetime) -> None:
        self.default_unit = default_unit
        self.scope = org.descendant_ids(default_unit.id) if default_unit else None
        self.tz, self.now = tz, now
        self.secret: str = current_app.config["SECRET_KEY"]
        self.units: dict[str, Unit | None] = {}
        self.catalogues: dict[int, _Catalogue] = {}
        self.procedures: dict[tuple[int, str, str], tuple[
            tuple[int | None, str, str] | None, tuple[str, str, dict[str, Any]] | None]] = {}
        self.seen: dict[tuple[int, str], int] = {}
        self.batch: list[dict[str, Any]] = []
        self.issues: list[Issue] = []
        self.read = self.new = self.updated = self.unchanged = 0

    # ------------------------------------------------------------------ the header

    def layout(self, line: int, header: Sequence[object]) -> _Layout:
        index: dict[str, int] = {}
        names: dict[str, str] = {}
        for i, raw in enumerate(header):
            text = "" if raw is None else str(raw).strip()
            name = columns.field_of(text) if text else None
            if name is None:
                continue
            if name in index:
                self.issues.append(Issue(line, text, "same_field",
                                         {"column": names[name], "other": text,
                                          "field": _FIELD_WORDS[name]}))
                continue
            index[name], names[name] = i, text
        for name in columns.REQUIRED:
            if name not in index:
                accepted = ", ".join(f"“{h}”" for h in columns.accepted_headers(name))
                self.issues.append(Issue(line, "", "missing_field",
                                         {"field": _FIELD_WORDS[name], "accepted": accepted}))
        if "unit" not in index and self.default_unit is None:
            self.issues.append(Issue(line, "", "no_unit_column"))
        return _Layout(index, names)

    # ------------------------------------------------------------------ a row

    def row(self, line: int, cells: Sequence[object], layout: _Layout) -> None:
        self.read += 1
        before = len(self.issues)
        unit = self._unit(line, cells, layout)
        code = layout.cell(cells, "code")
        if isinstance(code, float) and code.is_integer():  # a number typed in Excel
            code = int(code)
        code_text = "" if code is None else str(code).strip()
        if not code_text:
            self._issue(line, layout, "code", "empty_value",
                        column=layout.header.get("code", "code"))
        elif not links.is_dossier_code(code_text):
            self._issue(line, layout, "code", "bad_code")
        received = self._moment(line, cells, layout, "received", required=True)
        due = self._moment(line, cells, layout, "due", required=True)
        returned = self._moment(line, cells, layout, "returned", required=False)
        if received is not None and due is not None and self._day(due) < self._day(received):
            self._issue(line, layout, "due", "due_before_received",
                        due=self._show(due), received=self._show(received))
        # By day, as the verdict: a return written without its time on the day of
        # receipt is that day's, not "before" a receipt at 09:00.
        if received is not None and returned is not None and \
                self._day(returned) < self._day(received):
            self._issue(line, layout, "returned", "returned_before_received",
                        returned=self._show(returned), received=self._show(received))
        procedure = self._procedure(line, cells, layout, unit) if unit else None
        if len(self.issues) > before or unit is None or received is None or due is None:
            return
        digest = links.dossier_hash(self.secret, code_text)
        first = self.seen.setdefault((unit.id, digest), line)
        if first != line:
            self._issue(line, layout, "code", "same_dossier", first=first)
            return
        if self.issues:
            return  # a bad row already: nothing more is written, every row still checked
        proc_id, proc_code, proc_name = procedure or (None, "", "")
        self.batch.append({
            "unit_id": unit.id, "dossier_hash": digest, "procedure_id": proc_id,
            "procedure_code": proc_code, "procedure_name": proc_name,
            "received_at": received, "due_at": due, "returned_at": returned,
            "received_day": self._day(received), "due_day": self._day(due),
            "returned_day": self._day(returned) if returned is not None else None,
        })
        if len(self.batch) >= BATCH:
            self.flush()

    def _issue(self, line: int, layout: _Layout, field_name: str, key: str, **params: Any
               ) -> None:
        self.issues.append(Issue(line, layout.header.get(field_name, ""), key, params))

    def _day(self, moment: datetime) -> date:
        """The local day an instant falls on: what periods and the verdict compare."""
        return moment.astimezone(self.tz).date()

    def _show(self, moment: datetime) -> str:
        return f"{moment.astimezone(self.tz):%d/%m/%Y %H:%M}"

    def _unit(self, line: int, cells: Sequence[object], layout: _Layout) -> Unit | None:
        raw = layout.cell(cells, "unit")
        code = "" if raw is None else str(raw).strip().lower()
        if not code:
            if self.default_unit is None:
                self._issue(line, layout, "unit", "no_unit")
            return self.default_unit
        if code not in self.units:
            self.units[code] = org.find_unit(code)
        unit = self.units[code]
        if unit is None:
            self._issue(line, layout, "unit", "unknown_unit", code=code[:40])
        elif self.scope is not None and unit.id not in self.scope:
            self._issue(line, layout, "unit", "outside_unit", code=code,
                        unit=self.default_unit.code if self.default_unit else "")
            return None
        return unit

    def _moment(self, line: int, cells: Sequence[object], layout: _Layout, name: str, *,
                required: bool) -> datetime | None:
        value = layout.cell(cells, name)
        if value is None or value == "":
            if required:
                self._issue(line, layout, name, "empty_value",
                            column=layout.header.get(name, name))
            return None
        try:
            moment = columns.parse_moment(value, self.tz)
        except columns.BadDate as exc:
            self._issue(line, layout, name, exc.key, value=_clip(str(value)))
            return None
        if not MIN_YEAR <= moment.astimezone(self.tz).year <= MAX_YEAR:
            self._issue(line, layout, name, "year_range", year=moment.year, min=MIN_YEAR,
                        max=MAX_YEAR)
            return None
        if name != "due" and moment > self.now:
            self._issue(line, layout, name, "future", value=self._show(moment))
            return None
        return moment.astimezone(UTC)

    def _procedure(self, line: int, cells: Sequence[object], layout: _Layout, unit: Unit
                   ) -> tuple[int | None, str, str] | None:
        """(procedure id, code, name) as stored; None without procedure columns or when
        the row's procedure is refused (the issue is recorded)."""
        if "procedure_code" not in layout.index and "procedure_name" not in layout.index:
            return None
        texts = []
        for name in ("procedure_code", "procedure_name"):
            raw = layout.cell(cells, name)
            if isinstance(raw, float) and raw.is_integer():
                raw = int(raw)
            texts.append("" if raw is None else str(raw).strip())
        key = (unit.id, texts[0], texts[1])
        if key not in self.procedures:  # a year's rows name a few dozen procedures
            self.procedures[key] = self._resolve(unit, layout, texts[0], texts[1])
        found, problem = self.procedures[key]
        if problem is not None:
            self._issue(line, layout, problem[0], problem[1], **problem[2])
        return found

    def _resolve(self, unit: Unit, layout: _Layout, code: str, name: str
                 ) -> tuple[tuple[int | None, str, str] | None,
                            tuple[str, str, dict[str, Any]] | None]:
        """A procedure code and name as the file gives them → (the stored triple, None),
        or (None, (field, message key, params)) when they are refused."""
        for field_name, text in (("procedure_code", code), ("procedure_name", name)):
            column = layout.header.get(field_name, field_name)
            if has_control(text):
                return None, (field_name, "control_chars", {"column": column})
            if len(text) > _LIMITS[field_name]:
                return None, (field_name, "too_long", {"length": len(text), "column": column,
                                                       "limit": _LIMITS[field_name]})
        catalogue = self._catalogue(unit.id)
        if code:
            found = catalogue.by_code.get(code.lower())
            if found is None:
                return None, ("procedure_code", "unknown_procedure",
                              {"unit": unit.code, "code": _clip(code)})
            return (found.id, found.code, name or found.name), None
        if not name:
            return None, ("procedure_name" if "procedure_name" in layout.index
                          else "procedure_code", "no_procedure", {})
        named = catalogue.by_name.get(_fold_name(name), [])
        if len(named) != 1:
            return None, ("procedure_name",
                          "unknown_procedure_name" if not named else "ambiguous_procedure",
                          {"unit": unit.code, "name": _clip(name)})
        return (named[0].id, named[0].code, named[0].name), None

    def _catalogue(self, unit_id: int) -> _Catalogue:
        if unit_id not in self.catalogues:
            by_code: dict[str, Procedure] = {}
            by_name: dict[str, list[Procedure]] = {}
            for p in db.session.scalars(select(Procedure).where(Procedure.unit_id == unit_id)):
                by_code[p.code.strip().lower()] = p
                by_name.setdefault(_fold_name(p.name), []).append(p)
            self.catalogues[unit_id] = _Catalogue(by_code, by_name)
        return self.catalogues[unit_id]

    # ------------------------------------------------------------------ writing

    def flush(self) -> None:
        """Write the batch: the dossiers not stored yet inserted, the stored ones updated
        where the export changed them."""
        if not self.batch:
            return
        table = Dossier.__table__
        compared = ("procedure_id", "procedure_code", "procedure_name", "received_at",
                    "due_at", "returned_at")
        existing = {(r.unit_id, r.dossier_hash): r for r in db.session.execute(
            select(table.c.id, table.c.unit_id, table.c.dossier_hash,
                   *(table.c[c] for c in compared))
            .where(table.c.unit_id.in_(sorted({r["unit_id"] for r in self.batch})),
                   table.c.dossier_hash.in_([r["dossier_hash"] for r in self.batch])))}
        inserts, updates = [], []
        for row in self.batch:
            old = existing.get((row["unit_id"], row["dossier_hash"]))
            if old is None:
                inserts.append(row | {"imported_at": self.now, "updated_at": self.now})
            elif any(getattr(old, c) != row[c] for c in compared):
                updates.append({f"new_{k}": v for k, v in row.items()
                                if k not in ("unit_id", "dossier_hash")}
                               | {"old_id": old.id, "new_updated_at": self.now})
            else:
                self.unchanged += 1
        if inserts:
            db.session.execute(insert(table), inserts)
        if updates:
            names = [k.removeprefix("new_") for k in updates[0] if k.startswith("new_")]
            db.session.execute(update(table).where(table.c.id == bindparam("old_id"))
                               .values({n: bindparam(f"new_{n}") for n in names}), updates)
        self.new += len(inserts)
        self.updated += len(updates)
        self.batch = []


def _clip(value: str, limit: int = 40) -> str:
    """A cell quoted in a message: a paragraph in the wrong column must not drown the
    list of problems."""
    return value if len(value) <= limit else value[:limit - 1] + "…"


def import_dossiers(path: str, unit_code: str | None = None, *, now: datetime | None = None
                    ) -> Summary:
    """Check every row of the export at `path` and upsert its dossiers, in one
    transaction. Raises DossiersRefused (a ValueError) and stores nothing when the file
    or any row is wrong; LookupError-free: an unknown `--unit` is refused the same way."""
    tz = ZoneInfo(current_app.config["TIMEZONE"])
    now = now or datetime.now(UTC)
    default_unit = None
    if unit_code is not None:
        default_unit = org.find_unit(unit_code.strip().lower())
        if default_unit is None:
            raise DossiersRefused([Issue(0, "", "unknown_unit", {"code": _clip(unit_code)})])
    importer = _Importer(default_unit, tz, now)
    layout: _Layout | None = None
    try:
        for line, cells in files.records(path):
            if layout is None:
                layout = importer.layout(line, cells)
                if importer.issues:
                    raise DossiersRefused(importer.issues)
                continue
            importer.row(line, cells, layout)
        if layout is None:
            raise DossiersRefused([Issue(0, "", "empty_file", {
                "expected": ", ".join(columns.accepted_headers("code")[:1]
                                      + columns.accepted_headers("received")[:1]
                                      + columns.accepted_headers("due")[:1])})])
        if importer.issues:
            raise DossiersRefused(importer.issues, importer.read)
        if not importer.read:
            raise DossiersRefused([Issue(0, "", "header_only")])
        importer.flush()
        audit.record(None, default_unit.id if default_unit else None, "dossiers.import",
                     "file", f"{importer.read} row(s): {importer.new} new, "
                             f"{importer.updated} updated, {importer.unchanged} unchanged")
        db.session.commit()
    except files.FileRefused as exc:
        db.session.rollback()
        params = {"reason": exc.reason} if exc.key == "cannot_read" else {}
        raise DossiersRefused([Issue(exc.line, "", exc.key, params)]) from None
    except IntegrityError:  # the same dossiers imported at the same moment elsewhere
        db.session.rollback()
        raise DossiersRefused([Issue(0, "", "race")]) from None
    except BaseException:
        db.session.rollback()
        raise
    return Summary(importer.read, importer.new, importer.updated, importer.unchanged)

