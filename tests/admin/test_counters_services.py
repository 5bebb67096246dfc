"""Counter lifecycle rules (pure, table-driven) and the CLI face of the same services."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from feedback.admin import counters as desk
from feedback.extensions import db
from feedback.models import AuditEvent, Counter


@pytest.mark.parametrize(("raw", "clean"), [
    ("Quầy 1", "Quầy 1"),
    ("  Quầy   1 — Tư pháp ", "Quầy 1 — Tư pháp"),
    ("Quầy\u00a02", "Quầy 2"),  # a no-break space is a space
    ("Qua\u0300y 3", "Quày 3"),  # decomposed marks are composed (NFC)
    ("x" * 200, "x" * 200),
])
def test_clean_name_accepts(raw: str, clean: str) -> None:
    assert desk.clean_name(raw) == clean


@pytest.mark.parametrize(("raw", "reason"), [
    ("", "empty"), ("   ", "empty"), ("x" * 201, "too_long"),
    ("Quầy\x00", "control"), ("Quầy\x1b[31m", "control"), ("Quầy\x7f", "control"),
    # One line: a pasted line break or tab is refused, not silently joined.
    ("Quầy\n2", "control"), ("Quầy\r\n2", "control"), ("Quầy\t1", "control"),
    ("   \n ", "control"), ("Quầy\u20282", "control"), ("Quầy\x852", "control"),
])
def test_clean_name_refuses(raw: str, reason: str) -> None:
    with pytest.raises(desk.CounterError) as exc:
        desk.clean_name(raw)
    assert exc.value.reason == reason


@pytest.mark.parametrize(("order", "moved", "direction", "expected"), [
    ([1, 2, 3], 2, "up", [2, 1, 3]),
    ([1, 2, 3], 2, "down", [1, 3, 2]),
    ([1, 2, 3], 1, "up", [1, 2, 3]),
    ([1, 2, 3], 3, "down", [1, 2, 3]),
    ([7], 7, "down", [7]),
])
def test_swapped(order: list[int], moved: int, direction, expected: list[int]) -> None:
    assert desk.swapped(order, moved, direction) == expected
    assert order == sorted(order)  # the input is not changed


def test_move_renumbers_duplicate_positions(app, world) -> None:
    with app.app_context():
        for c in db.session.scalars(select(Counter).where(Counter.unit_id == world.commune.id)):
            c.position = 0
        db.session.commit()
        second = db.session.get(Counter, world.full_counter.id)
        assert desk.move(second, "up") is True
        rows = list(db.session.scalars(select(Counter).where(
            Counter.unit_id == world.commune.id).order_by(Counter.position)))
        assert [(c.id, c.position) for c in rows] == [(world.full_counter.id, 1),
                                                      (world.counter.id, 2)]


def test_cli_creates_a_counter_with_the_same_rules(app, runner, world) -> None:
    ok = runner.invoke(args=["counters", "create", "--unit", "xa-a2", "--name", "Quầy 2",
                             "--questionnaire", "full"])
    assert ok.exit_code == 0, ok.output
    assert "Created counter" in ok.output and "http://127.0.0.1:5000/q/" in ok.output
    with app.app_context():
        new = db.session.scalar(select(Counter).where(Counter.name == "Quầy 2"))
        assert new is not None and new.questionnaire == "full" and new.position == 2
        assert f"Created counter {new.id} " in ok.output
        events = list(db.session.scalars(select(AuditEvent)))
        assert [(e.action, e.actor_id) for e in events] == [("counter.create", None)]
    for args, message in [
        (["--unit", "xa-a2", "--name", "Quầy 2"], "already has a counter named"),
        (["--unit", "xa-a2", "--name", "x" * 201], "at most 200 characters"),
        (["--unit", "xa-a2", "--name", "Quầy 3", "--questionnaire", "nope"],
         "unknown questionnaire"),
        (["--unit", "tinh-a", "--name", "Quầy 3"], "is a province"),
        (["--unit", "nope", "--name", "Quầy 3"], "no unit with code"),
    ]:
        bad = runner.invoke(args=["counters", "create", *args])
        assert bad.exit_code != 0 and message in bad.output, (args, bad.output)


def test_cli_deactivates_and_lists_with_codes(app, runner, world, token_for) -> None:
    ok = runner.invoke(args=["counters", "deactivate", "--id", str(world.counter.id)])
    assert ok.exit_code == 0 and "accepted until" in ok.output
    again = runner.invoke(args=["counters", "deactivate", "--id", str(world.counter.id)])
    assert again.exit_code == 0 and "already inactive" in again.output
    missing = runner.invoke(args=["counters", "deactivate", "--id", "99999"])
    assert missing.exit_code != 0 and "no counter with id 99999" in missing.output
    rows = json.loads(runner.invoke(args=["counters", "list", "--unit", "xa-a1",
                                          "--json"]).output)
    assert [(r["name"], r["active"]) for r in rows] == [("Quầy 2 — Đất đai", True),
                                                       ("Quầy 1 — Tư pháp", False)]
    assert all(len(r["code"]) == 8 and r["code"][3] == "-" for r in rows)


def test_cli_province_posters_name_the_communes(runner, world, tmp_path) -> None:
    out = tmp_path / "p.pdf"
    result = runner.invoke(args=["qr", "posters", "--unit", "tinh-a", "--out", str(out)])
    assert result.exit_code != 0 and not out.exists()
    assert "is a province" in result.output and "no active counter" in result.output
    assert "xa-a1" in result.output and "xa-a2" in result.output
    assert "xa-b1" not in result.output


def test_cli_commune_without_counters_says_how_to_add_one(app, runner, world,
                                                          tmp_path) -> None:
    runner.invoke(args=["counters", "deactivate", "--id", str(world.sibling_counter.id)])
    result = runner.invoke(args=["qr", "posters", "--unit", "xa-a2", "--out",
                                 str(tmp_path / "p.pdf")])
    assert result.exit_code != 0 and "feedback counters create --unit xa-a2" in result.output
