"""Twin of our submission paths: a FlaskForm with CSRF, then one INSERT into SQLite.

POST /q/<token> stands for the survey answer, POST /q/<token>/pakn for a petition sent
from the poster's form (multipart, no attachment): the same fields, checked by WTForms
validators, one row with a random tracking code. SQLite runs as ours does (WAL,
synchronous=NORMAL, busy_timeout), so the ratio of our POSTs to these shows what our own
work per submission costs, not SQLite's.
Configured by TWIN_DATABASE_URL and TWIN_SECRET_KEY; `python submit_app.py` creates the
table once before gunicorn starts, so workers never race to create it.
"""

from __future__ import annotations

import json
import os
import secrets
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flask import Flask, redirect, render_template
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import FlaskForm
from sqlalchemy import String, Text, event
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from werkzeug.wrappers import Response
from wtforms import HiddenField, StringField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, Length, Optional, Regexp

HERE = Path(__file__).resolve().parent
ITEMS = ["TC2", "TT1", "TT4", "CC1", "CC3", "KQ1", "PA1"]
YESNO = ["HARASS", "INFORMAL"]
SCALE = ["1", "2", "3", "4", "5"]


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)


class Submission(db.Model):  # type: ignore[name-defined,misc]
    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[str] = mapped_column(String(32), unique=True)
    answers: Mapped[str] = mapped_column(String(400))
    created_at: Mapped[datetime]


class SubmitForm(FlaskForm):
    submission_id = HiddenField(validators=[Regexp(r"^[0-9a-f]{32}$")])
    website = StringField()  # honeypot, as ours


class Petition(db.Model):  # type: ignore[name-defined,misc]
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(12), unique=True)
    submission_id: Mapped[str] = mapped_column(String(32), unique=True)
    sender_name: Mapped[str] = mapped_column(String(200))
    sender_address: Mapped[str] = mapped_column(String(300))
    sender_phone: Mapped[str] = mapped_column(String(20))
    sender_email: Mapped[str] = mapped_column(String(254))
    category: Mapped[str] = mapped_column(String(2))
    content: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]


class PetitionForm(FlaskForm):
    submission_id = HiddenField(validators=[Regexp(r"^[0-9a-f]{32}$")])
    sender_name = StringField(validators=[Optional(), Length(max=200)])
    sender_address = StringField(validators=[Optional(), Length(max=300)])
    sender_phone = StringField(validators=[Optional(), Regexp(r"^\+?[0-9 .()-]{8,20}$")])
    sender_email = StringField(validators=[Optional(), Regexp(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")])
    content = TextAreaField(validators=[DataRequired(), Length(max=5000)])
    category = StringField(validators=[Optional(), AnyOf([str(n) for n in range(1, 9)])])
    procedure = StringField(validators=[Optional(), Regexp(r"^[0-9]{1,9}$")])
    dossier_code = StringField(validators=[Optional(), Length(max=40)])
    website = StringField()  # honeypot, as ours


for _item in ITEMS:
    setattr(SubmitForm, f"q_{_item}", StringField(validators=[Optional(), AnyOf(SCALE)]))
for _item in YESNO:
    setattr(SubmitForm, f"q_{_item}", StringField(validators=[Optional(), AnyOf(["0", "1"])]))


def create_app() -> Flask:
    app = Flask(__name__, template_folder=str(HERE / "templates"))
    app.config.update(
        SECRET_KEY=os.environ["TWIN_SECRET_KEY"],
        SQLALCHEMY_DATABASE_URI=os.environ["TWIN_DATABASE_URL"],
    )
    db.init_app(app)
    with app.app_context():
        _tune_sqlite(db.engine)

    @app.route("/q/<token>", methods=["GET", "POST"])
    def submit(token: str) -> Response | tuple[str, int]:
        form = SubmitForm()
        if form.validate_on_submit():
            answers = {item: getattr(form, f"q_{item}").data for item in ITEMS + YESNO}
            db.session.add(Submission(
                submission_id=form.submission_id.data, answers=json.dumps(answers),
                created_at=datetime.now(UTC),
            ))
            db.session.commit()
            return redirect(f"/q/{token}/cam-on", code=303)
        status = 422 if form.is_submitted() else 200
        html = render_template("submit.html", form=form, token=token, items=ITEMS,
                               scale=SCALE, submission_id=os.urandom(16).hex())
        return html, status

    @app.route("/q/<token>/pakn", methods=["GET", "POST"])
    def petition(token: str) -> Response | tuple[str, int]:
        form = PetitionForm()
        if form.validate_on_submit():
            db.session.add(Petition(
                code=secrets.token_hex(4).upper(), submission_id=form.submission_id.data,
                sender_name=form.sender_name.data, sender_address=form.sender_address.data,
                sender_phone=form.sender_phone.data, sender_email=form.sender_email.data,
                category=form.category.data, content=form.content.data,
                created_at=datetime.now(UTC),
            ))
            db.session.commit()
            return redirect("/pakn/xong", code=303)
        status = 422 if form.is_submitted() else 200
        html = render_template("pakn_submit.html", form=form, token=token,
                               submission_id=os.urandom(16).hex())
        return html, status

    return app


def _tune_sqlite(engine: Any) -> None:
    """The same pragmas as feedback.create_app, so both sides pay the same fsync policy."""

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn: Any, _record: Any) -> None:
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA busy_timeout=5000")
        cur.close()


if __name__ == "__main__":
    with create_app().app_context():
        db.create_all()
