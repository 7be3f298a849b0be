"""Flask extension singletons, created unbound and bound in create_app()."""

from __future__ import annotations

from flask import current_app, has_request_context, request, session
from flask_babel import Babel
from flask_bootstrap import Bootstrap5
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_mailman import Mail
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect

from matchmaker import rate_limit_storage  # noqa: F401  (makes memory:// thread-safe)
from matchmaker.models.base import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
bootstrap = Bootstrap5()
mail = Mail()
limiter = Limiter(key_func=get_remote_address)


def select_locale() -> str:
    """The language chosen with the switcher, else Vietnamese."""
    languages = current_app.config["LANGUAGES"]
    if has_request_context() and request.path.startswith("/api/"):
        # The API keeps no session: ?lang=, else the Accept-Language header, else Vietnamese.
        chosen = request.args.get("lang") or request.accept_languages.best_match(
            list(languages)
        )
        return (
            chosen
            if chosen in languages
            else current_app.config["BABEL_DEFAULT_LOCALE"]
        )
    # Outside a request (CLI, a queued job) there is no session: use the platform's language.
    chosen = session.get("lang") if has_request_context() else None
    if chosen in languages:
        return chosen
    return current_app.config["BABEL_DEFAULT_LOCALE"]
