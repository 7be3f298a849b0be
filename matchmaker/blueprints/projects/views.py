"""Research projects: the public list and pages, registering and editing, and CSV imports of past projects."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from matchmaker.blueprints.auth.decorators import (
    allowed_by,
    open_to_everyone,
    role_required,
)
from matchmaker.blueprints.auth.forms import ActionForm
from matchmaker.blueprints.bounds import row_id
from matchmaker.blueprints.projects.forms import (
    STATUS_LABELS,
    ProjectForm,
    ProjectImportForm,
)
from matchmaker.extensions import db
from matchmaker.models import Institution, Project, ProjectStatus, Role
from matchmaker.services import policy, reference
from matchmaker.services.errors import NotAllowed, ServiceError
from matchmaker.services.projects import csv_import as project_csv
from matchmaker.services.projects import members
from matchmaker.services.projects import registry as projects

bp = Blueprint("projects", __name__)
REGISTRARS = (*policy.STAFF_ROLES, Role.RESEARCHER)


@bp.route("/")
@open_to_everyone
def index():
    status = request.args.get("status", "")
    filters = projects.ProjectFilters(
        status=ProjectStatus(status) if status in {s.value for s in ProjectStatus} else None,
        priority_area=request.args.get("priority_area", "")[:40],
    )  # fmt: skip
    page = projects.list_projects(filters, request.args.get("page", 1, type=int))
    return render_template(
        "projects/index.html", page=page, args=request.args, statuses=STATUS_LABELS,
        areas=reference.priority_areas(), can_register=policy.may_register_project(current_user),
    )  # fmt: skip


@bp.route("/<id:project_id>")
@open_to_everyone
def detail(project_id: int):
    project = projects.get_project(project_id) or abort(404)
    order = project.order
    return render_template(
        "projects/detail.html", project=project, statuses=STATUS_LABELS,
        can_edit=policy.may_edit_project(current_user, project), pi_profile_id=projects.pi_profile_id(project, current_user),
        order_visible=order is not None and policy.may_view_order(current_user, order),
        similar=projects.similar_projects(project), matches=projects.matched_researchers(project, current_user),
        field_name=reference.field_name, area_name=reference.priority_area_name,
        asked_to_confirm=projects.is_asked_to_confirm(current_user, project), action_form=ActionForm(),
        team=members.team_view(project, current_user),
        asked_to_join=members.is_asked_to_join(current_user, project),
    )  # fmt: skip


@bp.route("/<id:project_id>/pi/<any(confirm, decline):answer>", methods=["POST"])
@role_required(Role.RESEARCHER)
def answer_pi(project_id: int, answer: str):
    """The researcher named as principal investigator confirms or declines it."""
    db.get_or_404(Project, project_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        projects.answer_pi_request(current_user, project_id, answer == "confirm")
    except NotAllowed:
        abort(403)
    if answer == "confirm":
        flash(
            _("You are now shown as the principal investigator of this project."),
            "success",
        )
    else:
        flash(_("You declined: the project is no longer linked to you."), "info")
    return redirect(url_for("projects.detail", project_id=project_id))


@bp.route("/<id:project_id>/team/<any(confirm, decline):answer>", methods=["POST"])
@role_required(Role.RESEARCHER)
def answer_member(project_id: int, answer: str):
    """A researcher named on the project's team confirms or declines it."""
    db.get_or_404(Project, project_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        members.answer_member_request(current_user, project_id, answer == "confirm")
    except NotAllowed:
        abort(403)
    if answer == "confirm":
        flash(_("You are now shown on the team of this project."), "success")
    else:
        flash(_("You declined: you are not shown on the team of this project."), "info")
    return redirect(url_for("projects.detail", project_id=project_id))


def _form(project: Project | None = None) -> ProjectForm:
    form = ProjectForm(obj=project if request.method == "GET" else None)
    if request.method == "GET" and project is not None:
        form.load(project)
    elif request.method == "GET" and current_user.role == Role.RESEARCHER:
        form.institution.data = str(current_user.institution_id or "")
        form.pi_name.data = current_user.full_name
        form.pi_email.data = current_user.email
    staff = policy.is_staff(current_user)
    form.fill_choices(
        _institution_choices(project), staff, members.member_choices(project)
    )
    return form


def _institution_choices(project: Project | None) -> list[Institution]:
    if current_user.role != Role.RESEARCHER or project is None:
        return projects.institutions_for(current_user)
    return [project.institution] if project.institution else []


def _save(form: ProjectForm, project: Project | None):
    try:
        if project is None:
            project = projects.create_project(current_user, form.to_input())
        else:
            projects.update_project(current_user, project, form.to_input())
    except ServiceError as error:
        db.session.rollback()
        target = getattr(form, (error.field or "title").removesuffix("_id"), form.title)
        target.errors = [*target.errors, error.message]
        return None
    flash(_("The project is saved."), "success")
    return redirect(url_for("projects.detail", project_id=project.id))


@bp.route("/new", methods=["GET", "POST"])
@allowed_by(policy.may_register_project)
def create():
    form = _form()
    if form.validate_on_submit() and (response := _save(form, None)):
        return response
    return render_template("projects/form.html", form=form, project=None)


@bp.route("/<id:project_id>/edit", methods=["GET", "POST"])
@role_required(*REGISTRARS)
def edit(project_id: int):
    project = db.get_or_404(Project, project_id)
    if not policy.may_edit_project(current_user, project):
        abort(403)
    form = _form(project)
    if form.validate_on_submit() and (response := _save(form, project)):
        return response
    return render_template("projects/form.html", form=form, project=project)


@bp.route("/import", methods=["GET", "POST"])
@allowed_by(policy.may_register_project)
def import_upload():
    form = ProjectImportForm()
    form.fill_choices(projects.institutions_for(current_user))
    if form.validate_on_submit():
        institution = db.get_or_404(Institution, int(form.institution.data))
        report = project_csv.preview(institution, current_user, form.upload.data.read())
        return render_template(
            "projects/import_preview.html", institution=institution, report=report,
            action_form=ActionForm(), statuses=STATUS_LABELS,
        )  # fmt: skip
    return render_template("projects/import.html", form=form)


@bp.route("/import/<id:batch_id>", methods=["POST"])
@allowed_by(policy.may_register_project)
def import_confirm(batch_id: int):
    if not ActionForm().validate_on_submit():
        abort(400)
    institution_id = request.form.get("institution", type=row_id) or 0
    institution = db.get_or_404(Institution, institution_id)
    try:
        created = project_csv.confirm(institution, current_user, batch_id)
    except NotAllowed:
        abort(404)
    except ServiceError as error:
        flash(error.message, "danger")
        return redirect(url_for("projects.import_upload"))
    flash(_("%(n)d projects registered.", n=created), "success")
    return redirect(url_for("projects.index"))
