"""The dossier table's migration goes down and up again."""

from __future__ import annotations

from flask import Flask
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from feedback.extensions import db

#: The revision before the dossiers' (migrations/versions/…_dossiers.py).
BEFORE = "218e93887067"


def test_the_dossier_migration_downgrades_and_upgrades(app: Flask) -> None:
    with app.app_context():
        db.session.remove()
        downgrade(revision=BEFORE)
        try:
            assert "dossier" not in inspect(db.engine).get_table_names()
        finally:
            db.session.remove()
            upgrade()
        indexes = {i["name"] for i in inspect(db.engine).get_indexes("dossier")}
        assert {"ix_dossier_dossier_hash", "ix_dossier_unit_id_due_day"} <= indexes
