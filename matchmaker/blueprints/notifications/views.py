"""A signed-in user's in-app notifications."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.routing import BuildError

from matchmaker.blueprints.auth.decorators import role_required
from matchmaker.blueprints.auth.forms import ActionForm
from matchmaker.models import Notification, Role
from matchmaker.services.messaging import notifications

bp = Blueprint("notifications", __name__)


def _href(note: Notification) -> str | None:
    """Where ``note`` leads; None when it leads nowhere or its page no longer exists."""
    if not note.endpoint:
        return None
    try:
        return url_for(note.endpoint, **note.endpoint_values)
    except BuildError:
        return None


@bp.route("/")
@role_required(*Role)
def index():
    page = notifications.list_for(current_user, request.args.get("page", 1, type=int))
    return render_template(
        "notifications/index.html",
        page=page,
        items=[(note, notifications.render(note), _href(note)) for note in page.items],
        unread=notifications.unread_count(current_user),
        form=ActionForm(),
    )


@bp.route("/read", methods=["POST"])
@role_required(*Role)
def mark_read():
    if not ActionForm().validate_on_submit():
        abort(400)
    notifications.mark_all_read(current_user)
    flash(_("All notifications are marked as read."), "success")
    return redirect(url_for("notifications.index"))
