"""Registration and e-mail verification."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from matchmaker.extensions import db
from matchmaker.models import OutboxMessage, Role, User

GOOD = {
    "full_name": "Trần Thị Bích Ngọc",
    "email": "Ngoc.Tran@demo.cantho.example",
    "role": "researcher",
    "password": "Lua-mua-noi-2026",
    "confirm": "Lua-mua-noi-2026",
}


def _link(body: str) -> str:
    return re.search(r"http://localhost(/auth/\S+)", body).group(1)


def test_register_creates_unverified_account_and_mails_link(client, outbox):
    response = client.post("/auth/register", data=GOOD)
    assert response.status_code == 200 and "check-mail" in response.get_data(
        as_text=True
    )
    user = db.session.scalar(sa.select(User))
    assert (
        user.email == "ngoc.tran@demo.cantho.example" and user.role == Role.RESEARCHER
    )
    assert not user.is_verified and user.password_hash != GOOD["password"]
    assert (
        len(outbox) == 1
        and outbox[0].to == [user.email]
        and "/auth/verify/" in outbox[0].body
    )
    # The development outbox keeps a copy for administrators.
    assert db.session.scalar(sa.select(OutboxMessage.recipient)) == user.email


def test_register_normalises_name_to_nfc(client):
    nfd = "Trần Thị Bích Ngọc".encode().decode()  # typed with combining marks below
    import unicodedata

    client.post(
        "/auth/register", data=GOOD | {"full_name": unicodedata.normalize("NFD", nfd)}
    )
    assert db.session.scalar(sa.select(User.full_name)) == unicodedata.normalize(
        "NFC", nfd
    )


def test_verification_link_confirms_and_allows_login(client, outbox):
    client.post("/auth/register", data=GOOD)
    response = client.get(_link(outbox[0].body))
    assert response.status_code == 302 and response.headers["Location"].endswith(
        "/auth/login"
    )
    assert db.session.scalar(sa.select(User)).is_verified
    login = client.post(
        "/auth/login", data={"email": GOOD["email"], "password": GOOD["password"]}
    )
    assert login.status_code == 302 and login.headers["Location"] == "/"


def test_unverified_account_cannot_sign_in(client):
    client.post("/auth/register", data=GOOD)
    response = client.post(
        "/auth/login", data={"email": GOOD["email"], "password": GOOD["password"]}
    )
    assert response.status_code == 302 and response.headers["Location"].endswith(
        "/auth/verify"
    )
    with client.session_transaction() as session:
        assert "_user_id" not in session


def test_tampered_verification_token_is_refused(client, outbox):
    client.post("/auth/register", data=GOOD)
    link = _link(outbox[0].body)
    client.get("/lang/en")
    forged = link[:-3] + ("aaa" if not link.endswith("aaa") else "bbb")
    response = client.get(forged, follow_redirects=True)
    assert "This link is not valid" in response.get_data(as_text=True)
    assert not db.session.scalar(sa.select(User)).is_verified


def test_expired_verification_token_is_refused(app, client, outbox):
    client.post("/auth/register", data=GOOD)
    app.config["VERIFY_TOKEN_MAX_AGE"] = -1
    client.get(_link(outbox[0].body))
    assert not db.session.scalar(sa.select(User)).is_verified


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"email": "not-an-email"}, "email"),
        ({"email": ""}, "email"),
        ({"password": "Short-1", "confirm": "Short-1"}, "password"),
        ({"password": "password123", "confirm": "password123"}, "password"),
        ({"password": "qwertyuiop", "confirm": "qwertyuiop"}, "password"),
        ({"confirm": "Something-else-2026"}, "confirm"),
        ({"full_name": ""}, "full_name"),
        ({"full_name": "x" * 201}, "full_name"),
        ({"role": "official"}, "role"),
        ({"role": "admin"}, "role"),
    ],
)
def test_register_rejects_bad_input_and_keeps_typed_values(client, changes, field):
    response = client.post("/auth/register", data=GOOD | changes)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'id="{field}-errors"' in page or (
        field == "role" and 'id="role-errors"' in page
    )
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == 0
    if field != "full_name":
        assert 'value="Trần Thị Bích Ngọc"' in page


def test_register_refuses_duplicate_account_case_insensitively(client, make_user):
    make_user(email="ngoc.tran@demo.cantho.example")
    response = client.post("/auth/register", data=GOOD)
    assert 'id="email-errors"' in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == 1


def test_resend_verification_is_silent_for_unknown_address(client, outbox):
    response = client.post("/auth/verify", data={"email": "nobody@demo.cantho.example"})
    assert response.status_code == 200 and "check-mail" in response.get_data(
        as_text=True
    )
    assert outbox == []


def test_resend_verification_sends_a_new_link(client, make_user, outbox):
    user = make_user(verified=False)
    client.post("/auth/verify", data={"email": user.email})
    assert len(outbox) == 1 and "/auth/verify/" in outbox[0].body
