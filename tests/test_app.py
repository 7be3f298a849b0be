"""The app factory, configuration and HTTP hardening."""

from __future__ import annotations

import re

import pytest

from matchmaker import create_app
from matchmaker.config import Config, DevConfig, ProductionConfig, gunicorn_settings
from matchmaker.web import ConfigurationError


def test_create_app_refuses_production_without_secret_key(tmp_path, monkeypatch):
    class Prod(ProductionConfig):
        SECRET_KEY = None
        SQLALCHEMY_DATABASE_URI = "sqlite://"

    with pytest.raises(ConfigurationError, match="SECRET_KEY is not set"):
        create_app(Prod)


def test_create_app_generates_and_keeps_development_secret(tmp_path, monkeypatch):
    import matchmaker.web as web

    monkeypatch.setattr(
        web, "secret_key_path", lambda _instance: tmp_path / "secret_key"
    )

    class Dev(DevConfig):
        SECRET_KEY = None
        SQLALCHEMY_DATABASE_URI = "sqlite://"

    first = create_app(Dev).config["SECRET_KEY"]
    second = create_app(Dev).config["SECRET_KEY"]
    assert len(first) == 64 and first == second
    assert (tmp_path / "secret_key").read_text() == first


def test_create_app_defaults_to_sqlite_in_instance_folder():
    class Dev(DevConfig):
        SECRET_KEY = "x" * 32
        SQLALCHEMY_DATABASE_URI = None

    app = create_app(Dev)
    assert (
        app.config["SQLALCHEMY_DATABASE_URI"]
        == f"sqlite:///{app.instance_path}/matchmaker.db"
    )


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("postgres://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgresql://u@h:5432/db", "postgresql+psycopg://u@h:5432/db"),
        ("sqlite:///x.db", "sqlite:///x.db"),
        ("", None),
    ],
)
def test_database_url_uses_psycopg3(raw, expected):
    from matchmaker.config import database_url

    assert database_url(raw) == expected


def test_gunicorn_workers_serve_one_request_at_a_time_unless_told(monkeypatch):
    """4 threads per worker lost workers to segmentation faults under load (README, "Worker crashes")."""
    monkeypatch.delenv("GUNICORN_THREADS", raising=False)
    assert gunicorn_settings()["threads"] == 1
    monkeypatch.setenv("GUNICORN_THREADS", "4")
    assert gunicorn_settings()["threads"] == 4


def test_production_cookies_are_secure():
    assert (
        ProductionConfig.SESSION_COOKIE_SECURE
        and ProductionConfig.REMEMBER_COOKIE_SECURE
    )
    assert Config.SESSION_COOKIE_HTTPONLY and Config.SESSION_COOKIE_SAMESITE == "Lax"


def test_security_headers_on_every_page(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert (
        "default-src 'self'" in csp
        and "frame-ancestors 'none'" in csp
        and "script-src 'self'" in csp
    )
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_session_cookie_is_httponly_and_samesite(client, auth, make_user):
    user = make_user()
    response = auth.login(user.email)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_css_framework_served_locally(client):
    page = client.get("/").get_data(as_text=True)
    assets = re.findall(r'(?:href|src)="(/bootstrap/static/[^"]+)"', page)
    assert any(a.endswith("bootstrap.min.css") for a in assets) and any(
        a.endswith(".js") for a in assets
    )
    assert "cdn" not in page.lower() and "https://" not in "".join(
        re.findall(r'(?:href|src)="([^"]+)"', page)
    )
    for asset in assets:
        with client.get(asset) as response:
            assert response.status_code == 200, asset


def test_mail_renders_outside_a_request_with_csrf_on(app, make_user, outbox):
    """A queued job or the CLI sends notifications with no request (production has CSRF on)."""
    from matchmaker.services.messaging import mail

    app.config["WTF_CSRF_ENABLED"] = True
    user = make_user()
    mail.send_mail(
        user.email, "Chào", "notification", user=user, text="Xin chào", link=None
    )
    assert outbox[-1].to == [user.email]
