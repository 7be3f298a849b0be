"""The action plan register: the list of tasks with their standing, a task's page, the forms and the import."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from matchmaker.blueprints import pickers
from matchmaker.blueprints.auth.decorators import role_required
from matchmaker.blueprints.auth.forms import ActionForm
from matchmaker.blueprints.bounds import row_id
from matchmaker.blueprints.plan.forms import (
    SORT_LABELS,
    STANDING_LABELS,
    STATUS_LABELS,
    PlanCompleteForm,
    PlanImportForm,
    PlanTaskForm,
    PlanUpdateForm,
)
from matchmaker.extensions import db, limiter
from matchmaker.models import PlanTask, PlanTaskStatus
from matchmaker.services import policy
from matchmaker.services.errors import NotAllowed, ServiceError
from matchmaker.services.plan import evidence, importer
from matchmaker.services.plan import standing as standings
from matchmaker.services.plan import tasks as plan_tasks
from matchmaker.services.plan.standing import PlanFilters, TaskStanding

bp = Blueprint("plan", __name__)
STAFF = policy.STAFF_ROLES


def _filters() -> PlanFilters:
    args = request.args
    standing = args.get("standing", "")
    return PlanFilters(
        plan=args.get("plan", "")[:80], objective=args.get("objective", "")[:300],
        agency_id=args.get("agency", type=row_id),
        standing=TaskStanding(standing) if standing in {s.value for s in TaskStanding} else None,
        query=args.get("q", ""),
    )  # fmt: skip


@bp.route("/")
@role_required(*STAFF)
def index():
    filters, today = _filters(), standings.today_in_vietnam()
    sort = request.args.get("sort", "code")
    descending = request.args.get("dir") == "desc"
    page = plan_tasks.list_tasks(
        filters, sort, descending, request.args.get("page", 1), today
    )
    return render_template(
        "plan/index.html", page=page, args=request.args, counts=standings.standing_counts(filters, today),
        standing=standings.standings_of([t.id for t in page.items], today), standing_labels=STANDING_LABELS,
        sort_labels=SORT_LABELS, plans=plan_tasks.plan_names(), objectives=plan_tasks.objectives(filters.plan),
        agencies=plan_tasks.lead_agencies(), can_edit=policy.may_edit_plan(current_user),
    )  # fmt: skip


def _detail(task: PlanTask, update_form=None, complete_form=None, lookup=None):
    if complete_form is None:
        complete_form = PlanCompleteForm(formdata=None)
        complete_form.fill_evidence(evidence.suggestions(task))
    return render_template(
        "plan/detail.html", task=task, standing=plan_tasks.standing_of(task), standing_labels=STANDING_LABELS,
        status_labels=STATUS_LABELS, on_time=plan_tasks.is_completed_on_time(task), orders=plan_tasks.linked_orders(task),
        can_edit=policy.may_edit_plan(current_user), can_report=policy.may_record_plan_update(current_user, task),
        update_form=update_form or PlanUpdateForm(formdata=None, reported_on=standings.today_in_vietnam()),
        complete_form=complete_form, Completed=PlanTaskStatus.COMPLETED, min_chars=evidence.MIN_CHARS,
        found_ids={r.key for r in lookup.records} if lookup else set(),
        lookup_message=_lookup_message(lookup) if lookup else "",
    )  # fmt: skip


def _lookup_message(lookup: evidence.Lookup) -> str:
    if lookup.too_short:
        return _("Type at least %(n)d characters of the title.", n=evidence.MIN_CHARS)
    if not lookup.records:
        return _("No research order or project you may see has this in its title.")
    if lookup.more:
        return _("The first records found: type more of the title to narrow the list.")
    return ngettext(
        "%(num)d record found: tick it to cite it, then mark the task as completed.",
        "%(num)d records found: tick the one to cite, then mark the task as completed.",
        len(lookup.records),
    )


@bp.route("/<id:task_id>")
@role_required(*STAFF)
def detail(task_id: int):
    return _detail(db.get_or_404(PlanTask, task_id))


def _report_error(form, error: ServiceError, fallback: str, fields=None) -> None:
    db.session.rollback()
    name = (fields or {}).get(error.field or "") or (error.field or "").removesuffix(
        "_id"
    )
    target = getattr(form, name, None) if name else None
    target = target or getattr(form, fallback)
    target.errors = [*target.errors, error.message]


_EVIDENCE_FIELDS = {
    "evidence_order_id": "evidence_records",
    "evidence_project_id": "evidence_records",
}


@bp.route("/<id:task_id>/updates", methods=["POST"])
@role_required(*STAFF)
def record_update(task_id: int):
    task = db.get_or_404(PlanTask, task_id)
    if not policy.may_record_plan_update(current_user, task):
        abort(403)
    form = PlanUpdateForm()
    if form.validate_on_submit():
        try:
            plan_tasks.record_update(
                current_user,
                task,
                form.reported_on.data,
                form.text.data,
                PlanTaskStatus(form.status_after.data),
            )
        except ServiceError as error:
            _report_error(form, error, "text")
        else:
            flash(_("The update is recorded."), "success")
            return redirect(url_for("plan.detail", task_id=task.id, _anchor="updates"))
    return _detail(task, update_form=form)


@bp.route("/<id:task_id>/complete", methods=["POST"])
@role_required(*STAFF)
def complete(task_id: int):
    task = db.get_or_404(PlanTask, task_id)
    if not policy.may_record_plan_update(current_user, task):
        abort(403)
    form = PlanCompleteForm()
    lookup = None
    if (
        form.find_evidence.data
    ):  # the search without JavaScript: the form comes back with what was found
        lookup = evidence.find(current_user, form.evidence_query.data)
    sent = evidence.records(current_user, form.evidence_records.data or ())
    form.fill_evidence(
        sent, evidence.suggestions(task), lookup.records if lookup else ()
    )
    if lookup is None and form.validate_on_submit():
        try:
            order_id, project_id = evidence.chosen_ids(form.evidence_records.data or ())
            plan_tasks.complete_task(
                current_user, task, form.completed_on.data, form.evidence.data, order_id, project_id
            )  # fmt: skip
        except ServiceError as error:
            _report_error(form, error, "evidence", _EVIDENCE_FIELDS)
        else:
            flash(_("The task is marked as completed."), "success")
            return redirect(url_for("plan.detail", task_id=task.id))
    return _detail(task, complete_form=form, lookup=lookup)


@bp.route("/evidence-candidates")
@role_required(*STAFF)
@limiter.limit(pickers.lookup_limit, key_func=pickers.account_key)
def evidence_candidates():
    """Research orders and projects the official may see whose title contains ``q``, for the evidence picker."""
    lookup = evidence.find(current_user, request.args.get("q", ""))
    results = [
        {"id": r.key, "name": r.name, "kind": r.kind, "detail": r.detail}
        for r in lookup.records
    ]
    return pickers.lookup_response(
        results, message=_lookup_message(lookup), more=lookup.more
    )


def _task_form(task: PlanTask | None) -> PlanTaskForm:
    form = PlanTaskForm(obj=task if request.method == "GET" else None)
    if request.method == "GET" and task is not None:
        form.lead_agency.data = str(task.lead_agency_id)
        form.partners.data = [str(p.id) for p in task.partners]
    form.fill_choices(plan_tasks.agencies())
    return form


def _save(form: PlanTaskForm, task: PlanTask | None):
    try:
        if task is None:
            task = plan_tasks.create_task(current_user, form.to_input())
        else:
            plan_tasks.update_task(current_user, task, form.to_input())
    except ServiceError as error:
        db.session.rollback()
        name = {"lead_agency_id": "lead_agency", "partner_ids": "partners"}.get(
            error.field or "", error.field
        )
        target = getattr(form, name or "", None) or form.code
        target.errors = [*target.errors, error.message]
        return None
    flash(_("The task is saved."), "success")
    return redirect(url_for("plan.detail", task_id=task.id))


@bp.route("/new", methods=["GET", "POST"])
@role_required(*STAFF)
def create():
    form = _task_form(None)
    if form.validate_on_submit() and (response := _save(form, None)):
        return response
    return render_template("plan/form.html", form=form, task=None)


@bp.route("/<id:task_id>/edit", methods=["GET", "POST"])
@role_required(*STAFF)
def edit(task_id: int):
    task = db.get_or_404(PlanTask, task_id)
    form = _task_form(task)
    if form.validate_on_submit() and (response := _save(form, task)):
        return response
    return render_template("plan/form.html", form=form, task=task)


@bp.route("/import", methods=["GET", "POST"])
@role_required(*STAFF)
def import_upload():
    form = PlanImportForm()
    if form.validate_on_submit():
        upload = form.upload.data
        name = (upload.filename or "").replace("\\", "/").rsplit("/", 1)[-1]
        report = importer.preview(current_user, upload.read(), name)
        return render_template(
            "plan/import_preview.html", report=report, action_form=ActionForm(), status_labels=STATUS_LABELS,
            Status=PlanTaskStatus,
        )  # fmt: skip
    return render_template("plan/import.html", form=form)


@bp.route("/import/<id:batch_id>", methods=["POST"])
@role_required(*STAFF)
def import_confirm(batch_id: int):
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        created, updated = importer.confirm(current_user, batch_id)
    except NotAllowed:
        abort(404)
    except ServiceError as error:
        flash(error.message, "danger")
        return redirect(url_for("plan.import_upload"))
    flash(
        _(
            "%(created)d tasks added, %(updated)d updated.",
            created=created,
            updated=updated,
        ),
        "success",
    )
    return redirect(url_for("plan.index"))


@bp.route("/import/template.csv")
@role_required(*STAFF)
def import_template():
    return Response(
        importer.template_csv(), mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=ke-hoach-nq57-mau.csv"},
    )  # fmt: skip
