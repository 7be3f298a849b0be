"""Institutions: public pages for everyone, management and staff imports for administrators."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from matchmaker.blueprints.auth.decorators import open_to_everyone, role_required
from matchmaker.blueprints.auth.forms import ActionForm
from matchmaker.blueprints.institutions.forms import (
    KIND_LABELS,
    InstitutionForm,
    StaffImportForm,
)
from matchmaker.models import InstitutionKind, Role
from matchmaker.services.errors import NotAllowed, ServiceError
from matchmaker.services.institutions import directory as institutions
from matchmaker.services.institutions import staff_import

bp = Blueprint("institutions", __name__)


@bp.route("/")
@open_to_everyone
def index():
    kind = request.args.get("kind", "")
    selected = (
        InstitutionKind(kind) if kind in {k.value for k in InstitutionKind} else None
    )
    return render_template(
        "institutions/index.html",
        institutions=institutions.list_institutions(selected),
        kind=kind,
        kinds=KIND_LABELS,
    )


@bp.route("/<slug>")
@open_to_everyone
def detail(slug: str):
    institution = institutions.get_by_slug(slug) or abort(404)
    researchers = institutions.researchers_of(
        institution, current_user, request.args.get("page", 1, type=int)
    )
    return render_template(
        "institutions/detail.html",
        institution=institution,
        researchers=researchers,
        kinds=KIND_LABELS,
    )


def _input(form: InstitutionForm) -> institutions.InstitutionInput:
    return institutions.InstitutionInput(
        form.name_vi.data, form.name_en.data or "", form.short_name.data or "", InstitutionKind(form.kind.data),
        form.district.data or "", form.address.data or "", form.website.data or None,
        form.province.data or "",
    )  # fmt: skip


def _save(form: InstitutionForm, institution=None):
    try:
        institution = institutions.save_institution(_input(form), institution)
    except ServiceError as error:
        form.name_vi.errors.append(error.message)
        return None
    flash(_("Institution saved."), "success")
    return redirect(url_for("institutions.detail", slug=institution.slug))


@bp.route("/new", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def create():
    form = InstitutionForm()
    if form.validate_on_submit() and (response := _save(form)):
        return response
    return render_template("institutions/edit.html", form=form, institution=None)


@bp.route("/<slug>/edit", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def edit(slug: str):
    institution = institutions.get_by_slug(slug) or abort(404)
    form = InstitutionForm(obj=institution, kind=institution.kind.value)
    if form.validate_on_submit() and (response := _save(form, institution)):
        return response
    return render_template("institutions/edit.html", form=form, institution=institution)


@bp.route("/<slug>/staff-import", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def staff_import_upload(slug: str):
    institution = institutions.get_by_slug(slug) or abort(404)
    form = StaffImportForm()
    if form.validate_on_submit():
        report = staff_import.preview(
            institution, current_user, form.upload.data.read()
        )
        return render_template(
            "institutions/staff_preview.html",
            institution=institution,
            report=report,
            action_form=ActionForm(),
        )
    return render_template(
        "institutions/staff_import.html", institution=institution, form=form
    )


@bp.route("/<slug>/staff-import/<id:batch_id>", methods=["POST"])
@role_required(Role.ADMIN)
def staff_import_confirm(slug: str, batch_id: int):
    institution = institutions.get_by_slug(slug) or abort(404)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        created = staff_import.confirm(institution, current_user, batch_id)
    except NotAllowed:
        abort(404)
    except ServiceError as error:
        flash(error.message, "danger")
        return redirect(url_for("institutions.staff_import_upload", slug=slug))
    flash(
        _("%(n)d accounts created; each person received an invitation.", n=created),
        "success",
    )
    return redirect(url_for("institutions.detail", slug=slug))
