"""matchmaker: connects Cần Thơ's scientists, enterprises and city officials."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from flask import Flask

from matchmaker.config import Config, config_for_env

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: type[Config] | Mapping | None = None) -> Flask:
    """Build the application: load config, bind extensions, register blueprints, CLI and error pages."""
    from matchmaker.blueprints import register_blueprints
    from matchmaker.cli import register_cli
    from matchmaker.observability import init_app as init_observability
    from matchmaker.services import subscribers
    from matchmaker.web import (
        init_extensions,
        load_config,
        register_error_handlers,
        register_http_hooks,
    )

    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        instance_path=str(ROOT / "instance"),
        instance_relative_config=True,
    )
    load_config(app, config or config_for_env())
    init_observability(app)  # first: every later hook already has the request id
    init_extensions(app)
    subscribers.init_app(app)
    register_blueprints(app)
    register_cli(app)
    register_error_handlers(app)
    register_http_hooks(app)
    return app
