"""The officer's paper-form entry. The answers themselves are read by `answers.parse`
because the questions come from a versioned questionnaire file; the public survey checks
its CSRF token directly (see survey/views.py) to keep its hot path free of form objects."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, SelectField
from wtforms.validators import DataRequired, Optional


class PaperForm(FlaskForm):
    """Which counter, which form, the date on the paper, and the submission id."""

    submission_id = HiddenField()
    counter = SelectField(_l("Quầy"), choices=[], validate_choice=False,
                          validators=[DataRequired(_l("Xin chọn quầy."))])
    questionnaire = SelectField(_l("Mẫu phiếu"), choices=[], validate_choice=False)
    answered_on = DateField(_l("Ngày ghi trên phiếu"), validators=[Optional()])
