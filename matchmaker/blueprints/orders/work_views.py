"""The work of an awarded order: milestones, disbursements, progress reports, mid-term check and results.

Officials, the principal investigator and their team follow the work; anyone else sees only the registered
results of a published order, and a 404 otherwise.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from matchmaker.blueprints.auth.decorators import open_to_everyone, role_required
from matchmaker.blueprints.forms import Form
from matchmaker.blueprints.orders import steps
from matchmaker.blueprints.orders.forms import ACTION_LABELS, STATE_LABELS
from matchmaker.blueprints.orders.work_forms import (
    DeliverableForm,
    DeliverableSendBackForm,
    DisbursementForm,
    MidTermForm,
    MilestoneCompleteForm,
    MilestoneForm,
    ProgressReportForm,
    ResultAddForm,
    ResultEntryForm,
    ResultsForm,
)
from matchmaker.blueprints.researchers.forms import IP_KIND_LABELS, IP_STATUS_LABELS
from matchmaker.extensions import db
from matchmaker.models import IPKind, IPStatus, Milestone, ResearchOrder, Role
from matchmaker.services import policy
from matchmaker.services.errors import ServiceError
from matchmaker.services.orders import work as progress

bp = Blueprint("work", __name__)
REPORTERS = (*policy.STAFF_ROLES, Role.RESEARCHER)


def _followed(order_id: int) -> ResearchOrder:
    """The order, if the viewer follows its work; a 404 otherwise, so private work is not revealed."""
    order = db.get_or_404(ResearchOrder, order_id)
    if not policy.may_follow_work(current_user, order):
        abort(404)
    return order


def _milestone(order: ResearchOrder, milestone_id: int) -> Milestone:
    milestone = db.session.get(Milestone, milestone_id)
    if milestone is None or milestone.order_id != order.id:
        abort(404)
    return milestone


def _blank_forms(order: ResearchOrder, overview: progress.WorkOverview) -> dict:
    forms = {
        "milestone": MilestoneForm(prefix="milestone", formdata=None),
        "disbursement": DisbursementForm(prefix="pay", formdata=None),
        "report": ProgressReportForm(prefix="report", formdata=None),
        "mid_term": MidTermForm(prefix="midterm", formdata=None),
        "results": ResultsForm(prefix="results", formdata=None),
        "add_result": ResultAddForm(prefix="add", formdata=None),
    }
    for m in overview.milestones:
        forms[f"complete-{m.id}"] = MilestoneCompleteForm(
            prefix=f"complete-{m.id}", formdata=None
        )
        forms[f"deliver-{m.id}"] = DeliverableForm(
            prefix=f"deliver-{m.id}", formdata=None
        )
        forms[f"send-back-{m.id}"] = DeliverableSendBackForm(
            prefix=f"send-back-{m.id}", formdata=None
        )
    return forms


def _page(order: ResearchOrder, status: int = 200, failed: dict | None = None):
    overview = progress.work_overview(order)
    forms = _blank_forms(order, overview) | (failed or {})
    forms["disbursement"].fill_choices(overview.tranches)
    forms["report"].fill_choices(overview.milestones)
    files = {
        r.attachment_id for r in overview.reports
        if r.attachment is not None and policy.may_download_attachment(current_user, r.attachment)
    }  # fmt: skip
    page = render_template(
        "orders/work/index.html", order=order, work=overview, forms=forms, files=files,
        can=progress.permissions(current_user, order), state_labels=STATE_LABELS,
        shows_budget=policy.may_see_budget(current_user, order),
        action_labels=ACTION_LABELS, ip_kind_labels=IP_KIND_LABELS, ip_status_labels=IP_STATUS_LABELS,
        hints=steps.HINTS_BY_NAME,
    )  # fmt: skip
    return page, status


def _refused(order: ResearchOrder, key: str, form: Form, error: ServiceError):
    """Show a service refusal beside its field (or on top of the page), keeping what was typed."""
    db.session.rollback()
    target = getattr(form, error.field or "", None)
    if target is not None and hasattr(target, "errors"):
        target.errors = [*target.errors, error.message]
    else:
        flash(error.message, "danger")
    return _page(db.session.get(ResearchOrder, order.id), 409, {key: form})


def _done(order: ResearchOrder, message: str, anchor: str):
    flash(message, "success")
    return redirect(url_for("orders.work.index", order_id=order.id, _anchor=anchor))


@bp.route("/<id:order_id>/work", endpoint="index")
@open_to_everyone
def work(order_id: int):
    order = db.get_or_404(ResearchOrder, order_id)
    if policy.may_follow_work(current_user, order):
        return _page(order)
    if not progress.results_are_public(order):
        abort(404)
    return render_template(
        "orders/work/public.html", order=order, results=progress.list_results(order),
        state_labels=STATE_LABELS, ip_kind_labels=IP_KIND_LABELS, ip_status_labels=IP_STATUS_LABELS,
    )  # fmt: skip


@bp.route("/<id:order_id>/work/milestones", methods=["POST"], endpoint="add_milestone")
@role_required(*policy.STAFF_ROLES)
def work_milestone_add(order_id: int):
    order = _followed(order_id)
    form = MilestoneForm(prefix="milestone")
    if not form.validate_on_submit():
        return _page(order, 200, {"milestone": form})
    data = progress.MilestoneInput(
        title=form.title.data, due_date=form.due_date.data, deliverable=form.deliverable.data or ""
    )  # fmt: skip
    try:
        progress.add_milestone(current_user, order.id, data)
    except ServiceError as error:
        return _refused(order, "milestone", form, error)
    return _done(order, _("The milestone is added."), "milestones")


@bp.route(
    "/<id:order_id>/work/milestones/<id:milestone_id>/complete",
    methods=["POST"],
    endpoint="complete_milestone",
)
@role_required(*policy.STAFF_ROLES)
def work_milestone_complete(order_id: int, milestone_id: int):
    order = _followed(order_id)
    milestone, key = _milestone(order, milestone_id), f"complete-{milestone_id}"
    form = MilestoneCompleteForm(prefix=key)
    if not form.validate_on_submit():
        return _page(order, 200, {key: form})
    try:
        progress.complete_milestone(
            current_user, order.id, milestone.id, form.completed_on.data, form.evidence.data
        )  # fmt: skip
    except ServiceError as error:
        return _refused(order, key, form, error)
    return _done(order, _("The milestone is confirmed as completed."), "milestones")


@bp.route(
    "/<id:order_id>/work/milestones/<id:milestone_id>/submit",
    methods=["POST"],
    endpoint="submit_deliverable",
)
@role_required(Role.RESEARCHER)
def work_deliverable_submit(order_id: int, milestone_id: int):
    order = _followed(order_id)
    milestone, key = _milestone(order, milestone_id), f"deliver-{milestone_id}"
    if not progress.is_pi(current_user, order):
        abort(403)
    form = DeliverableForm(prefix=key)
    if not form.validate_on_submit():
        return _page(order, 200, {key: form})
    try:
        progress.submit_deliverable(
            current_user, order.id, milestone.id, form.note.data or ""
        )
    except ServiceError as error:
        return _refused(order, key, form, error)
    return _done(
        order, _("The deliverable is marked submitted; the officials are told."), "milestones"
    )  # fmt: skip


@bp.route(
    "/<id:order_id>/work/milestones/<id:milestone_id>/send-back",
    methods=["POST"],
    endpoint="send_back_deliverable",
)
@role_required(*policy.STAFF_ROLES)
def work_deliverable_send_back(order_id: int, milestone_id: int):
    order = _followed(order_id)
    milestone, key = _milestone(order, milestone_id), f"send-back-{milestone_id}"
    form = DeliverableSendBackForm(prefix=key)
    if not form.validate_on_submit():
        return _page(order, 200, {key: form})
    try:
        progress.send_back_deliverable(
            current_user, order.id, milestone.id, form.reason.data
        )
    except ServiceError as error:
        return _refused(order, key, form, error)
    return _done(
        order, _("The deliverable is sent back for revision; the principal investigator is told."),
        "milestones",
    )  # fmt: skip


@bp.route("/<id:order_id>/work/disbursements", methods=["POST"], endpoint="disburse")
@role_required(*policy.STAFF_ROLES)
def work_disburse(order_id: int):
    order = _followed(order_id)
    form = DisbursementForm(prefix="pay")
    form.fill_choices(progress.tranche_lines(order))
    if not form.validate_on_submit():
        return _page(order, 200, {"disbursement": form})
    data = progress.DisbursementInput(
        tranche_id=form.tranche.data, amount=form.amount.data, disbursed_on=form.disbursed_on.data,
        reference=form.reference.data, note=form.note.data or "",
    )  # fmt: skip
    try:
        progress.record_disbursement(current_user, order.id, data)
    except ServiceError as error:
        return _refused(order, "disbursement", form, error)
    return _done(order, _("The disbursement is recorded."), "payments")


@bp.route("/<id:order_id>/work/reports", methods=["POST"], endpoint="report")
@role_required(Role.RESEARCHER)
def work_report(order_id: int):
    order = _followed(order_id)
    if not progress.is_pi(current_user, order):
        abort(403)
    form = ProgressReportForm(prefix="report")
    form.fill_choices(progress.list_milestones(order))
    if not form.validate_on_submit():
        return _page(order, 200, {"report": form})
    data = progress.ProgressInput(
        period=form.period.data, report_date=form.report_date.data, text=form.text.data,
        percent_complete=form.percent_complete.data, milestone_ids=form.milestones.data or (),
    )  # fmt: skip
    try:
        progress.submit_progress_report(
            current_user, order.id, data, form.attachment.data
        )
    except ServiceError as error:
        return _refused(order, "report", form, error)
    return _done(order, _("Your progress report is sent."), "reports")


@bp.route("/<id:order_id>/work/mid-term", methods=["POST"], endpoint="mid_term")
@role_required(*policy.STAFF_ROLES)
def work_mid_term(order_id: int):
    order = _followed(order_id)
    form = MidTermForm(prefix="midterm")
    if not form.validate_on_submit():
        return _page(order, 200, {"mid_term": form})
    try:
        progress.record_mid_term_check(current_user, order.id, form.result.data)
    except ServiceError as error:
        return _refused(order, "mid_term", form, error)
    return _done(order, _("The mid-term check is recorded."), "checks")


def _result_input(row: ResultEntryForm) -> progress.ResultInput:
    return progress.ResultInput(
        product=row.product.data or "",
        description=row.description.data or "",
        ip_kind=IPKind(row.ip_kind.data) if row.ip_kind.data else None,
        ip_number=row.ip_number.data or "",
        ip_status=IPStatus(row.ip_status.data)
        if row.ip_kind.data and row.ip_status.data
        else None,
        applied_at=row.applied_at.data or "",
        beneficiary=row.beneficiary.data or "",
        transferred_to=row.transferred_to.data or "",
    )  # fmt: skip


def _result_inputs(form: ResultsForm) -> list[progress.ResultInput]:
    return [_result_input(row) for row in form.filled()]


@bp.route("/<id:order_id>/work/results", methods=["POST"], endpoint="results")
@role_required(*REPORTERS)
def work_results(order_id: int):
    order = _followed(order_id)
    if not (progress.is_pi(current_user, order) or policy.is_staff(current_user)):
        abort(403)
    form = ResultsForm(prefix="results")
    if not form.validate_on_submit():
        return _page(order, 200, {"results": form})
    if not form.version.data.isdigit():
        flash(_("Reload the page and try again."), "danger")
        return _page(order, 409, {"results": form})
    try:
        progress.register_results(
            current_user, order.id, _result_inputs(form), form.registration_number.data or "",
            int(form.version.data),
        )  # fmt: skip
    except ServiceError as error:
        return _refused(order, "results", form, error)
    return _done(order, _("The results are registered."), "results")


@bp.route("/<id:order_id>/work/results/add", methods=["POST"], endpoint="add_result")
@role_required(*REPORTERS)
def work_result_add(order_id: int):
    order = _followed(order_id)
    if not (progress.is_pi(current_user, order) or policy.is_staff(current_user)):
        abort(403)
    form = ResultAddForm(prefix="add")
    if not form.validate_on_submit():
        return _page(order, 200, {"add_result": form})
    try:
        progress.add_result(current_user, order.id, _result_input(form.result.form))
    except ServiceError as error:
        return _refused(order, "add_result", form, error)
    return _done(
        order, _("The result is added and recorded in the history."), "results"
    )
