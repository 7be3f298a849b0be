"""City research orders: lists per role, drafting, and every lifecycle step with its history."""

from __future__ import annotations

import dataclasses

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from matchmaker.blueprints.auth.decorators import (
    open_to_everyone,
    role_required,
    signed_in,
)
from matchmaker.blueprints.orders import (
    assignment_views,
    council_views,
    proposal_views,
    steps,
    work_views,
)
from matchmaker.blueprints.orders.forms import (
    ACTION_LABELS,
    LATENESS_LABELS,
    PART_LABELS,
    SELECTION_LABELS,
    SORT_LABELS,
    STATE_LABELS,
    OrderForm,
    TransitionForm,
)
from matchmaker.extensions import db
from matchmaker.lifecycle import Action, allowed_actions
from matchmaker.models import Attachment, InstitutionKind, ResearchOrder
from matchmaker.services import policy, reference
from matchmaker.services.errors import ServiceError
from matchmaker.services.institutions import choices
from matchmaker.services.institutions import directory as institutions
from matchmaker.services.matching import matches as matching
from matchmaker.services.orders import attachments, proposals
from matchmaker.services.orders import lifecycle as orders
from matchmaker.services.orders import listing as order_list
from matchmaker.services.orders import work as progress
from matchmaker.services.plan import tasks as plan_tasks

bp = Blueprint("orders", __name__)
bp.register_blueprint(proposal_views.bp)
bp.register_blueprint(council_views.bp)
bp.register_blueprint(work_views.bp)
bp.register_blueprint(assignment_views.bp)
REVIEWING = frozenset({"applications_closed", "under_review"})
PUBLIC_SORTS = frozenset(
    {"title", "agency", "state", "deadline"}
)  # the columns everyone sees


@bp.route("/")
@open_to_everyone
def index():
    listing = order_list.list_orders(
        current_user,
        order_list.OrderFilters.from_args(request.args),
        request.args.get("page", 1),
    )
    is_staff = policy.is_staff(current_user)
    return render_template(
        "orders/index.html", listing=listing, args=request.args, is_staff=is_staff,
        state_labels={k: v for k, v in STATE_LABELS.items() if is_staff or k in policy.PUBLIC_STATES},
        sort_labels={k: v for k, v in SORT_LABELS.items() if is_staff or k in PUBLIC_SORTS},
        field_name=reference.field_name, lateness_labels=LATENESS_LABELS,
        agencies=institutions.list_institutions(InstitutionKind.AGENCY),
    )  # fmt: skip


def _order_form(order: ResearchOrder | None = None) -> OrderForm:
    form = OrderForm(obj=order if request.method == "GET" else None)
    if request.method == "GET" and order is not None:
        form.agency.data, form.trl.data = str(order.agency_id), str(order.trl or "")
        form.need.data = str(order.need_id or "")
        form.plan_task.data = str(order.plan_task_id or "")
    form.fill_choices(
        choices.list_choosable(current_user, "order"),
        orders.linkable_needs(current_user, order.need_id if order else None),
        plan_tasks.task_choices(),
    )
    return form


def _order_input(form: OrderForm) -> orders.OrderInput:
    return orders.OrderInput(
        title=form.title.data, agency_id=int(form.agency.data), beneficiary=form.beneficiary.data or "",
        necessity=form.necessity.data or "", objectives=form.objectives.data or "",
        main_content=form.main_content.data or "", expected_products=form.expected_products.data or "",
        trl=int(form.trl.data) if form.trl.data else None, field_code=form.field_code.data or None,
        priority_area=form.priority_area.data or None, duration_months=form.duration_months.data,
        state_budget=form.state_budget.data, cofunding=form.cofunding.data,
        need_id=int(form.need.data) if form.need.data else None,
        plan_task_id=int(form.plan_task.data) if form.plan_task.data else None,
        internal_parts=tuple(form.internal_parts.data or ()),
    )  # fmt: skip


def _field_error(form: OrderForm, error: ServiceError) -> None:
    """Show a service refusal beside its field (the agency when it names none)."""
    name = {
        "agency_id": "agency",
        "need_id": "need",
        "plan_task_id": "plan_task",
        "attachment": "attachments",
    }.get(error.field or "", error.field)
    target = getattr(form, name or "", None) or form.agency
    target.errors = [*target.errors, error.message]


@bp.route("/new", methods=["GET", "POST"])
@role_required(*policy.STAFF_ROLES)
def create():
    form = _order_form()
    if not _checking() and form.validate_on_submit():
        try:
            order = orders.create_order(
                current_user, _order_input(form), form.attachments.data or (),
                form.attachments_public.data,
            )  # fmt: skip
        except ServiceError as error:
            _field_error(form, error)
        else:
            flash(_("The draft order is saved."), "success")
            return redirect(url_for("orders.detail", order_id=order.id))
    return render_template(
        "orders/form.html", form=form, order=None, duplicates=_duplicates(form, None)
    )


@bp.route("/<id:order_id>/edit", methods=["GET", "POST"])
@role_required(*policy.STAFF_ROLES)
def edit(order_id: int):
    order = db.get_or_404(ResearchOrder, order_id)
    form = _order_form(order)
    if not _checking() and form.validate_on_submit():
        try:
            orders.update_draft(
                current_user, order, _order_input(form), form.attachments.data or (),
                form.attachments_public.data,
            )  # fmt: skip
        except ServiceError as error:
            db.session.rollback()
            _field_error(form, error)
        else:
            flash(_("The draft order is saved."), "success")
            return redirect(url_for("orders.detail", order_id=order.id))
    order = db.session.get(ResearchOrder, order_id)
    return render_template(
        "orders/form.html", form=form, order=order,
        order_files=attachments.for_order(order, current_user), duplicates=_duplicates(form, order),
    )  # fmt: skip


def _checking() -> bool:
    """The official asked to see similar orders and needs before saving."""
    return request.method == "POST" and "check" in request.form


def _duplicates(form: OrderForm, order: ResearchOrder | None):
    """Possible duplicates of the text typed so far: on request, and always when editing a draft."""
    if not (_checking() or (request.method == "GET" and order is not None)):
        return None
    parts = (
        form.beneficiary,
        form.necessity,
        form.objectives,
        form.main_content,
        form.expected_products,
    )
    return matching.duplicates_for_text(
        "\n".join(f.data or "" for f in parts), order.id if order else None,
        title=form.title.data or "", viewer=current_user,
    )  # fmt: skip


def _render_detail(
    order: ResearchOrder, status: int = 200, failed: Action | None = None, form=None
):
    role = policy.lifecycle_role(current_user, order)
    actions = allowed_actions(order.state, role) if role is not None else []
    # Awarding names the winning proposal: its button leads to the proposals and ranking page.
    forms = {
        a: (
            form
            if a == failed and form is not None
            else TransitionForm(formdata=None, version=order.version, action=a)
        ).scoped(a)
        for a in actions
        if a != Action.AWARD
    }
    next_steps = steps.next_steps(actions, forms, failed)
    is_staff = policy.is_staff(current_user)
    options = matching.MatchOptions.from_args(request.args)
    if is_staff and order.state in REVIEWING:
        # Looking for reviewers: leave out the applicants, their teams and their institutions' researchers.
        options = dataclasses.replace(
            options, exclude_profile_ids=matching.conflicted_profile_ids(order)
        )
    visible = policy.visible_order_parts(current_user, order)
    page = render_template(
        "orders/detail.html", order=order, steps=next_steps, is_staff=is_staff,
        waiting=steps.waits_for_approver(order.state, is_staff, next_steps),
        history=orders.history(order) if policy.HISTORY in visible else [],
        field_name=reference.field_name, area_name=reference.priority_area_name,
        selection_labels=SELECTION_LABELS, state_labels=STATE_LABELS, action_labels=ACTION_LABELS,
        files=attachments.for_order(order, current_user), event_files=attachments.for_events(order, current_user),
        part_labels=PART_LABELS, hidden=frozenset(policy.ORDER_PARTS) - visible,
        need=orders.linked_need(current_user, order),
        matches=matching.matches_for_order(order, current_user, options=options), match_options=options,
        match_choices=matching.filter_choices(), work_access=progress.work_access(current_user, order),
        panel=proposals.order_panel(current_user, order),
    )  # fmt: skip
    return page, status


@bp.route("/<id:order_id>")
@open_to_everyone
def detail(order_id: int):
    order = db.get_or_404(ResearchOrder, order_id)
    if not policy.may_view_order(current_user, order):
        abort(404)
    return _render_detail(order)


@bp.route("/<id:order_id>/act/<action>", methods=["POST"])
@signed_in
def act(order_id: int, action: str):
    order = db.get_or_404(ResearchOrder, order_id)
    if policy.lifecycle_role(current_user, order) is None:
        abort(403)
    step = next((a for a in Action if a.value == action), None) or abort(404)
    if step == Action.AWARD:
        flash(_("Award the order from its proposals and ranking."), "info")
        return redirect(url_for("orders.proposals.list", order_id=order.id))
    form = TransitionForm(action=step)
    if not form.validate_on_submit() or not form.version.data.isdigit():
        for error in form.confirm.errors:
            flash(str(error), "danger")
        return _render_detail(order, 409, step, form)
    try:
        orders.apply_action(
            order.id, current_user, step, form.data_for(step), int(form.version.data),
            attachment=form.attachment.data or None,
        )  # fmt: skip
    except ServiceError as error:
        db.session.rollback()
        flash(error.message, "danger")
        return _render_detail(db.session.get(ResearchOrder, order_id), 409, step, form)
    flash(
        _(
            "Done: the order is now “%(state)s”.",
            state=STATE_LABELS[db.session.get(ResearchOrder, order_id).state],
        ),
        "success",
    )
    return redirect(url_for("orders.detail", order_id=order.id))


@bp.route("/<id:order_id>/attachments/<id:attachment_id>")
@open_to_everyone
def attachment(order_id: int, attachment_id: int):
    """Download a PDF the viewer may see; anything else is a 404, so private files are not revealed."""
    found = db.session.get(Attachment, attachment_id)
    if found is None or found.order_id != order_id:
        abort(404)
    if not policy.may_download_attachment(current_user, found):
        abort(404)
    path = attachments.path_of(found)
    if not path.is_file():
        abort(404)
    return send_file(
        path, mimetype="application/pdf", as_attachment=True, download_name=found.filename,
        max_age=0, etag=found.sha256,
    )  # fmt: skip
