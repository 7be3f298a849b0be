"""Absolute links come from PUBLIC_BASE_URL in one module, never from the request."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from matchmaker import create_app
from matchmaker.config import ProductionConfig, TestConfig, public_url_settings
from matchmaker.services.messaging import links
from matchmaker.web import ConfigurationError

ROOT = Path(__file__).resolve().parents[3]
LINK_MODULE = ROOT / "matchmaker" / "services" / "messaging" / "links.py"
# What builds a URL from the request's host: Flask's _external, werkzeug's force_external, the request's
# own view of its host. Only the link module may build external URLs (from configuration).
REQUEST_HOST = re.compile(
    r"_external|force_external|host_url|url_root|request\.host\b|request\.base_url"
    r"|request\.url\b|request\.root_url"
)


def _sources() -> list[Path]:
    return sorted((ROOT / "matchmaker").rglob("*.py")) + sorted(
        p for p in (ROOT / "templates").rglob("*") if p.is_file()
    )


def test_only_the_link_module_builds_absolute_urls():
    offenders = [
        f"{path.relative_to(ROOT)}:{n}: {line.strip()}"
        for path in _sources()
        if path != LINK_MODULE
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if REQUEST_HOST.search(line)
    ]
    assert offenders == []


def _mail_senders() -> set[str]:
    """Every function in matchmaker/ that calls the mail service's send_mail."""
    found = set()
    for path in sorted((ROOT / "matchmaker").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for func in ast.walk(tree):
            if not isinstance(func, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for node in ast.walk(func):
                if isinstance(node, ast.Call) and (
                    getattr(node.func, "attr", None) == "send_mail"
                    or getattr(node.func, "id", None) == "send_mail"
                ):
                    found.add(f"{path.stem}.{func.name}")
    return found


def test_every_mail_sender_is_driven_by_the_host_header_test():
    # A new kind of mail must be added to tests/blueprints/auth/test_mail_links.py, which checks that every
    # URL it contains starts with PUBLIC_BASE_URL even when the request names another host.
    assert _mail_senders() == {
        "identity._mail_registration_attempt",
        "identity.send_verification",
        "identity.mail_password_link",
        "notifications.deliver",
    }


def test_absolute_url_uses_configuration_not_the_request(app):
    with app.test_request_context("/", base_url="http://evil.example"):
        url = links.absolute_url("auth.reset_password", token="abc")
    assert url == "http://matchmaker.test/auth/reset/abc"


def test_absolute_url_works_outside_a_request(app):
    assert links.absolute_url("auth.login") == "http://matchmaker.test/auth/login"


def test_absolute_url_keeps_the_path_prefix_of_the_base(app):
    app.config["PUBLIC_BASE_URL"] = "https://stinnovation.cantho.gov.vn/matchmaker"
    assert (
        links.absolute_url("auth.verify_email", token="t")
        == "https://stinnovation.cantho.gov.vn/matchmaker/auth/verify/t"
    )
    assert (
        links.absolute_url("orders.detail", order_id=5)
        == "https://stinnovation.cantho.gov.vn/matchmaker/orders/5"
    )


@pytest.mark.parametrize(
    "hostile",
    [
        "//evil.example/x",
        "http://evil.example/x",
        "javascript:alert(1)",
        "/\\evil.example",
    ],
)
def test_values_stored_with_a_notification_never_leave_the_platform(app, hostile):
    # Values that are no part of the path become the query string; they cannot name another host.
    with app.test_request_context("/", base_url="http://evil.example"):
        url = links.absolute_url("orders.detail", order_id=5, next=hostile)
    assert url.startswith("http://matchmaker.test/orders/5?next=")
    assert "evil.example" not in url.split("?")[0]


def test_production_refuses_to_start_without_public_base_url():
    class Prod(ProductionConfig):
        SECRET_KEY = "x" * 32
        SQLALCHEMY_DATABASE_URI = "sqlite://"
        PUBLIC_BASE_URL = None

    with pytest.raises(ConfigurationError, match="PUBLIC_BASE_URL is not set"):
        create_app(Prod)


@pytest.mark.parametrize(
    "bad", ["stinnovation.cantho.gov.vn", "ftp://x.example", "https://x.example/?a=1"]
)
def test_unusable_public_base_url_is_refused(bad):
    class Bad(TestConfig):
        PUBLIC_BASE_URL = bad

    with pytest.raises(ConfigurationError, match="PUBLIC_BASE_URL"):
        create_app(Bad)


def test_production_trusts_only_the_public_host_by_default():
    settings = public_url_settings(
        "https://stinnovation.cantho.gov.vn/", None, production=True
    )
    assert settings == {
        "PUBLIC_BASE_URL": "https://stinnovation.cantho.gov.vn",
        "TRUSTED_HOSTS": ["stinnovation.cantho.gov.vn"],
    }
    # An explicit list wins; development does not restrict hosts unless told to.
    assert public_url_settings("https://a.example", ["b.example"], True)[
        "TRUSTED_HOSTS"
    ] == ["b.example"]
    assert public_url_settings(None, None, production=False) == {
        "PUBLIC_BASE_URL": "http://127.0.0.1:5000",
        "TRUSTED_HOSTS": None,
    }
