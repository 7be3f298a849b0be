"""Forms for administering accounts."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectChoice, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length

from matchmaker.blueprints.auth.forms import email_field, strip_text
from matchmaker.blueprints.forms import Form
from matchmaker.models import Role

ROLE_LABELS = {
    Role.RESEARCHER: _l("Researcher"),
    Role.ENTERPRISE: _l("Enterprise representative"),
    Role.OFFICIAL: _l("City official"),
    Role.ADMIN: _l("Administrator"),
}


def role_choices() -> list[SelectChoice]:
    return [SelectChoice(role.value, label) for role, label in ROLE_LABELS.items()]


class UserCreateForm(Form):
    """An account created by an administrator; the person sets a password from the invitation."""

    full_name = StringField(
        _l("Full name"),
        filters=[strip_text],
        validators=[DataRequired(), Length(max=200)],
    )
    email = email_field()
    role = SelectField(_l("Role"), choices=role_choices, default=Role.OFFICIAL.value)
    institution = SelectField(_l("Institution or agency"), coerce=int, default=0)
    submit = SubmitField(_l("Create and send the invitation"))


class UserRoleForm(Form):
    """Change an account's role."""

    role = SelectField(_l("Role"), choices=role_choices)
    submit = SubmitField(_l("Change role"))
