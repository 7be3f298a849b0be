"""Researcher profiles: public list and page, the owner's editing, publications and IP."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from matchmaker.blueprints.auth.decorators import open_to_everyone, role_required
from matchmaker.blueprints.auth.forms import ActionForm
from matchmaker.blueprints.bounds import row_id
from matchmaker.blueprints.researchers.forms import (
    IP_KIND_LABELS,
    IP_STATUS_LABELS,
    IPForm,
    ProfileEditForm,
    PublicationForm,
    PublicationImportForm,
    split_list,
)
from matchmaker.blueprints.uploads import read_text
from matchmaker.models import IPKind, IPStatus, Role
from matchmaker.services import policy, reference
from matchmaker.services.errors import NotAllowed, ServiceError
from matchmaker.services.institutions import choices
from matchmaker.services.institutions import directory as institutions
from matchmaker.services.projects import members as project_members
from matchmaker.services.researchers import profiles, publications

bp = Blueprint("researchers", __name__)


@bp.route("/")
@open_to_everyone
def index():
    page = profiles.list_researchers(
        current_user,
        request.args.get("page", 1, type=int),
        query=request.args.get("q", ""),
        field_code=request.args.get("field", ""),
        institution_id=request.args.get("institution", type=row_id),
    )
    return render_template(
        "researchers/index.html",
        page=page,
        args=request.args,
        institutions=institutions.list_institutions(),
        fields=reference.subfield_choices(),
    )


@bp.route("/<id:researcher_id>")
@open_to_everyone
def detail(researcher_id: int):
    profile = profiles.get_profile(researcher_id)
    if (
        profile is None
        or not profile.user.active
        or not policy.may_view_profile(current_user, profile)
    ):
        abort(404)
    is_owner = profile.is_owned_by(current_user)
    return render_template(
        "researchers/detail.html",
        profile=profile,
        is_owner=is_owner,
        completeness=profiles.completeness(profile) if is_owner else None,
        show_contact=policy.may_see_contact(current_user),
        field_name=reference.field_name,
        area_name=reference.priority_area_name,
        ip_kinds=IP_KIND_LABELS,
        ip_statuses=IP_STATUS_LABELS,
        projects_led=project_members.projects_led(profile.user_id),
        projects_joined=project_members.projects_joined(profile.user_id),
    )


def _profile_input(form: ProfileEditForm) -> profiles.ProfileInput:
    return profiles.ProfileInput(
        full_name=form.full_name.data,
        academic_title=form.academic_title.data or None,
        degree=form.degree.data or None,
        institution_id=int(form.institution.data) if form.institution.data else None,
        department=form.department.data or "",
        position=form.position.data or "",
        field_codes=form.fields.data or [],
        priority_area=form.priority_area.data or None,
        keywords=split_list(form.keywords.data),
        summary=form.summary.data or "",
        capabilities=form.capabilities.data or "",
        orcid=form.orcid.data or None,
        contact_email=(form.contact_email.data or "").lower() or None,
        links=split_list(form.links.data),
        open_to_orders=form.open_to_orders.data,
        public=form.public.data,
    )


def _edit_form(profile) -> ProfileEditForm:
    if request.method == "POST":
        form = ProfileEditForm()
    else:
        # Not obj=profile: WTForms would prefer the model's lists over these text renderings.
        simple = ("academic_title", "degree", "department", "position", "priority_area", "summary",
                  "capabilities", "orcid", "contact_email", "open_to_orders", "public")  # fmt: skip
        form = ProfileEditForm(
            data={name: getattr(profile, name) for name in simple}
            | {
                "full_name": profile.user.full_name,
                "institution": str(profile.user.institution_id or ""),
                "fields": profile.field_codes,
                "keywords": "\n".join(profile.keywords),
                "links": "\n".join(profile.links),
            }
        )
    form.fill_choices(choices.list_choosable(current_user, "profile"))
    return form


@bp.route("/me", methods=["GET", "POST"])
@role_required(Role.RESEARCHER)
def edit():
    profile = profiles.profile_for(current_user)
    form = _edit_form(profile)
    if form.validate_on_submit():
        try:
            profiles.update_profile(profile, current_user, _profile_input(form))
        except ServiceError as error:
            getattr(form, error.field or "full_name", form.full_name).errors.append(
                error.message
            )
        else:
            flash(_("Your profile is saved."), "success")
            return redirect(url_for("researchers.detail", researcher_id=profile.id))
    return render_template(
        "researchers/edit.html",
        form=form,
        profile=profile,
        completeness=profiles.completeness(profile),
    )


@bp.route("/me/publications", methods=["GET", "POST"])
@role_required(Role.RESEARCHER)
def publication_list():
    profile = profiles.profile_for(current_user)
    form = PublicationForm()
    if form.validate_on_submit():
        data = publications.PublicationInput(
            form.title.data, form.authors.data or "", form.year.data, form.venue.data or "",
            form.doi.data or None, form.abstract.data or "",
        )  # fmt: skip
        try:
            publications.add_publication(profile, current_user, data)
        except ServiceError as error:
            form.title.errors.append(error.message)
        else:
            flash(_("Publication added."), "success")
            return redirect(url_for("researchers.publication_list"))
    return render_template(
        "researchers/publications.html",
        profile=profile,
        form=form,
        action_form=ActionForm(),
    )


@bp.route("/me/publications/<id:publication_id>/delete", methods=["POST"])
@role_required(Role.RESEARCHER)
def publication_delete(publication_id: int):
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        publications.delete_publication(
            profiles.profile_for(current_user), current_user, publication_id
        )
    except NotAllowed:
        abort(404)
    flash(_("Publication removed."), "success")
    return redirect(url_for("researchers.publication_list"))


@bp.route("/me/publications/import", methods=["GET", "POST"])
@role_required(Role.RESEARCHER)
def publication_import():
    profile = profiles.profile_for(current_user)
    form = PublicationImportForm()
    if form.validate_on_submit():
        text = _uploaded_text(form)
        if text is None:
            form.upload.errors.append(_("The file is not a UTF-8 text file."))
        else:
            preview = publications.preview_import(
                profile, current_user, text, form.fmt.data or None
            )
            return render_template(
                "researchers/import_preview.html",
                preview=preview,
                action_form=ActionForm(),
            )
    return render_template("researchers/import.html", form=form)


def _uploaded_text(form: PublicationImportForm) -> str | None:
    return read_text(form.upload) if form.upload.data else form.text.data


@bp.route("/me/publications/import/<id:batch_id>", methods=["POST"])
@role_required(Role.RESEARCHER)
def publication_import_confirm(batch_id: int):
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        added = publications.confirm_import(
            profiles.profile_for(current_user), current_user, batch_id
        )
    except NotAllowed:
        abort(404)
    except ServiceError as error:
        flash(error.message, "warning")
    else:
        flash(_("%(n)d publications added to your profile.", n=added), "success")
    return redirect(url_for("researchers.publication_list"))


@bp.route("/me/ip", methods=["GET", "POST"])
@role_required(Role.RESEARCHER)
def ip_list():
    profile = profiles.profile_for(current_user)
    form = IPForm()
    if form.validate_on_submit():
        data = publications.IPInput(
            IPKind(form.kind.data),
            form.number.data or "",
            form.title.data,
            form.year.data,
            IPStatus(form.status.data),
        )
        publications.add_ip(profile, current_user, data)
        flash(_("Record added."), "success")
        return redirect(url_for("researchers.ip_list"))
    return render_template(
        "researchers/ip.html", profile=profile, form=form, action_form=ActionForm(),
        ip_kinds=IP_KIND_LABELS, ip_statuses=IP_STATUS_LABELS,
    )  # fmt: skip


@bp.route("/me/ip/<id:asset_id>/delete", methods=["POST"])
@role_required(Role.RESEARCHER)
def ip_delete(asset_id: int):
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        publications.delete_ip(
            profiles.profile_for(current_user), current_user, asset_id
        )
    except NotAllowed:
        abort(404)
    flash(_("Record removed."), "success")
    return redirect(url_for("researchers.ip_list"))
