"""Import directions the layer table asks for but no import-linter contract covers yet:
`auth` never imports `users` (users builds on auth, not the other way round), and the
translation marker `N_` has one definition, in a module free of Flask."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from feedback import i18n, msgid, sipas
from feedback.admin import imports, units

PACKAGE = Path(__file__).resolve().parent.parent / "feedback"


def _imported_modules(path: Path) -> set[str]:
    """Every module a file imports, at the top or inside a function."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


@pytest.mark.parametrize("path", sorted((PACKAGE / "auth").glob("*.py")), ids=lambda p: p.name)
def test_auth_never_imports_users(path: Path) -> None:
    assert not {m for m in _imported_modules(path) if m.startswith("feedback.users")}


def test_n_has_one_definition() -> None:
    definitions = [p.relative_to(PACKAGE).as_posix() for p in PACKAGE.rglob("*.py")
                   if any(isinstance(n, ast.FunctionDef) and n.name == "N_"
                          for n in ast.walk(ast.parse(p.read_text(encoding="utf-8"))))]
    assert definitions == ["msgid.py"]
    assert i18n.N_ is sipas.N_ is imports.N_ is msgid.N_
    assert not {m for m in _imported_modules(PACKAGE / "msgid.py") if m.startswith("flask")}


def test_the_old_admin_modules_are_gone() -> None:
    """`admin.services` became `admin.units`, `admin.views` became `admin.counter_views`."""
    assert not (PACKAGE / "admin" / "services.py").exists()
    assert not (PACKAGE / "admin" / "views.py").exists()
    assert callable(units.create_unit)
