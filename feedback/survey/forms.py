"""The fixed part of the survey forms. The answers themselves are read by `answers.parse`
because the questions come from a versioned questionnaire file."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, SelectField, StringField
from wtforms.validators import DataRequired, Optional


class SurveyForm(FlaskForm):
    """CSRF and the two hidden fields; the public GET renders without building it."""

    submission_id = HiddenField()
    # Honeypot: hidden from people by CSS and aria-hidden; bots fill it in.
    website = StringField("Không điền ô này")


class PaperForm(SurveyForm):
    """A paper form typed in by an officer: which counter and the date on the paper."""

    counter = SelectField("Quầy", choices=[], validate_choice=False,
                          validators=[DataRequired("Xin chọn quầy.")])
    questionnaire = SelectField("Mẫu phiếu", choices=[], validate_choice=False)
    answered_on = DateField("Ngày ghi trên phiếu", validators=[Optional()])
