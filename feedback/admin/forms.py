from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, SelectField, StringField, SubmitField
from wtforms.validators import AnyOf, DataRequired

from feedback.form_rules import NoControl


class ReissueForm(FlaskForm):
    submit = SubmitField(_l("Thu hồi và cấp mã mới"))


class QuestionnaireForm(FlaskForm):
    questionnaire = SelectField(_l("Mẫu phiếu"), choices=[])
    submit = SubmitField(_l("Đổi mẫu phiếu"))


# --- Counters (create, rename, reorder, activate); lengths are checked by the service ----

class CounterCreateForm(FlaskForm):
    """Name and form of a new counter. The service decides what a valid name is, so the
    page, the CLI and both databases refuse the same names with the same words."""

    name = StringField(_l("Tên quầy"), validators=[DataRequired(_l("Xin nhập tên quầy.")),
                                                   NoControl()])
    questionnaire = SelectField(_l("Mẫu phiếu"), choices=[])
    submit = SubmitField(_l("Thêm quầy"))


class CounterRenameForm(FlaskForm):
    name = StringField(_l("Tên mới"), validators=[DataRequired(_l("Xin nhập tên quầy.")),
                                                  NoControl()])
    submit = SubmitField(_l("Đổi tên"))


class CounterMoveForm(FlaskForm):
    """Two buttons, `direction=up` and `direction=down`: reordering needs no JavaScript."""

    direction = StringField(validators=[NoControl(), AnyOf(("up", "down"))])


class CounterActionForm(FlaskForm):
    """Empty: gives POST-only buttons (deactivate, reactivate) their CSRF token."""


# --- Units, procedures and their file imports; the service checks codes, lengths, rules --

class UnitCreateForm(FlaskForm):
    """A new unit. Choices of `kind` and `parent` depend on who asks (set by the view)."""

    code = StringField(_l("Mã đơn vị"), validators=[DataRequired(_l("Xin nhập mã đơn vị.")),
                                                    NoControl()],
                       description=_l("Chữ thường không dấu, số và dấu gạch ngang, "
                                      "ví dụ xa-hoang-ngoc."))
    name = StringField(_l("Tên đơn vị"), validators=[DataRequired(_l("Xin nhập tên đơn vị.")),
                                                     NoControl()])
    kind = SelectField(_l("Loại"), choices=[], validate_choice=False, validators=[NoControl()])
    parent = SelectField(_l("Đơn vị cấp trên"), choices=[], validate_choice=False,
                         validators=[NoControl()])
    submit = SubmitField(_l("Thêm đơn vị"))


class UnitEditForm(FlaskForm):
    """Rename and move in one form; an unchanged field changes nothing."""

    name = StringField(_l("Tên đơn vị"), validators=[DataRequired(_l("Xin nhập tên đơn vị.")),
                                                     NoControl()])
    parent = SelectField(_l("Đơn vị cấp trên"), choices=[], validate_choice=False,
                         validators=[NoControl()])
    submit = SubmitField(_l("Lưu thay đổi"))


class ActionForm(FlaskForm):
    """Empty: gives POST-only buttons (deactivate, reactivate) their CSRF token."""


class ImportUploadForm(FlaskForm):
    file = FileField(_l("Tệp CSV (UTF-8) hoặc Excel .xlsx"),
                     validators=[FileRequired(_l("Xin chọn một tệp."))])
    submit = SubmitField(_l("Xem trước"))


class ImportConfirmForm(FlaskForm):
    """Carries the previewed file back, signed, so the user never uploads it twice."""

    token = HiddenField(validators=[DataRequired(), NoControl()])
    submit = SubmitField(_l("Áp dụng"))


class ProcedureForm(FlaskForm):
    code = StringField(_l("Mã thủ tục"), validators=[DataRequired(_l("Xin nhập mã thủ tục.")),
                                                     NoControl()])
    name = StringField(_l("Tên thủ tục"),
                       validators=[DataRequired(_l("Xin nhập tên thủ tục.")), NoControl()])
    field = StringField(_l("Lĩnh vực"), validators=[NoControl()])
    submit = SubmitField(_l("Lưu"))
