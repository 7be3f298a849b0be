"""Administration: accounts, the mail outbox and the background jobs."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import SelectChoice

from matchmaker.blueprints.admin.forms import ROLE_LABELS, UserCreateForm, UserRoleForm
from matchmaker.blueprints.auth.decorators import allowed_by, role_required
from matchmaker.blueprints.auth.forms import ActionForm
from matchmaker.extensions import db
from matchmaker.models import OutboxMessage, Role, User
from matchmaker.services import jobs, policy
from matchmaker.services.accounts import users
from matchmaker.services.errors import ServiceError
from matchmaker.services.institutions import choices
from matchmaker.services.messaging import mail

bp = Blueprint("admin", __name__)

# The jobs page's sections, in order, and what each job is called on it.
JOB_STATES = {
    "failed": _l("Failed"),
    "started": _l("Running"),
    "queued": _l("Queued"),
    "scheduled": _l("Waiting to be retried"),
    "finished": _l("Finished recently"),
}
JOB_NAMES = {
    "mail": _l("Send an e-mail"),
    "search.update": _l("Update the search index"),
    "search.rebuild": _l("Rebuild the search index"),
    "matching.refit": _l("Refit the matching model"),
}


@bp.route("/users")
@role_required(Role.ADMIN)
def user_list():
    role = request.args.get("role", "")
    selected = Role(role) if role in {r.value for r in Role} else None
    query = request.args.get("q", "")[:200]
    page = users.list_users(request.args.get("page", 1, type=int), selected, query)
    return render_template(
        "admin/users.html",
        page=page,
        role=role,
        q=query,
        role_labels=ROLE_LABELS,
        roles=list(Role),
    )


@bp.route("/users/new", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def user_create():
    form = UserCreateForm()
    form.institution.choices = [SelectChoice("0", _("— none —"))] + [
        SelectChoice(str(i.id), i.name_vi)
        for i in choices.list_choosable(current_user, "account")
    ]
    if form.validate_on_submit():
        try:
            user = users.create_user(
                form.email.data,
                form.full_name.data,
                Role(form.role.data),
                institution_id=form.institution.data or None,
            )
        except ServiceError as error:
            form.email.errors = [*form.email.errors, error.message]
        else:
            flash(
                _(
                    "Account created; an invitation was sent to %(email)s.",
                    email=user.email,
                ),
                "success",
            )
            return redirect(url_for("admin.user_detail", user_id=user.id))
    return render_template("admin/user_create.html", form=form)


@bp.route("/users/<id:user_id>", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def user_detail(user_id: int):
    user = db.get_or_404(User, user_id)
    form = UserRoleForm(role=user.role.value)
    if form.validate_on_submit():
        try:
            users.change_role(user, Role(form.role.data))
            flash(
                _("The role is now: %(role)s.", role=ROLE_LABELS[user.role]), "success"
            )
        except ServiceError as error:
            db.session.rollback()
            flash(error.message, "danger")
        return redirect(url_for("admin.user_detail", user_id=user.id))
    return render_template(
        "admin/user_detail.html",
        user=user,
        form=form,
        action_form=ActionForm(),
        role_labels=ROLE_LABELS,
        is_self=user.id == current_user.id,
    )


@bp.route("/users/<id:user_id>/<any(deactivate, reactivate):action>", methods=["POST"])
@role_required(Role.ADMIN)
def user_set_active(user_id: int, action: str):
    user = db.get_or_404(User, user_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        users.set_active(user, action == "reactivate")
    except ServiceError as error:
        db.session.rollback()
        flash(error.message, "danger")
    else:
        flash(
            _("Account reactivated.") if user.active else _("Account deactivated."),
            "success",
        )
    return redirect(url_for("admin.user_detail", user_id=user.id))


@bp.route("/outbox")
@role_required(Role.ADMIN)
def outbox():
    if not current_app.config["MAIL_KEEP_OUTBOX"]:
        abort(404)
    return render_template(
        "admin/outbox.html",
        page=mail.list_outbox(request.args.get("page", 1, type=int)),
    )


@bp.route("/outbox/<id:message_id>")
@role_required(Role.ADMIN)
def outbox_message(message_id: int):
    if not current_app.config["MAIL_KEEP_OUTBOX"]:
        abort(404)
    return render_template(
        "admin/outbox_message.html", message=db.get_or_404(OutboxMessage, message_id)
    )


@bp.route("/jobs")
@allowed_by(policy.may_manage_jobs)
def jobs_page():
    return render_template(
        "admin/jobs.html",
        overview=jobs.overview(),
        states=JOB_STATES,
        job_names=JOB_NAMES,
        action_form=ActionForm(),
    )


@bp.route("/jobs/<job_key>/retry", methods=["POST"])
@allowed_by(policy.may_manage_jobs)
def job_retry(job_key: str):
    if not ActionForm().validate_on_submit():
        abort(400)
    if jobs.retry(job_key[:100]):
        flash(_("The job is queued again."), "success")
    else:
        flash(_("There is no such failed job to retry."), "warning")
    return redirect(url_for("admin.jobs_page"))
