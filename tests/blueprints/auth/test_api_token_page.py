"""The account page's API access tokens: create (the secret shown once), list, revoke; staff only; CSRF."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from matchmaker.extensions import db
from matchmaker.models import ApiToken, Role
from matchmaker.services.accounts import api_tokens

PAGE = "/auth/api-tokens"


def _tokens() -> list[ApiToken]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(ApiToken).order_by(ApiToken.id)))


def _secret_in(page: str) -> str:
    return re.search(r'id="token-secret" value="(mm_[A-Za-z0-9_-]+)"', page).group(1)


@pytest.mark.parametrize("role", [Role.OFFICIAL, Role.ADMIN])
def test_staff_create_a_token_and_see_its_secret_once(client, auth, role):
    user = auth.login_as(role)
    page = client.get(PAGE)
    assert page.status_code == 200 and 'id="no-tokens"' in page.get_data(as_text=True)
    assert 'id="nav-api-tokens"' in page.get_data(as_text=True)
    created = client.post(PAGE, data={"name": "Báo cáo quý"})
    assert created.status_code == 200 and created.headers["Cache-Control"] == "no-store"
    body = created.get_data(as_text=True)
    secret = _secret_in(body)
    [token] = _tokens()
    assert token.user_id == user.id and token.name == "Báo cáo quý"
    assert api_tokens.digest(secret) == token.digest
    assert api_tokens.authenticate(secret).id == token.id
    again = client.get(PAGE).get_data(as_text=True)
    assert secret not in again and token.prefix in again and "Báo cáo quý" in again


def test_a_nameless_token_is_refused_with_a_message(client, auth):
    auth.login_as(Role.OFFICIAL)
    response = client.post(PAGE, data={"name": "   "})
    assert response.status_code == 200 and 'id="token-secret"' not in response.get_data(
        as_text=True
    )
    assert "is-invalid" in response.get_data(as_text=True)
    assert _tokens() == []


def test_revoking_asks_for_confirmation(client, auth):
    user = auth.login_as(Role.OFFICIAL)
    new = api_tokens.create(user, "Kịch bản")
    refused = client.post(f"{PAGE}/{new.token.id}/revoke")
    assert refused.status_code == 302 and _tokens()[0].revoked_at is None
    done = client.post(f"{PAGE}/{new.token.id}/revoke", data={"confirm": "y"})
    assert done.status_code == 302 and done.headers["Location"] == PAGE
    assert _tokens()[0].revoked_at is not None
    assert api_tokens.authenticate(new.secret) is None
    page = client.get(PAGE).get_data(as_text=True)
    assert "revoke-token" not in page  # no button for a revoked token


def test_nobody_revokes_another_officials_token(client, auth, make_user):
    other = api_tokens.create(make_user(Role.OFFICIAL), "Của người khác")
    auth.login_as(Role.ADMIN)
    response = client.post(f"{PAGE}/{other.token.id}/revoke", data={"confirm": "y"})
    assert response.status_code == 404
    assert _tokens()[0].revoked_at is None


@pytest.mark.parametrize("role", [Role.RESEARCHER, Role.ENTERPRISE])
def test_other_roles_are_refused_and_not_offered_the_page(client, auth, role):
    auth.login_as(role)
    assert client.get(PAGE).status_code == 403
    assert client.post(PAGE, data={"name": "Thử"}).status_code == 403
    assert _tokens() == []
    assert 'id="nav-api-tokens"' not in client.get("/").get_data(as_text=True)


def test_a_visitor_is_sent_to_sign_in(client):
    response = client.get(PAGE)
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_the_forms_need_their_csrf_token(app, client, auth):
    user = auth.login_as(Role.OFFICIAL)
    app.config["WTF_CSRF_ENABLED"] = True
    forged = client.post(PAGE, data={"name": "Giả mạo"})
    assert 'id="token-secret"' not in forged.get_data(as_text=True)
    assert _tokens() == []
    page = client.get(PAGE).get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    client.post(PAGE, data={"name": "Thật", "csrf_token": csrf})
    [token] = _tokens()
    assert token.user_id == user.id
    client.post(f"{PAGE}/{token.id}/revoke", data={"confirm": "y"})  # no token: refused
    assert _tokens()[0].revoked_at is None
    client.post(f"{PAGE}/{token.id}/revoke", data={"confirm": "y", "csrf_token": csrf})
    assert _tokens()[0].revoked_at is not None
