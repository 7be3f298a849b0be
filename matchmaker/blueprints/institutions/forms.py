"""Forms for institutions and their staff imports."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import SelectChoice, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from matchmaker.blueprints.auth.forms import strip_text
from matchmaker.blueprints.forms import Form
from matchmaker.blueprints.uploads import within_upload_limit
from matchmaker.models import InstitutionKind
from matchmaker.services import reference
from matchmaker.validators import InvalidValue, normalise_url

KIND_LABELS = {
    InstitutionKind.UNIVERSITY: _l("University"),
    InstitutionKind.INSTITUTE: _l("Research institute"),
    InstitutionKind.AGENCY: _l("City agency"),
}


class InstitutionForm(Form):
    """An institution as an administrator records it."""

    name_vi = StringField(
        _l("Name (Vietnamese)"),
        filters=[strip_text],
        validators=[DataRequired(), Length(max=300)],
    )
    name_en = StringField(
        _l("Name (English)"), filters=[strip_text], validators=[Length(max=300)]
    )
    short_name = StringField(
        _l("Short name"), filters=[strip_text], validators=[Length(max=40)]
    )
    kind = SelectField(
        _l("Kind"),
        choices=lambda: [SelectChoice(k.value, v) for k, v in KIND_LABELS.items()],
    )
    province = SelectField(
        _l("Province or city"),
        choices=lambda: (
            [SelectChoice("", _l("Not given"))]
            + [SelectChoice(name, name) for name in reference.PROVINCES]
        ),
        default="",
    )
    district = StringField(
        _l("District"), filters=[strip_text], validators=[Length(max=120)]
    )
    address = StringField(
        _l("Address"), filters=[strip_text], validators=[Length(max=300)]
    )
    website = StringField(
        _l("Website"), filters=[strip_text], validators=[Optional(), Length(max=300)]
    )
    submit = SubmitField(_l("Save"))

    def validate_website(self, field) -> None:
        try:
            field.data = normalise_url(field.data)
        except InvalidValue as error:
            raise ValidationError(str(error)) from error


class StaffImportForm(Form):
    """A CSV staff list (UTF-8)."""

    upload = FileField(
        _l("Staff list (CSV, UTF-8)"),
        validators=[
            FileRequired(_l("Choose a CSV file.")),
            FileAllowed(["csv", "txt"], _l("Only .csv files.")),
            within_upload_limit,
        ],
    )
    submit = SubmitField(_l("Check the file"))
