"""Sign up, e-mail verification, sign in and out, password reset, and officials' access tokens to the API."""

from __future__ import annotations

import limits
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user, logout_user

from matchmaker import formatting
from matchmaker.blueprints.auth.decorators import (
    allowed_by,
    anonymous_only,
    is_safe_next,
    open_to_everyone,
)
from matchmaker.blueprints.auth.forms import (
    ActionForm,
    ApiTokenForm,
    EmailRequestForm,
    LoginForm,
    RegisterForm,
    ResetPasswordForm,
    RevokeTokenForm,
)
from matchmaker.extensions import limiter
from matchmaker.models import Role
from matchmaker.services import policy
from matchmaker.services.accounts import api_tokens
from matchmaker.services.accounts import identity as accounts
from matchmaker.services.errors import InvalidToken, ServiceError
from matchmaker.services.messaging import links

bp = Blueprint("auth", __name__)


def _login_failed(_response: object) -> bool:
    return bool(g.get("login_failed"))


def _email_key() -> str:
    return "login:" + accounts.normalise_email(request.form.get("email", ""))


def _registration_sent(_response: object) -> bool:
    return bool(g.get("registration_sent"))


def _registration_key() -> str:
    return "register:" + accounts.normalise_email(request.form.get("email", ""))


def _form_error(form, error: ServiceError) -> None:
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, error.message]
    else:
        flash(error.message, "danger")


@bp.route("/register", methods=["GET", "POST"])
@anonymous_only
# Every accepted registration sends a mail: limited per address of the visitor and per typed e-mail.
@limiter.limit(
    lambda: current_app.config["MAIL_REQUEST_LIMIT"],
    methods=["POST"],
    deduct_when=_registration_sent,
)
@limiter.limit(
    lambda: current_app.config["MAIL_REQUEST_LIMIT"],
    key_func=_registration_key,
    methods=["POST"],
    deduct_when=_registration_sent,
)
def register():
    form = RegisterForm()
    if form.validate_on_submit():
        data = accounts.NewAccount(
            form.email.data,
            form.full_name.data,
            Role(form.role.data),
            form.password.data,
        )
        try:
            accounts.register(data)
        except ServiceError as error:
            _form_error(form, error)
        else:
            # The same answer whether the address was new or already registered.
            g.registration_sent = True
            return render_template(
                "auth/check_mail.html", email=data.email, purpose="registered"
            )
    return render_template("auth/register.html", form=form)


@bp.route("/verify/<token>")
@open_to_everyone
def verify_email(token: str):
    try:
        accounts.verify_email(token)
    except InvalidToken as error:
        flash(error.message, "danger")
        return redirect(url_for("auth.resend_verification"))
    flash(_("Your e-mail address is confirmed. You can sign in now."), "success")
    return redirect(url_for("auth.login"))


@bp.route("/verify", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["MAIL_REQUEST_LIMIT"], methods=["POST"])
@open_to_everyone
def resend_verification():
    form = EmailRequestForm()
    if form.validate_on_submit():
        accounts.resend_verification(form.email.data)
        return render_template(
            "auth/check_mail.html", email=form.email.data, purpose="verify"
        )
    return render_template("auth/resend_verification.html", form=form)


@bp.route("/login", methods=["GET", "POST"])
@anonymous_only
@limiter.limit(
    lambda: current_app.config["LOGIN_FAILURE_LIMIT"],
    methods=["POST"],
    deduct_when=_login_failed,
)
@limiter.limit(
    lambda: current_app.config["LOGIN_FAILURE_LIMIT"],
    key_func=_email_key,
    methods=["POST"],
    deduct_when=_login_failed,
)
def login():
    form = LoginForm()
    if form.validate_on_submit():
        user = accounts.authenticate(form.email.data, form.password.data)
        if user is None:
            g.login_failed = True
            flash(_("Wrong e-mail address or password."), "danger")
        elif not user.is_verified:
            flash(
                _(
                    "Please confirm your e-mail address first: we can send you a new link."
                ),
                "warning",
            )
            return redirect(url_for("auth.resend_verification"))
        else:
            login_user(user, remember=form.remember.data)
            accounts.record_login(user)
            target = request.args.get("next")
            return redirect(target if is_safe_next(target) else url_for("main.index"))
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@open_to_everyone
def logout():
    if ActionForm().validate_on_submit() and current_user.is_authenticated:
        # Copies of the session or remember-me cookie must not outlive the sign-out.
        accounts.end_sessions(current_user)
        logout_user()
        flash(_("You are signed out."), "info")
    return redirect(url_for("main.index"))


@bp.route("/forgot", methods=["GET", "POST"])
@anonymous_only
@limiter.limit(lambda: current_app.config["MAIL_REQUEST_LIMIT"], methods=["POST"])
def forgot_password():
    form = EmailRequestForm()
    if form.validate_on_submit():
        accounts.request_password_reset(form.email.data)
        return render_template(
            "auth/check_mail.html", email=form.email.data, purpose="reset"
        )
    return render_template("auth/forgot.html", form=form)


@bp.route("/reset/<token>", methods=["GET", "POST"])
@open_to_everyone
def reset_password(token: str):
    form = ResetPasswordForm()
    if request.method == "GET":
        try:
            accounts.check_reset_token(token)
        except InvalidToken as error:
            flash(error.message, "danger")
            return redirect(url_for("auth.forgot_password"))
    elif form.validate_on_submit():
        try:
            accounts.reset_password(token, form.password.data)
        except InvalidToken as error:
            flash(error.message, "danger")
            return redirect(url_for("auth.forgot_password"))
        except ServiceError as error:
            _form_error(form, error)
        else:
            logout_user()
            flash(
                _("Your password has been changed. Sign in with the new one."),
                "success",
            )
            return redirect(url_for("auth.login"))
    return render_template("auth/reset.html", form=form, token=token)


_PER = {
    "second": _l("%(n)s requests per second"),
    "minute": _l("%(n)s requests per minute"),
    "hour": _l("%(n)s requests per hour"),
    "day": _l("%(n)s requests per day"),
}


def _rate(setting: str) -> str:
    """A rate limit setting (``600 per minute``) in the reader's words; as written if it says more."""
    try:
        limit = limits.parse(current_app.config[setting])
    except ValueError:
        return current_app.config[setting]
    unit = limit.GRANULARITY.name
    if limit.multiples != 1 or unit not in _PER:
        return current_app.config[setting]
    return str(_PER[unit]) % {"n": formatting.number(limit.amount)}


@bp.route("/api-tokens", methods=["GET", "POST"])
@allowed_by(policy.may_hold_api_tokens)
def api_token_list():
    """The signed-in official's access tokens to the API: create one (its secret shown once), revoke one."""
    form = ApiTokenForm()
    created = None
    if form.validate_on_submit():
        try:
            created = api_tokens.create(current_user, form.name.data)
        except ServiceError as error:
            _form_error(form, error)
        else:
            form = ApiTokenForm(formdata=None)
    body = render_template(
        "auth/api_tokens.html",
        form=form,
        created=created,
        tokens=api_tokens.list_tokens(current_user),
        revoke_form=RevokeTokenForm(formdata=None),
        max_active=api_tokens.MAX_ACTIVE,
        example_url=links.absolute_url("api.order_list"),
        token_rate=_rate("API_TOKEN_RATE_LIMIT"),
        address_rate=_rate("API_RATE_LIMIT"),
    )
    # The page may hold a secret shown this once: no cache keeps it.
    return body, 200, {"Cache-Control": "no-store"}


@bp.route("/api-tokens/<id:token_id>/revoke", methods=["POST"])
@allowed_by(policy.may_hold_api_tokens)
def api_token_revoke(token_id: int):
    if not RevokeTokenForm().validate_on_submit():
        flash(_("Tick the box to confirm."), "danger")
        return redirect(url_for("auth.api_token_list"))
    try:
        token = api_tokens.revoke(current_user, token_id)
    except LookupError:
        abort(404)
    flash(_("The token “%(name)s” is revoked.", name=token.name), "success")
    return redirect(url_for("auth.api_token_list"))
