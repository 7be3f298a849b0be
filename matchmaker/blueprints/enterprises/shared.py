"""What the enterprise and need pages share: the viewer, the manage check, form errors, researcher links."""

from __future__ import annotations

from flask import abort, flash, url_for
from flask_login import current_user
from werkzeug.routing import BuildError

from matchmaker.blueprints.forms import Form
from matchmaker.models import Enterprise, User
from matchmaker.services.enterprises import companies as enterprises
from matchmaker.services.errors import NotAllowed, ServiceError


def viewer() -> User | None:
    """The signed-in user as a model object, or None for a visitor."""
    return current_user._get_current_object() if current_user.is_authenticated else None


def researcher_url(profile_id: int) -> str:
    """The researcher's public profile (a plain path until the researchers blueprint exists)."""
    try:
        return url_for("researchers.detail", researcher_id=profile_id)
    except BuildError:
        return f"/researchers/{profile_id}"


def form_error(form: Form, error: ServiceError) -> None:
    """Show a service's refusal next to the field it names, or as a flash message."""
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, error.message]
    else:
        flash(error.message, "danger")


def manage_or_403(enterprise: Enterprise) -> None:
    try:
        enterprises.ensure_can_manage(viewer(), enterprise)
    except NotAllowed:
        abort(403)
