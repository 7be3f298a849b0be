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

from matchmaker.blueprints.auth.decorators import is_safe_next, open_to_everyone
from matchmaker.services import stats
from matchmaker.services.home import queue as work

bp = Blueprint("main", __name__)


@bp.route("/")
@open_to_everyone
def index():
    home = work.home_for(current_user) if current_user.is_authenticated else None
    return render_template(
        "main/index.html",
        counts=stats.platform_counts(),
        home=home,
        recommendations=home.recommendations if home else None,
    )


@bp.route("/lang/<code>")
@open_to_everyone
def set_language(code: str):
    if code in current_app.config["LANGUAGES"]:
        session["lang"] = code
    target = request.args.get("next")
    return redirect(target if is_safe_next(target) else url_for("main.index"))
