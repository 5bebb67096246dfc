"""Units, counters and procedures: CSV imports and listings used by the CLI."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from sqlalchemy import select

from feedback.extensions import db
from feedback.models import Counter, Procedure, Unit
from feedback.models.org import UNIT_CODE
from feedback.org import unit_by_code

UNIT_COLUMNS = ("code", "name", "parent_code", "kind")
PROCEDURE_COLUMNS = ("unit_code", "code", "name", "field")


class CsvImportError(ValueError):
    """A CSV row is wrong; nothing from the file was stored."""


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int


def _rows(text: str, columns: tuple[str, ...], required: tuple[str, ...]) -> list[dict[str, str]]:
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = set(reader.fieldnames or ())
    missing = [c for c in required if c not in header]
    if missing:
        raise CsvImportError(
            f"missing column(s): {', '.join(missing)}; expected {', '.join(columns)}")
    rows = []
    for line, row in enumerate(reader, start=2):
        clean = {k: (row.get(k) or "").strip() for k in columns}
        for col in required:
            if not clean[col]:
                raise CsvImportError(f"line {line}: empty {col}")
        rows.append(clean)
    return rows


def import_units(text: str) -> ImportResult:
    """Upsert units by code; parents may appear later in the same file."""
    rows = _rows(text, UNIT_COLUMNS, ("code", "name"))
    for row in rows:
        if not UNIT_CODE.match(row["code"]):
            raise CsvImportError(f"unit {row['code']!r}: a code is 1–40 of a-z, 0-9 and '-'")
        if (row["kind"] or "commune") not in ("province", "commune"):
            raise CsvImportError(f"unit {row['code']}: kind must be province or commune")
    existing = {u.code: u for u in db.session.scalars(select(Unit))}
    created = updated = 0
    for row in rows:
        kind = row["kind"] or "commune"
        unit = existing.get(row["code"])
        if unit is None:
            unit = Unit(code=row["code"], name=row["name"], kind=kind)
            db.session.add(unit)
            existing[unit.code] = unit
            created += 1
        else:
            unit.name, unit.kind = row["name"], kind
            updated += 1
    for row in rows:
        if row["parent_code"]:
            parent = existing.get(row["parent_code"])
            if parent is None or parent.code == row["code"]:
                db.session.rollback()
                raise CsvImportError(f"unit {row['code']}: unknown parent {row['parent_code']}")
            existing[row["code"]].parent = parent
    for unit in existing.values():
        if _in_a_loop(unit):
            db.session.rollback()
            raise CsvImportError(f"unit {unit.code}: its parents lead back to itself")
    db.session.commit()
    return ImportResult(created, updated)


def _in_a_loop(unit: Unit) -> bool:
    """A loop would put a province under its own commune and widen everyone's scope."""
    seen = {unit.code}
    parent = unit.parent
    while parent is not None:
        if parent.code in seen:
            return True
        seen.add(parent.code)
        parent = parent.parent
    return False


def import_procedures(text: str) -> ImportResult:
    rows = _rows(text, PROCEDURE_COLUMNS, ("unit_code", "code", "name"))
    units = {u.code: u for u in db.session.scalars(select(Unit))}
    existing = {(p.unit_id, p.code): p for p in db.session.scalars(select(Procedure))}
    created = updated = 0
    for row in rows:
        unit = units.get(row["unit_code"])
        if unit is None:
            db.session.rollback()
            raise CsvImportError(f"procedure {row['code']}: unknown unit {row['unit_code']}")
        proc = existing.get((unit.id, row["code"]))
        if proc is None:
            proc = Procedure(unit_id=unit.id, code=row["code"], name=row["name"],
                             field=row["field"])
            db.session.add(proc)
            existing[(unit.id, row["code"])] = proc
            created += 1
        else:
            proc.name, proc.field, proc.active = row["name"], row["field"], True
            updated += 1
    db.session.commit()
    return ImportResult(created, updated)


def all_units() -> list[Unit]:
    return list(db.session.scalars(select(Unit).order_by(Unit.code)))


def counters_of(unit_code: str) -> list[Counter]:
    return list(unit_by_code(unit_code).counters)


def counter_by_id(counter_id: int) -> Counter | None:
    return db.session.get(Counter, counter_id)
