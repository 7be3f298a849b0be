"""Enterprise profiles: the public list, a profile, creating and editing it, inviting colleagues."""

from __future__ import annotations

from flask import (
    Blueprint,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from matchmaker.blueprints.auth.decorators import open_to_everyone, role_required
from matchmaker.blueprints.enterprises import need_views
from matchmaker.blueprints.enterprises.forms import (
    CONFIDENTIALITY_LABELS,
    INTEREST_LABELS,
    SIZE_LABELS,
    STATUS_LABELS,
    EnterpriseForm,
    InviteForm,
)
from matchmaker.blueprints.enterprises.shared import form_error, manage_or_403, viewer
from matchmaker.extensions import db
from matchmaker.models import Enterprise, EnterpriseSize, Role
from matchmaker.services import policy, reference
from matchmaker.services.enterprises import companies as enterprises
from matchmaker.services.enterprises import needs
from matchmaker.services.errors import ServiceError

bp = Blueprint("enterprises", __name__)
bp.register_blueprint(need_views.bp)


@bp.context_processor
def labels() -> dict:
    return {
        "size_labels": SIZE_LABELS,
        "status_labels": STATUS_LABELS,
        "confidentiality_labels": CONFIDENTIALITY_LABELS,
        "interest_labels": INTEREST_LABELS,
        "field_name": reference.field_name,
        "area_name": reference.priority_area_name,
    }


@bp.route("/")
@open_to_everyone
def index():
    size = request.args.get("size", "")
    selected = (
        EnterpriseSize(size) if size in {s.value for s in EnterpriseSize} else None
    )
    query = request.args.get("q", "")[:200]
    page = enterprises.list_enterprises(
        request.args.get("page", 1, type=int), query, selected
    )
    return render_template(
        "enterprises/index.html",
        page=page,
        q=query,
        size=size,
        sizes=list(EnterpriseSize),
    )


@bp.route("/<id:enterprise_id>")
@open_to_everyone
def detail(enterprise_id: int):
    enterprise = db.get_or_404(Enterprise, enterprise_id)
    page = needs.list_needs(
        viewer(),
        needs.NeedFilters(enterprise_id=enterprise.id),
        request.args.get("page", 1, type=int),
    )
    return render_template(
        "enterprises/detail.html",
        enterprise=enterprise,
        page=page,
        representatives=enterprises.representatives(enterprise),
        can_manage=policy.may_manage_enterprise(viewer(), enterprise),
    )


@bp.route("/new", methods=["GET", "POST"])
@role_required(Role.ENTERPRISE)
def create():
    if not enterprises.needs_profile(viewer()):
        flash(_("Your account already belongs to an enterprise."), "info")
        return redirect(
            url_for("enterprises.detail", enterprise_id=current_user.enterprise_id)
        )
    form = EnterpriseForm()
    if form.validate_on_submit():
        try:
            enterprise = enterprises.create_enterprise(viewer(), form.to_input())
        except ServiceError as error:
            db.session.rollback()
            form_error(form, error)
        else:
            flash(_("Your enterprise's profile is created."), "success")
            return redirect(url_for("enterprises.detail", enterprise_id=enterprise.id))
    return render_template("enterprises/form.html", form=form, enterprise=None)


@bp.route("/<id:enterprise_id>/edit", methods=["GET", "POST"])
@role_required(Role.ENTERPRISE, Role.ADMIN)
def edit(enterprise_id: int):
    enterprise = db.get_or_404(Enterprise, enterprise_id)
    manage_or_403(enterprise)
    form = EnterpriseForm.for_enterprise(enterprise)
    if form.validate_on_submit():
        try:
            enterprises.update_enterprise(viewer(), enterprise, form.to_input())
        except ServiceError as error:
            db.session.rollback()
            form_error(form, error)
        else:
            flash(_("The profile is saved."), "success")
            return redirect(url_for("enterprises.detail", enterprise_id=enterprise.id))
    return render_template("enterprises/form.html", form=form, enterprise=enterprise)


@bp.route("/<id:enterprise_id>/invite", methods=["GET", "POST"])
@role_required(Role.ENTERPRISE, Role.ADMIN)
def invite(enterprise_id: int):
    enterprise = db.get_or_404(Enterprise, enterprise_id)
    manage_or_403(enterprise)
    form = InviteForm()
    if form.validate_on_submit():
        try:
            colleague = enterprises.invite_colleague(
                viewer(), enterprise, form.full_name.data, form.email.data
            )
        except ServiceError as error:
            db.session.rollback()
            form_error(form, error)
        else:
            flash(
                _("An invitation was sent to %(email)s.", email=colleague.email),
                "success",
            )
            return redirect(url_for("enterprises.detail", enterprise_id=enterprise.id))
    return render_template("enterprises/invite.html", form=form, enterprise=enterprise)
