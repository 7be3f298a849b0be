"""The selection council: officials form it and see its conflicts; members declare conflicts and score."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from matchmaker.blueprints.auth.decorators import role_required, signed_in
from matchmaker.blueprints.orders.forms import STATE_LABELS
from matchmaker.blueprints.orders.proposal_forms import (
    CRITERION_LABELS,
    ROLE_LABELS,
    ConflictForm,
    CouncilForm,
    ScoreForm,
    show_error,
)
from matchmaker.blueprints.orders.proposal_views import ID
from matchmaker.extensions import db
from matchmaker.models import Proposal, ResearchOrder
from matchmaker.services import policy
from matchmaker.services.errors import ServiceError
from matchmaker.services.orders import councils, proposals

bp = Blueprint("council", __name__)
LABELS = {
    "state_labels": STATE_LABELS,
    "conflict_labels": councils.CONFLICT_REASON_LABELS,
    "criterion_labels": CRITERION_LABELS,
    "role_labels": ROLE_LABELS,
}


def _names(order: ResearchOrder) -> dict:
    """Who is who in a conflicts table: council members and proposals (by their PI)."""
    council = councils.get_council(order)
    return {
        "members": {m.id: m.user.full_name for m in council.members} if council else {},
        "proposals": {
            p.id: p.pi.full_name
            for p in proposals.list_proposals_for(current_user, order)
        },
    }


def _council_page(order: ResearchOrder, form: CouncilForm | None, status: int = 200):
    council = councils.get_council(order)
    page = render_template(
        "orders/council/index.html", order=order, council=council, form=form if council is None else None,
        can_form=order.state in councils.FORMING_STATES,
        conflicts=councils.list_conflicts(current_user, order) if council else [],
        is_member=councils.membership(current_user, order) is not None, names=_names(order), **LABELS,
    )  # fmt: skip
    return page, status


@bp.route(f"/<{ID}:order_id>/council", methods=["GET", "POST"], endpoint="index")
@role_required(*policy.STAFF_ROLES)
def council(order_id: int):
    order = db.get_or_404(ResearchOrder, order_id)
    form = CouncilForm()
    form.fill(councils.list_candidates())
    if form.validate_on_submit():
        try:
            councils.form_council(
                current_user, order, form.chair.data, form.member_ids.data or []
            )
        except ServiceError as error:
            db.session.rollback()
            if not show_error(form, error):
                flash(error.message, "danger")
            return _council_page(db.session.get(ResearchOrder, order_id), form, 409)
        flash(_("The council is formed; its members are invited."), "success")
        return redirect(url_for("orders.council.index", order_id=order.id))
    return _council_page(order, form)


@bp.route(f"/<{ID}:order_id>/council/review", endpoint="review")
@signed_in
def council_review(order_id: int):
    order = db.get_or_404(ResearchOrder, order_id)
    member = councils.membership(current_user, order)
    if member is None:
        abort(404)
    return render_template(
        "orders/council/review.html", order=order, member=member,
        rows=councils.review_sheet(current_user, order),
        conflicts=councils.list_conflicts(current_user, order) if member.is_chair else [],
        can_score=order.state in proposals.REVIEW_STATES, names=_names(order), **LABELS,
    )  # fmt: skip


def _review_row(proposal_id: int) -> councils.ReviewRow:
    """The proposal as the signed-in council member sees it; 404 for anyone not on its council."""
    proposal = db.get_or_404(Proposal, proposal_id)
    row = councils.review_row(current_user, proposal)
    if row is None:
        abort(404)
    return row


def _score_page(
    row: councils.ReviewRow, score_form=None, conflict_form=None, status=200
):
    if score_form is None:
        marks = row.score.marks if row.score is not None else None
        score_form = ScoreForm(formdata=None, data=marks)
    page = render_template(
        "orders/council/score.html", row=row, proposal=row.proposal, order=row.proposal.order,
        score_form=score_form, conflict_form=conflict_form or ConflictForm(formdata=None),
        can_score=row.proposal.order.state in proposals.REVIEW_STATES, **LABELS,
    )  # fmt: skip
    return page, status


@bp.route(
    f"/proposals/<{ID}:proposal_id>/score", methods=["GET", "POST"], endpoint="score"
)
@signed_in
def proposal_score(proposal_id: int):
    row = _review_row(proposal_id)
    if request.method == "GET":
        return _score_page(row)
    form = ScoreForm()
    if not form.validate_on_submit():
        return _score_page(row, score_form=form)
    try:
        councils.score_proposal(current_user, row.proposal, form.marks())
    except ServiceError as error:
        db.session.rollback()
        if not show_error(form, error):
            flash(error.message, "danger")
        return _score_page(_review_row(proposal_id), score_form=form, status=409)
    flash(_("Your marks are saved."), "success")
    return redirect(url_for("orders.council.review", order_id=row.proposal.order_id))


@bp.route(
    f"/proposals/<{ID}:proposal_id>/conflict",
    methods=["POST"],
    endpoint="declare_conflict",
)
@signed_in
def conflict_declare(proposal_id: int):
    row = _review_row(proposal_id)
    form = ConflictForm()
    if not form.validate_on_submit():
        return _score_page(row, conflict_form=form)
    try:
        councils.declare_conflict(current_user, row.proposal, form.reason.data)
    except ServiceError as error:
        db.session.rollback()
        if not show_error(form, error):
            flash(error.message, "danger")
        return _score_page(_review_row(proposal_id), conflict_form=form, status=409)
    flash(_("Your conflict of interest is recorded: you will not score this proposal."), "success")  # fmt: skip
    return redirect(url_for("orders.council.score", proposal_id=proposal_id))
