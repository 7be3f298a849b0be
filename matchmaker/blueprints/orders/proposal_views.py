"""Proposals: researchers submit, edit and withdraw theirs; officials list, decline and award them."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from matchmaker.blueprints import pickers
from matchmaker.blueprints.auth.decorators import allowed_by, role_required, signed_in
from matchmaker.blueprints.orders.forms import STATE_LABELS
from matchmaker.blueprints.orders.proposal_forms import (
    STAGE_LABELS,
    STATUS_LABELS,
    AwardForm,
    ProposalDeclineForm,
    ProposalForm,
    ProposalWithdrawForm,
    show_error,
)
from matchmaker.extensions import db, limiter
from matchmaker.lifecycle import Action
from matchmaker.models import Proposal, ProposalStatus, ResearchOrder, Role
from matchmaker.services import policy
from matchmaker.services.errors import ServiceError
from matchmaker.services.orders import attachments, councils, proposals, teams

bp = Blueprint("proposals", __name__)

# Ids beyond PostgreSQL's integer never match a route (a 404, not a database error).
ID = "id"
LABELS = {
    "state_labels": STATE_LABELS,
    "stage_labels": STAGE_LABELS,
    "status_labels": STATUS_LABELS,
    "reason_labels": proposals.DECLINE_REASON_LABELS,
}
_FORM_FIELDS = {"attachment": "attachments"}


def _visible_order(order_id: int) -> ResearchOrder:
    order = db.get_or_404(ResearchOrder, order_id)
    if not policy.may_view_order(current_user, order):
        abort(404)
    return order


def _own_proposal(proposal_id: int) -> Proposal:
    """The signed-in PI's proposal; someone else's is a 404."""
    proposal = db.get_or_404(Proposal, proposal_id)
    if proposal.pi_id != current_user.id:
        abort(404)
    return proposal


@bp.route("/proposals/mine", endpoint="mine")
@role_required(Role.RESEARCHER)
def my_proposals():
    return render_template(
        "orders/proposals/mine.html",
        mine=proposals.list_my_proposals(current_user),
        tasks=proposals.list_assigned_tasks(current_user),
        seats=councils.list_seats(current_user),
        **LABELS,
    )


def _proposal_form(
    proposal: Proposal | None = None,
) -> tuple[ProposalForm, teams.Lookup | None]:
    """The form with its team choices; and the team search's findings when "Find" was pressed (no JS)."""
    form = ProposalForm(obj=proposal if request.method == "GET" else None)
    if request.method == "GET" and proposal is not None:
        form.team_ids.data = [m.user_id for m in proposal.members]
    chosen = teams.team_choices(current_user, form.team_ids.data or [], proposal)
    lookup = None
    if request.method == "POST" and form.find_team.data:
        lookup = teams.find_candidates(current_user, form.team_query.data)
    form.fill_team(chosen, lookup.candidates if lookup else [])
    return form, lookup


def _proposal_input(form: ProposalForm) -> proposals.ProposalInput:
    return proposals.ProposalInput(
        approach=form.approach.data or "",
        budget=form.budget.data,
        timeline=form.timeline.data or "",
        team_ids=tuple(form.team_ids.data or ()),
    )


def _lookup_message(lookup: teams.Lookup) -> str:
    if lookup.too_short:
        return _("Type at least %(n)d characters of a name or an institution.", n=teams.MIN_CHARS)  # fmt: skip
    if not lookup.candidates:
        return _("No researcher open to collaboration matches.")
    if lookup.more:
        return _("The first %(n)d researchers found: type more of the name to narrow the list.", n=len(lookup.candidates))  # fmt: skip
    return ngettext(
        "%(num)d researcher found: tick to add them, then save.",
        "%(num)d researchers found: tick those to add, then save.",
        len(lookup.candidates),
    )


def _render_form(form, order, proposal=None, error: ServiceError | None = None, lookup=None):  # fmt: skip
    if error is not None:
        if not show_error(form, error, _FORM_FIELDS):
            flash(error.message, "danger")
    files = attachments.for_proposal(proposal) if proposal is not None else []
    page = render_template(
        "orders/proposals/form.html", form=form, order=order, proposal=proposal, files=files,
        found_ids={c.user_id for c in lookup.candidates} if lookup else set(),
        lookup_message=_lookup_message(lookup) if lookup else "", min_chars=teams.MIN_CHARS,
    )  # fmt: skip
    return page, 409 if error is not None else 200


@bp.route("/proposals/team-candidates", endpoint="team_candidates")
@allowed_by(policy.may_search_team_members)
@limiter.limit(pickers.lookup_limit, key_func=pickers.account_key)
def team_candidates():
    """Researchers open to collaboration whose name or institution contains ``q``, for the team picker."""
    lookup = teams.find_candidates(current_user, request.args.get("q", ""))
    results = [
        {"id": c.user_id, "profile_id": c.profile_id, "name": c.name, "institution": c.institution}
        for c in lookup.candidates
    ]  # fmt: skip
    return pickers.lookup_response(
        results, message=_lookup_message(lookup), more=lookup.more
    )


@bp.route(f"/<{ID}:order_id>/proposals/new", methods=["GET", "POST"], endpoint="create")
@role_required(Role.RESEARCHER)
def proposal_create(order_id: int):
    order = _visible_order(order_id)
    existing = proposals.active_proposal_of(current_user, order)
    if existing is not None:
        flash(_("You already have a proposal for this order."), "info")
        return redirect(url_for("orders.proposals.detail", proposal_id=existing.id))
    if request.method == "GET" and not proposals.is_open(order):
        flash(_("The call for proposals is closed: proposals are no longer accepted."), "warning")  # fmt: skip
        return redirect(url_for("orders.detail", order_id=order.id))
    form, lookup = _proposal_form()
    if lookup is None and form.validate_on_submit():
        try:
            proposal = proposals.submit_proposal(
                current_user, order, _proposal_input(form), uploads=form.attachments.data or ()
            )  # fmt: skip
        except ServiceError as error:
            db.session.rollback()
            return _render_form(form, db.session.get(ResearchOrder, order_id), None, error)  # fmt: skip
        flash(_("Your proposal is submitted."), "success")
        return redirect(url_for("orders.proposals.detail", proposal_id=proposal.id))
    return _render_form(form, order, lookup=lookup)


@bp.route(
    f"/proposals/<{ID}:proposal_id>/edit", methods=["GET", "POST"], endpoint="edit"
)
@role_required(Role.RESEARCHER)
def proposal_edit(proposal_id: int):
    proposal = _own_proposal(proposal_id)
    if request.method == "GET" and not proposals.is_changeable(proposal):
        flash(_("This proposal can no longer be changed: the call is closed or the proposal was withdrawn or decided."), "warning")  # fmt: skip
        return redirect(url_for("orders.proposals.detail", proposal_id=proposal.id))
    form, lookup = _proposal_form(proposal)
    if lookup is None and form.validate_on_submit():
        try:
            proposals.update_proposal(
                current_user, proposal, _proposal_input(form), uploads=form.attachments.data or ()
            )  # fmt: skip
        except ServiceError as error:
            db.session.rollback()
            proposal = db.session.get(Proposal, proposal_id)
            return _render_form(form, proposal.order, proposal, error)
        flash(_("Your proposal is saved."), "success")
        return redirect(url_for("orders.proposals.detail", proposal_id=proposal.id))
    return _render_form(form, proposal.order, proposal, lookup=lookup)


@bp.route(
    f"/proposals/<{ID}:proposal_id>/withdraw", methods=["POST"], endpoint="withdraw"
)
@role_required(Role.RESEARCHER)
def proposal_withdraw(proposal_id: int):
    proposal = _own_proposal(proposal_id)
    if ProposalWithdrawForm().validate_on_submit():
        try:
            proposals.withdraw_proposal(current_user, proposal)
        except ServiceError as error:
            db.session.rollback()
            flash(error.message, "danger")
            return _render_detail(db.session.get(Proposal, proposal_id), 409)
        flash(_("Your proposal is withdrawn."), "success")
    return redirect(url_for("orders.proposals.detail", proposal_id=proposal_id))


def _render_detail(proposal: Proposal, status: int = 200, decline_form=None):
    order, user = proposal.order, current_user
    is_staff = policy.is_staff(user)
    is_author = user.id in proposal.author_ids
    running = proposal.status == ProposalStatus.SUBMITTED
    page = render_template(
        "orders/proposals/detail.html", proposal=proposal, order=order, is_author=is_author,
        is_pi=proposal.pi_id == user.id, can_change=proposal.pi_id == user.id and proposals.is_changeable(proposal),
        applicant=proposals.applicant_status(proposal, user.id) if is_author else None,
        withdraw_form=ProposalWithdrawForm(formdata=None),
        decline_form=(decline_form or ProposalDeclineForm(formdata=None)) if is_staff and running else None,
        can_award=is_staff and running and policy.may_take_step(current_user, order, Action.AWARD), is_staff=is_staff,
        is_council_member=councils.membership(user, order) is not None,
        files=attachments.for_proposal(proposal), **LABELS,
    )  # fmt: skip
    return page, status


@bp.route(f"/proposals/<{ID}:proposal_id>", endpoint="detail")
@signed_in
def proposal_detail(proposal_id: int):
    proposal = db.get_or_404(Proposal, proposal_id)
    if not policy.may_view_proposal(current_user, proposal):
        abort(404)
    return _render_detail(proposal)


@bp.route(
    f"/proposals/<{ID}:proposal_id>/decline", methods=["POST"], endpoint="decline"
)
@role_required(*policy.STAFF_ROLES)
def proposal_decline(proposal_id: int):
    proposal = db.get_or_404(Proposal, proposal_id)
    form = ProposalDeclineForm()
    if not form.validate_on_submit():
        return _render_detail(proposal, 200, form)
    try:
        proposals.decline_proposal(
            current_user, proposal, form.reason(), form.comment.data or ""
        )
    except ServiceError as error:
        db.session.rollback()
        if not show_error(form, error):
            flash(error.message, "danger")
        return _render_detail(db.session.get(Proposal, proposal_id), 409, form)
    flash(_("The proposal is declined; its applicant is notified."), "success")
    return redirect(url_for("orders.proposals.list", order_id=proposal.order_id))


@bp.route(f"/<{ID}:order_id>/proposals", endpoint="list")
@role_required(*policy.STAFF_ROLES)
def proposal_list(order_id: int):
    order = db.get_or_404(ResearchOrder, order_id)
    conflicted: dict[int, set[int]] = {}
    for conflict in councils.list_conflicts(current_user, order):
        conflicted.setdefault(conflict.proposal_id, set()).add(conflict.member_id)
    others = [
        p
        for p in proposals.list_proposals_for(current_user, order)
        if p.status != ProposalStatus.SUBMITTED
    ]
    return render_template(
        "orders/proposals/list.html", order=order, ranked=councils.ranking(order), others=others,
        council=councils.get_council(order), conflicted=conflicted, can_award=policy.may_take_step(current_user, order, Action.AWARD), **LABELS,
    )  # fmt: skip


def _render_award(form: AwardForm, proposal: Proposal, status: int = 200):
    rank = next(
        (
            (place, row)
            for place, row in enumerate(councils.ranking(proposal.order), start=1)
            if row.proposal.id == proposal.id
        ),
        (None, None),
    )
    page = render_template(
        "orders/proposals/award.html", form=form, proposal=proposal, order=proposal.order,
        place=rank[0], ranked=rank[1], **LABELS,
        awardable=proposal.status == ProposalStatus.SUBMITTED and policy.may_take_step(current_user, proposal.order, Action.AWARD),
    )  # fmt: skip
    return page, status


@bp.route(
    f"/proposals/<{ID}:proposal_id>/award", methods=["GET", "POST"], endpoint="award"
)
@role_required(*policy.STAFF_ROLES)
def proposal_award(proposal_id: int):
    proposal = db.get_or_404(Proposal, proposal_id)
    form = AwardForm()
    if request.method == "GET":
        form.version.data = str(proposal.order.version)
        form.contract_value.data = proposal.budget
    if form.validate_on_submit():
        try:
            proposals.award(
                current_user, proposal.order, proposal, form.contract(), int(form.version.data)
            )  # fmt: skip
        except ServiceError as error:
            db.session.rollback()
            flash(error.message, "danger")
            return _render_award(form, db.session.get(Proposal, proposal_id), 409)
        flash(_("The order is awarded; the principal investigator and the other applicants are notified."), "success")  # fmt: skip
        return redirect(url_for("orders.detail", order_id=proposal.order_id))
    return _render_award(form, proposal)
