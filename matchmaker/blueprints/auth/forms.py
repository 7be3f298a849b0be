"""Forms for signing up, signing in and recovering an account."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    EmailField,
    PasswordField,
    RadioField,
    SelectChoice,
    StringField,
    SubmitField,
)
from wtforms.validators import DataRequired, Email, EqualTo, Length, ValidationError

from matchmaker.blueprints.forms import Form
from matchmaker.models import Role
from matchmaker.services.accounts.passwords import MAX_LENGTH, password_problem


def strip_text(value: str | None) -> str | None:
    """Drop the spaces people paste around what they type."""
    return value.strip() if isinstance(value, str) else value


def email_field() -> EmailField:
    """An e-mail address, trimmed and checked for shape."""
    return EmailField(
        _l("E-mail"),
        filters=[strip_text],
        validators=[
            DataRequired(),
            Length(max=254),
            Email(message=_l("Enter a valid e-mail address.")),
        ],
    )


class NewPasswordMixin:
    """A new password typed twice and checked against the policy."""

    password = PasswordField(
        _l("Password"), validators=[DataRequired(), Length(max=MAX_LENGTH)]
    )
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[
            DataRequired(),
            EqualTo("password", message=_l("The two passwords differ.")),
        ],
    )

    def validate_password(self, field: PasswordField) -> None:
        email = getattr(getattr(self, "email", None), "data", None)
        if problem := password_problem(field.data or "", email):
            raise ValidationError(problem)


class RegisterForm(NewPasswordMixin, Form):
    """Self-service registration for researchers and enterprise representatives."""

    full_name = StringField(
        _l("Full name"),
        filters=[strip_text],
        validators=[DataRequired(), Length(max=200)],
    )
    email = email_field()
    role = RadioField(
        _l("I am"),
        choices=[
            SelectChoice(Role.RESEARCHER.value, _l("a scientist / researcher")),
            SelectChoice(Role.ENTERPRISE.value, _l("an enterprise representative")),
        ],
        default=Role.RESEARCHER.value,
        validators=[DataRequired()],
    )
    submit = SubmitField(_l("Create account"))


class LoginForm(Form):
    """E-mail and password."""

    email = email_field()
    password = PasswordField(
        _l("Password"), validators=[DataRequired(), Length(max=MAX_LENGTH)]
    )
    remember = BooleanField(_l("Remember me on this device"))
    submit = SubmitField(_l("Sign in"))


class EmailRequestForm(Form):
    """An address to send a link to (password reset, new verification link)."""

    email = email_field()
    submit = SubmitField(_l("Send the link"))


class ResetPasswordForm(NewPasswordMixin, Form):
    """Choose a new password."""

    submit = SubmitField(_l("Save the new password"))


class ActionForm(Form):
    """An empty form: a button that posts with a CSRF token (sign out, delete, confirm, deactivate)."""


class ApiTokenForm(Form):
    """A new access token to the API: its name says what it is for."""

    name = StringField(
        _l("Token name"),
        filters=[strip_text],
        validators=[DataRequired(), Length(max=100)],
    )
    submit = SubmitField(_l("Create a token"))


class RevokeTokenForm(Form):
    """Revoke a token: the dialog (or, without JavaScript, the box) confirms it."""

    confirm = BooleanField(
        _l("I confirm: scripts using this token stop working at once."),
        validators=[DataRequired(message=_l("Tick the box to confirm."))],
    )
