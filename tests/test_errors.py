"""Error pages in the user's language, CSRF protection, and no 500 for bad input."""

from __future__ import annotations

import re

import pytest

from matchmaker import create_app
from matchmaker.config import TestConfig
from matchmaker.extensions import db


@pytest.fixture
def csrf_app(database_urls):
    class Config(TestConfig):
        WTF_CSRF_ENABLED = True
        SQLALCHEMY_DATABASE_URI = database_urls["app"]

    app = create_app(Config)
    yield app
    with app.app_context():
        db.engine.dispose()


def _token(page: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


def test_post_without_csrf_token_is_refused(csrf_app):
    client = csrf_app.test_client()
    client.get("/lang/en")
    response = client.post(
        "/auth/login", data={"email": "a@demo.cantho.example", "password": "x" * 12}
    )
    assert response.status_code == 400
    assert "The form has expired" in response.get_data(as_text=True)


def test_logout_without_csrf_token_is_refused(csrf_app):
    response = csrf_app.test_client().post("/auth/logout")
    assert response.status_code == 400


def test_post_with_csrf_token_is_accepted(csrf_app):
    client = csrf_app.test_client()
    token = _token(client.get("/auth/forgot").get_data(as_text=True))
    with csrf_app.app_context():
        db.create_all()
    response = client.post(
        "/auth/forgot", data={"email": "a@demo.cantho.example", "csrf_token": token}
    )
    assert response.status_code == 200 and "check-mail" in response.get_data(
        as_text=True
    )


def test_404_page_in_vietnamese_and_english(client):
    vi = client.get("/khong-co")
    assert vi.status_code == 404 and 'lang="vi"' in vi.get_data(as_text=True)
    client.get("/lang/en")
    en = client.get("/khong-co")
    assert en.status_code == 404 and "Page not found" in en.get_data(as_text=True)


def test_413_for_too_large_request(app, client):
    app.config["MAX_CONTENT_LENGTH"] = 1024
    client.get("/lang/en")
    response = client.post(
        "/auth/login", data={"email": "a@b.vn", "password": "x" * 4096}
    )
    assert response.status_code == 413 and "File too large" in response.get_data(
        as_text=True
    )


def test_500_page_hides_the_error(app, client):
    @app.route("/boom")
    def boom():
        raise RuntimeError("secret detail")

    response = client.get("/boom")
    page = response.get_data(as_text=True)
    assert (
        response.status_code == 500 and "secret detail" not in page and "<html" in page
    )


def test_405_gets_an_error_page(client):
    response = client.get("/auth/logout")
    assert response.status_code == 405 and "<html" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "data",
    [
        {"email": "a" * 10_000 + "@b.vn", "password": "x"},
        {"email": "\x00\x01@b.vn", "password": "\x00"},
        {"email": ["a@b.vn", "c@d.vn"], "password": "x"},
        {},
    ],
)
def test_login_never_500s_on_odd_input(client, data):
    assert client.post("/auth/login", data=data).status_code in (200, 302)


@pytest.mark.parametrize("page", ["0", "-1", "abc", "999999"])
def test_admin_pagination_tolerates_odd_page_numbers(client, auth, page):
    from matchmaker.models import Role

    auth.login_as(Role.ADMIN)
    assert client.get(f"/admin/users?page={page}").status_code == 200
