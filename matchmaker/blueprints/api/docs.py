"""Interactive documentation of the API: Swagger UI from the ``offapi`` package's files, served by the app.

No CDN: the page, its script and Swagger UI's own files all come from this server.
"""

from __future__ import annotations

from importlib import resources

from flask import Blueprint, abort, render_template, send_file

from matchmaker.blueprints.auth.decorators import open_to_everyone
from matchmaker.web import CSP

bp = Blueprint("docs", __name__, url_prefix="/docs")

# Swagger UI's files as the offapi package ships them (Swagger UI 5, which reads OpenAPI 3.1).
ASSETS = {
    "swagger-ui.css": ("swagger_style.css", "text/css"),
    "swagger-ui-bundle.js": ("swagger_bundle.js", "text/javascript"),
    "swagger-ui-standalone-preset.js": ("swagger_preset.js", "text/javascript"),
}
# Swagger UI sets style attributes as it draws: allowed on this page only; scripts stay 'self'.
DOCS_CSP = CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")


@bp.get("/")
@open_to_everyone
def page():
    """The interactive documentation."""
    body = render_template("api/docs.html")
    return body, 200, {"Content-Security-Policy": DOCS_CSP}


@bp.get("/assets/<name>")
@open_to_everyone
def asset(name: str):
    """One of Swagger UI's files."""
    if name not in ASSETS:
        abort(404)
    filename, mimetype = ASSETS[name]
    path = resources.files("offapi") / filename
    return send_file(path, mimetype=mimetype, max_age=86400)
