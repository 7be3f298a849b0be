"""Home page and language switch."""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user

from matchmaker.blueprints.auth.decorators import is_safe_next
from matchmaker.models import Role
from matchmaker.services import stats
from matchmaker.services.matching import matches as matching

bp = Blueprint("main", __name__)


@bp.route("/")
def index():
    recommendations = None
    if current_user.is_authenticated and current_user.role == Role.RESEARCHER:
        recommendations = matching.recommendations_for(current_user)
    return render_template(
        "main/index.html",
        counts=stats.platform_counts(),
        recommendations=recommendations,
    )


@bp.route("/lang/<code>")
def set_language(code: str):
    if code in current_app.config["LANGUAGES"]:
        session["lang"] = code
    target = request.args.get("next")
    return redirect(target if is_safe_next(target) else url_for("main.index"))
