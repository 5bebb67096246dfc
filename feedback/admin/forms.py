from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectField, SubmitField


class ReissueForm(FlaskForm):
    submit = SubmitField("Thu hồi và cấp mã mới")


class QuestionnaireForm(FlaskForm):
    questionnaire = SelectField("Mẫu phiếu", choices=[])
    submit = SubmitField("Đổi mẫu phiếu")
