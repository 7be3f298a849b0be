"""Application wiring: configuration loading, extensions, error pages and security headers."""

from __future__ import annotations

import os
import secrets
import tempfile
from collections.abc import Mapping
from pathlib import Path

from flask import Flask, Response, has_request_context, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException, SecurityError
from werkzeug.middleware.proxy_fix import ProxyFix

from matchmaker import design, formatting, inputs
from matchmaker.config import Config, public_url_settings, secret_key_path
from matchmaker.extensions import (
    babel,
    bootstrap,
    csrf,
    db,
    limiter,
    login_manager,
    mail,
    migrate,
    select_locale,
)
from matchmaker.markdown import render_markdown
from matchmaker.services import (
    policy,
    text_filter,  # noqa: F401 - registers the SQLite fold function before any connection
)

ROOT_MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; font-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)

ERROR_TEXT = {
    400: (
        _l("Bad request"),
        _l(
            "The request could not be understood. If you sent a form, reload it and try again."
        ),
    ),
    403: (
        _l("Access denied"),
        _l("Your account does not have permission to open this page."),
    ),
    404: (
        _l("Page not found"),
        _l("The page you asked for does not exist or has been moved."),
    ),
    405: (_l("Not allowed"), _l("This address does not accept that kind of request.")),
    409: (
        _l("Changed at the same moment"),
        _l(
            "Someone else made the same change at the same moment, so yours was not saved. "
            "Reload the page to see where things stand, then try again if it is still needed."
        ),
    ),
    413: (
        _l("File too large"),
        _l("The file you sent is larger than the platform accepts."),
    ),
    429: (
        _l("Too many attempts"),
        _l(
            "You have tried too many times in a short while. Wait a minute, then try again."
        ),
    ),
    "csrf": (
        _l("The form has expired"),
        _l(
            "For your security the form could not be accepted. Go back, reload the page and send it again."
        ),
    ),
    500: (
        _l("Something went wrong"),
        _l("An unexpected error happened on our side. It has been logged."),
    ),
    503: (
        _l("Temporarily unavailable"),
        _l(
            "The platform cannot reach its database right now. Nothing you sent was half-saved: "
            "wait a few seconds, then try again."
        ),
    ),
}
# Seconds a client is asked to wait when the database cannot be reached (Retry-After).
DATABASE_RETRY_AFTER = 5


class ConfigurationError(RuntimeError):
    """The app cannot start with this configuration."""


def load_config(app: Flask, config: type[Config] | Mapping) -> None:
    """Apply ``config`` and fill in the instance-folder defaults (database file, secret key)."""
    if isinstance(config, Mapping):
        app.config.from_object(Config)
        app.config.update(config)
    else:
        app.config.from_object(config)
    app.config.setdefault("MATCHMAKER_DATA_DIR", app.instance_path)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = (
            f"sqlite:///{app.instance_path}/matchmaker.db"
        )
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _development_secret(app)
    try:
        app.config.update(
            public_url_settings(
                app.config.get("PUBLIC_BASE_URL"),
                app.config.get("TRUSTED_HOSTS"),
                production=app.config["ENV_NAME"] == "production",
            )
        )
    except ValueError as error:
        raise ConfigurationError(str(error)) from error


def _development_secret(app: Flask) -> str:
    if app.config["ENV_NAME"] == "production":
        raise ConfigurationError(
            "SECRET_KEY is not set. In production the secret key must come from the environment: "
            "export SECRET_KEY=$(python -c 'import secrets; print(secrets.token_hex(32))')"
        )
    path = secret_key_path(app.instance_path)
    if not path.exists():
        # Several workers may start at once: the key is written to a file of its own, then linked into
        # place, which fails if another worker got there first; everyone then reads the same key.
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".secret_key-")
        try:
            os.write(handle, secrets.token_hex(32).encode())
            os.close(handle)
            os.link(temporary, path)
        except FileExistsError:
            pass
        finally:
            os.unlink(temporary)
    return path.read_text().strip()


def init_extensions(app: Flask) -> None:
    """Bind every extension to ``app``."""
    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT_MIGRATIONS))
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    bootstrap.init_app(app)
    mail.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in to open this page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"
    login_manager.user_loader(_load_user)


def _load_user(user_id: str):
    from matchmaker.models import User

    raw_id, _sep, version = user_id.partition(":")
    if not raw_id.isdigit() or not version.isdigit():
        return None
    user = db.session.get(User, int(raw_id))
    if user is None or not user.active or user.session_version != int(version):
        return None
    return user


def _render_error(code: int, key: int | str | None = None) -> tuple[str, int]:
    title, text = ERROR_TEXT.get(key or code) or ERROR_TEXT[500 if code >= 500 else 400]
    return render_template("errors/error.html", code=code, title=title, text=text), code


_SQLITE_UNAVAILABLE = ("unable to open", "database is locked", "disk I/O error")


def is_database_unavailable(error: Exception) -> bool:
    """Whether ``error`` says the database cannot be reached (down, restarting, connection dropped).

    psycopg and sqlite3 raise OperationalError for a refused or broken connection and InterfaceError for a
    closed one; SQLAlchemy marks any DBAPI error that invalidated the connection. A restarted server kills
    pooled connections: ``pool_pre_ping`` replaces them on the next checkout, so the next request works.
    """
    if isinstance(error, DBAPIError) and error.connection_invalidated:
        return True
    if isinstance(error, InterfaceError):
        return True
    if not isinstance(error, OperationalError):
        return False
    if type(error.orig).__module__.startswith("sqlite3"):
        # SQLite says OperationalError for a missing table too (a bug, not an outage).
        return any(words in str(error.orig) for words in _SQLITE_UNAVAILABLE)
    return True


def _database_unavailable_page() -> Response:
    """The 503 page, built without the database: the visitor is shown as signed out for this page only."""
    from flask import g

    # Flask-Login would load the user again (a query) while the page is rendered: not this time.
    g._login_user = login_manager.anonymous_user()
    try:
        body, code = _render_error(503)
        response = Response(body, code)
    except Exception:  # noqa: BLE001 — the page itself needed what is down: plain text in both languages
        response = Response(
            "503 Tạm thời gián đoạn: nền tảng chưa kết nối được cơ sở dữ liệu. Vui lòng thử lại sau ít giây.\n"
            "503 Temporarily unavailable: the platform cannot reach its database. Try again in a few seconds.\n",
            503,
            mimetype="text/plain",
        )
    response.headers["Retry-After"] = str(DATABASE_RETRY_AFTER)
    response.headers["Cache-Control"] = "no-store"
    return response


def is_unique_violation(error: IntegrityError) -> bool:
    """Whether the database refused a duplicate of a unique key (PostgreSQL 23505, SQLite UNIQUE)."""
    code = getattr(error.orig, "sqlstate", None)
    return code == "23505" or (
        code is None and "UNIQUE constraint failed" in str(error.orig)
    )


def register_error_handlers(app: Flask) -> None:
    """Error pages in the user's language."""

    # Under /api the same errors are JSON with a stable code (the API's own module says which).
    from matchmaker.blueprints.api import errors as api

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code is None or error.code < 400:
            return error
        if api.is_api_request():
            return api.error_response(error.code)
        return _render_error(
            error.code, "csrf" if isinstance(error, CSRFError) else None
        )

    @app.errorhandler(SecurityError)
    def untrusted_host(error: SecurityError):
        # A Host header outside TRUSTED_HOSTS: no URL can be built for it, so no page template either.
        return Response(
            "400 Bad Request: this host name is not served here.\n"
            "400 Yêu cầu không hợp lệ: tên máy chủ này không thuộc nền tảng.\n",
            400,
            mimetype="text/plain",
        )

    @app.errorhandler(IntegrityError)
    def simultaneous_write(error: IntegrityError):
        # Two requests raced to write the same unique thing (a council, an e-mail address): the database
        # kept the first; the second is told so and nothing of it is written. Other violations are bugs.
        db.session.rollback()
        if not is_unique_violation(error):
            app.logger.exception("unhandled error on %s", request.path)
            return (
                api.error_response(500) if api.is_api_request() else _render_error(500)
            )
        app.logger.info(
            "refused a simultaneous write on %s: %s", request.path, error.orig
        )
        return _render_error(409)

    @app.errorhandler(DBAPIError)
    def database_error(error: DBAPIError):
        # IntegrityError has its own handler (Flask picks the most specific class).
        try:
            db.session.rollback()
        except Exception:  # noqa: BLE001 — the connection is already gone
            app.logger.debug("rollback after a database error failed", exc_info=True)
        if not is_database_unavailable(error):
            app.logger.exception("unhandled error on %s", request.path)
            return (
                api.error_response(500) if api.is_api_request() else _render_error(500)
            )
        app.logger.warning(
            "database unavailable on %s: %s",
            request.path,
            str(error.orig or error)[:300],
        )
        if api.is_api_request():
            response = api.error_response(
                503,
                "database_unavailable",
                str(ERROR_TEXT[503][1]),
            )
            response.headers["Retry-After"] = str(DATABASE_RETRY_AFTER)
            return response
        return _database_unavailable_page()

    @app.teardown_appcontext
    def release_dead_connection(_error: BaseException | None) -> None:
        # Registered after Flask-SQLAlchemy's own teardown, so it runs first. A database restarted after
        # the answer was built has killed the connection: closing the session rolls back on it and raises,
        # which would turn a finished page into a 500. The dead connection is dropped from the pool instead.
        try:
            db.session.remove()
        except DBAPIError as error:
            app.logger.warning(
                "dropped a database connection closed by the server: %s", error.orig
            )
            db.session().invalidate()
            db.session.remove()

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        app.logger.exception("unhandled error on %s", request.path)
        try:
            db.session.rollback()
        except DBAPIError:  # the error page does not need the database
            db.session().invalidate()
        return api.error_response(500) if api.is_api_request() else _render_error(500)


class ProbeHostMiddleware:
    """Lets load balancers probe /healthz and /readyz by address: their Host becomes a trusted one.

    Health checks come to each server's IP address, which is not among TRUSTED_HOSTS. These two
    answers build no link and show nothing that depends on the host, so for them alone (exact paths,
    GET or HEAD) the Host header is replaced by the first trusted host; every other request is checked.
    """

    PATHS = frozenset({"/healthz", "/readyz"})

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.wsgi_app = app.wsgi_app

    def __call__(self, environ, start_response):  # noqa: ANN001 - the WSGI signature
        trusted = self.app.config.get("TRUSTED_HOSTS")
        if (
            trusted
            and environ.get("PATH_INFO") in self.PATHS
            and environ.get("REQUEST_METHOD") in ("GET", "HEAD")
        ):
            environ["HTTP_HOST"] = trusted[0]
        return self.wsgi_app(environ, start_response)


def register_http_hooks(app: Flask) -> None:
    """Clean input on every request; security headers on every response, and template globals."""
    proxies = int(app.config.get("TRUSTED_PROXY_COUNT") or 0)
    if proxies:
        # The client's address, scheme and host as the trusted proxies report them (rate limits count
        # per client, not per proxy); a header that no trusted proxy set is ignored.
        app.wsgi_app = ProxyFix(
            app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies
        )
    # Outermost: a probe's Host is set before anything (ProxyFix included) reads it.
    app.wsgi_app = ProbeHostMiddleware(app)
    inputs.init_app(app)

    @app.after_request
    def security_headers(response: Response) -> Response:
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault(
            "Referrer-Policy", "strict-origin-when-cross-origin"
        )
        response.headers.setdefault(
            "Permissions-Policy", "camera=(), microphone=(), geolocation=()"
        )
        if app.config.get("SESSION_COOKIE_SECURE"):
            response.headers.setdefault(
                "Strict-Transport-Security", "max-age=31536000; includeSubDomains"
            )
        return response

    formatting.init_app(app)
    app.add_template_filter(render_markdown, "markdown")
    # Templates ask the one policy for role-dependent links (``policy.is_admin(current_user)``).
    app.add_template_global(policy, "policy")
    # The design system: the platform's name and what each state means (colour and icon come from app.css).
    for name, value in design.template_globals().items():
        app.add_template_global(value, name)

    @app.context_processor
    def template_globals() -> dict:
        from flask_login import current_user

        from matchmaker.blueprints.auth.forms import ActionForm
        from matchmaker.services.messaging import notifications

        # Mail is rendered outside requests too (CLI, queued jobs): no user there.
        signed_in = has_request_context() and current_user.is_authenticated
        unread = notifications.unread_count(current_user) if signed_in else 0
        return {
            "languages": app.config["LANGUAGES"],
            "current_locale": select_locale(),
            # A CSRF token needs a session: none when mail is rendered outside a request.
            "logout_form": ActionForm(formdata=None) if has_request_context() else None,
            "unread_notifications": unread,
        }
