"""Exact assignments for officials: lead reviewers of a council's proposals, researchers for open orders and
their invitations to apply."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import Field, IntegerField, SubmitField
from wtforms.validators import NumberRange, ValidationError

from matchmaker.blueprints.auth.decorators import role_required
from matchmaker.blueprints.forms import Form
from matchmaker.blueprints.orders.forms import STATE_LABELS
from matchmaker.blueprints.orders.proposal_views import ID
from matchmaker.extensions import db
from matchmaker.models import ResearchOrder
from matchmaker.services import policy
from matchmaker.services.errors import ServiceError
from matchmaker.services.orders import councils
from matchmaker.services.orders.assignment import lead_reviewers as assignments
from matchmaker.services.orders.assignment import open_calls as order_assignment

bp = Blueprint("assignments", __name__)
LABELS = {
    "state_labels": STATE_LABELS,
    "conflict_labels": councils.CONFLICT_REASON_LABELS,
}


class WholeNumberField(IntegerField):
    """A whole number; a blank value keeps the default, anything else that is not a number is an error."""

    def process_formdata(self, valuelist: list[str]) -> None:
        if not valuelist or not valuelist[0].strip():
            self.raw_data = []  # shown with its default value
            return
        try:
            self.data = int(valuelist[0].strip())
        except ValueError as error:
            self.data = None
            raise ValueError(_l("Enter a whole number.")) from error


def _within(bounds: tuple[int, int]) -> NumberRange:
    return NumberRange(
        min=bounds[0],
        max=bounds[1],
        message=_l("Choose a whole number from %(min)s to %(max)s."),
    )


class ResearcherAssignmentForm(Form):
    """How many researchers each open order gets, and how many orders one researcher may be proposed for."""

    class Meta:
        csrf = False  # a GET form: it changes nothing

    per_order = WholeNumberField(
        _l("Researchers per order"),
        default=order_assignment.RESEARCHERS_PER_ORDER,
        validators=[_within(order_assignment.PER_ORDER_RANGE)],
    )
    per_researcher = WholeNumberField(
        _l("Orders per researcher, at most"),
        default=order_assignment.ORDERS_PER_RESEARCHER,
        validators=[_within(order_assignment.PER_RESEARCHER_RANGE)],
    )


INVALID_IDS = _l("The list of researchers is not valid: reload the page and try again.")


class ProfileIdsField(Field):
    """Researcher profile ids, sent as repeated hidden fields; a value that is no valid id is an error."""

    def process_formdata(self, valuelist: list[str]) -> None:
        self.data = []
        try:
            ids = [int(value) for value in valuelist]
        except ValueError:
            ids = [0]
        if not all(0 < pk <= order_assignment.MAX_ID for pk in ids):
            raise ValueError(INVALID_IDS)
        self.data = ids


def _few_enough(form: Form, field: ProfileIdsField) -> None:
    most = order_assignment.MAX_INVITES
    if len(field.data or []) > most:
        raise ValidationError(_l("Invite at most %(n)d researchers at a time.", n=most))


class ResearcherInviteForm(Form):
    """An official invites the researchers proposed for one order to apply (their profile ids, hidden)."""

    profile_id = ProfileIdsField(
        _l("Researchers"), default=list, validators=[_few_enough]
    )
    submit = SubmitField(_l("Invite these researchers to apply"))


class LeadReviewerRecordForm(Form):
    """An official records the proposed lead reviewers (only the CSRF token is sent)."""

    submit = SubmitField(_l("Record this assignment"))


def _reviewers_page(order: ResearchOrder, status: int = 200):
    council = councils.get_council(order)
    plan, error = None, None
    if council is not None:
        try:
            plan = assignments.propose_lead_reviewers(current_user, order)
        except ServiceError as refused:
            db.session.rollback()
            error = refused.message
    page = render_template(
        "orders/assignments/reviewers.html", order=order, council=council, plan=plan, error=error,
        recorded=assignments.recorded_lead_reviewers(current_user, order),
        per_proposal=assignments.REVIEWERS_PER_PROPOSAL, form=LeadReviewerRecordForm(), **LABELS,
    )  # fmt: skip
    return page, status


@bp.route(f"/<{ID}:order_id>/council/reviewers", endpoint="reviewers")
@role_required(*policy.STAFF_ROLES)
def council_reviewers(order_id: int):
    return _reviewers_page(db.get_or_404(ResearchOrder, order_id))


@bp.route(
    f"/<{ID}:order_id>/council/reviewers", methods=["POST"], endpoint="record_reviewers"
)
@role_required(*policy.STAFF_ROLES)
def council_reviewers_record(order_id: int):
    order = db.get_or_404(ResearchOrder, order_id)
    if not LeadReviewerRecordForm().validate_on_submit():
        return _reviewers_page(order, 400)
    try:
        assignments.record_lead_reviewers(current_user, order)
    except ServiceError as error:
        db.session.rollback()
        flash(error.message, "danger")
        return _reviewers_page(db.session.get(ResearchOrder, order_id), 409)
    flash(_("The lead reviewers are recorded; the members concerned are notified."), "success")  # fmt: skip
    return redirect(url_for("orders.assignments.reviewers", order_id=order_id))


def _limits(args) -> dict[str, str]:
    """The assignment page's own query string (its limits), to come back to the same proposal."""
    return {key: args[key] for key in ("per_order", "per_researcher") if key in args}


def _assignment_page(args, status: int = 200):
    form = ResearcherAssignmentForm(args)
    plan, error = None, None
    if form.validate():
        try:
            plan = order_assignment.propose_researchers(
                current_user, form.per_order.data, form.per_researcher.data
            )
        except ServiceError as refused:
            db.session.rollback()
            error = refused.message
    if status == 200 and plan is None and not error:
        status = 400
    page = render_template(
        "orders/assignments/researchers.html", form=form, plan=plan, error=error,
        invite_form=ResearcherInviteForm(formdata=None), **LABELS,
    )  # fmt: skip
    return page, status


@bp.route("/assignment", endpoint="researchers")
@role_required(*policy.STAFF_ROLES)
def assignment():
    return _assignment_page(request.args)


@bp.route(f"/<{ID}:order_id>/assignment/invite", methods=["POST"], endpoint="invite")
@role_required(*policy.STAFF_ROLES)
def assignment_invite(order_id: int):
    order = db.get_or_404(ResearchOrder, order_id)
    form = ResearcherInviteForm()
    if not form.validate_on_submit():
        for message in form.profile_id.errors or [_("Reload the page and try again.")]:
            flash(str(message), "danger")
        return _assignment_page(request.args, 400)
    try:
        done = order_assignment.invite_researchers(current_user, order, form.profile_id.data)  # fmt: skip
    except ServiceError as error:
        db.session.rollback()
        flash(error.message, "danger")
        # A list of researchers no page would send is bad input; anything else, the order's state.
        return _assignment_page(request.args, 400 if error.field else 409)
    flash(
        _("Invited now: %(invited)d. Invited before, not again: %(already)d. Refused (a conflict of interest, "
          "an inactive account, not a researcher or not open to orders): %(refused)d.",
          invited=done.invited, already=done.already_invited, refused=done.refused),
        "success" if done.invited else "warning",
    )  # fmt: skip
    return redirect(url_for("orders.assignments.researchers", **_limits(request.args)))
