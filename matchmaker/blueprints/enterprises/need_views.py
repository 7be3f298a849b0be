"""Technology needs: the public list, a need, posting and editing it, interests and their answers."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from matchmaker.blueprints.auth.decorators import open_to_everyone, role_required
from matchmaker.blueprints.auth.forms import ActionForm
from matchmaker.blueprints.enterprises.forms import (
    STATUS_LABELS,
    InterestForm,
    NeedEditForm,
    NeedForm,
    area_choices,
    field_choices,
)
from matchmaker.blueprints.enterprises.shared import (
    form_error,
    manage_or_403,
    researcher_url,
    viewer,
)
from matchmaker.extensions import db
from matchmaker.models import NeedInterest, NeedStatus, Role, TechNeed
from matchmaker.services import policy
from matchmaker.services.enterprises import companies as enterprises
from matchmaker.services.enterprises import interests, needs
from matchmaker.services.errors import NotAllowed, ServiceError
from matchmaker.services.matching import matches as matching

bp = Blueprint("needs", __name__)


def _filters() -> needs.NeedFilters:
    status = request.args.get("status", "")
    return needs.NeedFilters(
        field_code=request.args.get("field", "")[:8],
        priority_area=request.args.get("area", "")[:40],
        status=NeedStatus(status) if status in {s.value for s in NeedStatus} else None,
        query=request.args.get("q", "")[:200],
    )


def _visible_need_or_404(need_id: int) -> TechNeed:
    need = db.get_or_404(TechNeed, need_id)
    if not policy.may_view_need(viewer(), need):
        abort(404)  # a private need does not exist for those who may not read it
    return need


@bp.route("/needs", endpoint="index")
@open_to_everyone
def needs_list():
    filters = _filters()
    page = needs.list_needs(viewer(), filters, request.args.get("page", 1, type=int))
    return render_template(
        "enterprises/needs.html",
        page=page,
        filters=filters,
        fields=field_choices(),
        areas=area_choices(),
        statuses=list(NeedStatus),
    )


def _render_need(need: TechNeed, interest_form: InterestForm):
    user = viewer()
    options = matching.MatchOptions.from_args(request.args)
    return render_template(
        "enterprises/need_detail.html",
        need=need,
        full=policy.may_read_need_details(user, need),
        can_manage=policy.may_manage_enterprise(user, need.enterprise),
        can_decide=policy.may_answer_interest(user, need),
        can_express=policy.may_express_interest(user, need),
        own_interest=interests.find_interest(user, need),
        interest_form=interest_form,
        rows=interests.list_interests(user, need),
        action_form=ActionForm(),
        researcher_url=researcher_url,
        matches=matching.matches_for_need(need, user, options),
        match_options=options,
        match_choices=matching.filter_choices(),
    )


@bp.route("/needs/<id:need_id>", endpoint="detail")
@open_to_everyone
def need_detail(need_id: int):
    return _render_need(_visible_need_or_404(need_id), InterestForm(formdata=None))


def _checking() -> bool:
    """The form was sent with "Check for similar needs and orders": show duplicates, save nothing."""
    return request.method == "POST" and "check" in request.form


def _render_form(form: NeedForm, need: TechNeed | None):
    """The need form, with the duplicates of the typed text once there is one to check."""
    duplicates = None
    if _checking() or (request.method == "GET" and need is not None):
        duplicates = matching.duplicates_for_text(
            "\n".join(
                (
                    form.description.data or "",
                    form.desired_outcome.data or "",
                    form.targets.data or "",
                )
            ),
            title=form.title.data or "",
            viewer=viewer(),
            exclude_need_id=need.id if need is not None else None,
        )
    return render_template(
        "enterprises/need_form.html", form=form, need=need, duplicates=duplicates
    )


@bp.app_template_global()
def text_status(view: matching.TextView) -> str:
    """A similar order's state or need's status, as the lists show it (templates/matching/_texts.html)."""
    # Imported here: the orders forms import the enterprises blueprint.
    from matchmaker.blueprints.orders.forms import STATE_LABELS

    if view.kind == "need":
        return str(STATUS_LABELS.get(NeedStatus(view.status), view.status))
    return str(STATE_LABELS.get(view.status, view.status))


@bp.route("/needs/new", methods=["GET", "POST"], endpoint="create")
@role_required(Role.ENTERPRISE)
def need_create():
    if enterprises.needs_profile(viewer()):
        flash(_("Create your enterprise's profile before posting a need."), "info")
        return redirect(url_for("enterprises.create"))
    form = NeedForm()
    if not _checking() and form.validate_on_submit():
        try:
            need = needs.create_need(viewer(), form.to_input())
        except ServiceError as error:
            db.session.rollback()
            form_error(form, error)
        else:
            flash(_("The need is posted."), "success")
            return redirect(url_for("enterprises.needs.detail", need_id=need.id))
    return _render_form(form, None)


@bp.route("/needs/<id:need_id>/edit", methods=["GET", "POST"], endpoint="edit")
@role_required(Role.ENTERPRISE, Role.ADMIN)
def need_edit(need_id: int):
    need = db.get_or_404(TechNeed, need_id)
    manage_or_403(need.enterprise)
    form = NeedEditForm.for_need(need)
    if not _checking() and form.validate_on_submit():
        try:
            needs.update_need(viewer(), need, form.to_input())
        except ServiceError as error:
            db.session.rollback()
            form_error(form, error)
        else:
            flash(_("The need is saved."), "success")
            return redirect(url_for("enterprises.needs.detail", need_id=need.id))
    return _render_form(form, need)


@bp.route("/needs/<id:need_id>/interest", methods=["POST"])
@role_required(Role.RESEARCHER)
def express_interest(need_id: int):
    need = _visible_need_or_404(need_id)
    form = InterestForm()
    if not form.validate_on_submit():
        return _render_need(need, form)
    try:
        interests.express_interest(
            viewer(), need, form.message.data, form.on_behalf.data
        )
    except NotAllowed:
        abort(403)
    except ServiceError as error:
        db.session.rollback()
        if error.field:
            form_error(form, error)
            return _render_need(need, form)
        flash(error.message, "warning")
    else:
        flash(_("Your interest was sent to the enterprise."), "success")
    return redirect(url_for("enterprises.needs.detail", need_id=need.id))


@bp.route(
    "/interests/<id:interest_id>/<any(accept, decline):decision>", methods=["POST"]
)
@role_required(Role.ENTERPRISE)
def decide_interest(interest_id: int, decision: str):
    interest = db.get_or_404(NeedInterest, interest_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        interests.decide_interest(viewer(), interest, accept=decision == "accept")
    except NotAllowed:
        abort(403)
    except ServiceError as error:
        db.session.rollback()
        flash(error.message, "warning")
    else:
        flash(_("Your answer was sent to the researcher."), "success")
    return redirect(url_for("enterprises.needs.detail", need_id=interest.need_id))
