"""Forms for signing up, signing in and recovering an account."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, RadioField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, EqualTo, Length, ValidationError

from matchmaker.models import Role
from matchmaker.services.passwords import MAX_LENGTH, password_problem

_EMAIL = [DataRequired(), Length(max=254), Email(message=_l("Enter a valid e-mail address."))]


class NewPasswordMixin:
    """A new password typed twice and checked against the policy."""

    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=MAX_LENGTH)])
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The two passwords differ."))],
    )

    def validate_password(self, field: PasswordField) -> None:
        email = getattr(getattr(self, "email", None), "data", None)
        if problem := password_problem(field.data or "", email):
            raise ValidationError(problem)


class RegisterForm(NewPasswordMixin, FlaskForm):
    """Self-service registration for researchers and enterprise representatives."""

    full_name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=200)])
    email = EmailField(_l("E-mail"), validators=_EMAIL)
    role = RadioField(
        _l("I am"),
        choices=[
            (Role.RESEARCHER.value, _l("a scientist / researcher")),
            (Role.ENTERPRISE.value, _l("an enterprise representative")),
        ],
        default=Role.RESEARCHER.value,
        validators=[DataRequired()],
    )
    submit = SubmitField(_l("Create account"))


class LoginForm(FlaskForm):
    """E-mail and password."""

    email = EmailField(_l("E-mail"), validators=_EMAIL)
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=MAX_LENGTH)])
    remember = BooleanField(_l("Remember me on this device"))
    submit = SubmitField(_l("Sign in"))


class EmailRequestForm(FlaskForm):
    """An address to send a link to (password reset, new verification link)."""

    email = EmailField(_l("E-mail"), validators=_EMAIL)
    submit = SubmitField(_l("Send the link"))


class ResetPasswordForm(NewPasswordMixin, FlaskForm):
    """Choose a new password."""

    submit = SubmitField(_l("Save the new password"))


class LogoutForm(FlaskForm):
    """An empty form, so signing out is a POST with a CSRF token."""
