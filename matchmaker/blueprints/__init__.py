"""Blueprint registration."""

from __future__ import annotations

from flask import Flask
from werkzeug.routing import IntegerConverter

# The largest id of an ``Integer`` column on PostgreSQL (int4).
MAX_ROW_ID = 2**31 - 1


class RowIdConverter(IntegerConverter):
    """``<id:name>``: a database row id, 1 to ``MAX_ROW_ID``; anything beyond is a 404, never a database error."""

    def __init__(self, map, *args, **kwargs) -> None:  # noqa: A002 - werkzeug's name
        super().__init__(map, min=1, max=MAX_ROW_ID)


def register_blueprints(app: Flask) -> None:
    """Attach every blueprint to ``app``; the URL prefix is the blueprint's name."""
    app.url_map.converters["id"] = RowIdConverter
    from matchmaker.blueprints.admin import bp as admin_bp
    from matchmaker.blueprints.api import bp as api_bp
    from matchmaker.blueprints.auth import bp as auth_bp
    from matchmaker.blueprints.dashboard import bp as dashboard_bp
    from matchmaker.blueprints.enterprises import bp as enterprises_bp
    from matchmaker.blueprints.institutions import bp as institutions_bp
    from matchmaker.blueprints.lookups import bp as lookups_bp
    from matchmaker.blueprints.main import bp as main_bp
    from matchmaker.blueprints.notifications import bp as notifications_bp
    from matchmaker.blueprints.opendata import bp as opendata_bp
    from matchmaker.blueprints.ops import bp as ops_bp
    from matchmaker.blueprints.orders import bp as orders_bp
    from matchmaker.blueprints.plan import bp as plan_bp
    from matchmaker.blueprints.projects import bp as projects_bp
    from matchmaker.blueprints.researchers import bp as researchers_bp
    from matchmaker.blueprints.search import bp as search_bp

    app.register_blueprint(main_bp)
    app.register_blueprint(
        ops_bp
    )  # /healthz, /readyz, /metrics at the root, where load balancers look
    # The API carries its version in its prefix (/api/v1); a breaking change gets a new blueprint at /api/v2.
    app.register_blueprint(api_bp)
    # Open data keeps the address harvesters and people know (/open-data); its files carry the schema version.
    app.register_blueprint(opendata_bp)
    for blueprint in (
        auth_bp,
        admin_bp,
        dashboard_bp,
        researchers_bp,
        institutions_bp,
        enterprises_bp,
        notifications_bp,
        orders_bp,
        projects_bp,
        plan_bp,
        search_bp,
        lookups_bp,
    ):
        app.register_blueprint(blueprint, url_prefix=f"/{blueprint.name}")
