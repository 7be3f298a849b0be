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
    return re.search(r"http://matchmaker\.test(/auth/\S+)", body).group(1)


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


def _without(page: str, *typed: str) -> str:
    for text in typed:
        page = page.replace(text, "<typed address>")
    return page


def test_register_answers_the_same_for_a_new_and_a_taken_address(
    app, make_user, outbox
):
    taken = make_user(email="ngoc.tran@demo.cantho.example", full_name="Chủ cũ")
    new_address = GOOD | {"email": "someone.new@demo.cantho.example"}
    # Case changed: the address is recognised whatever case is typed.
    answers = [
        app.test_client().post("/auth/register", data=data)
        for data in (new_address, GOOD)
    ]
    assert [a.status_code for a in answers] == [200, 200]
    pages = [a.get_data(as_text=True) for a in answers]
    assert _without(pages[0], new_address["email"]) == _without(pages[1], GOOD["email"])
    assert 'id="check-mail"' in pages[1] and 'id="email-errors"' not in pages[1]
    # No second account, and the owner's password is untouched.
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == 2
    db.session.refresh(taken)
    assert taken.full_name == "Chủ cũ" and not taken.check_password(GOOD["password"])
    assert [m.to for m in outbox] == [[new_address["email"]], [taken.email]]


@pytest.mark.parallel
def test_parallel_registrations_of_one_address_make_one_account(
    app, in_parallel, outbox
):
    clients = [app.test_client() for _ in range(4)]
    calls = [
        lambda client=client: client.post("/auth/register", data=GOOD).status_code
        for client in clients
    ]
    assert in_parallel(calls) == [200] * 4
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == 1
    # One verification link; the other three attempts are told to the address's owner.
    assert sorted("/auth/verify/" in message.body for message in outbox) == [
        False
    ] * 3 + [True]


def test_registration_with_a_taken_address_tells_its_owner(client, make_user, outbox):
    owner = make_user(email="ngoc.tran@demo.cantho.example")
    client.post("/auth/register", data=GOOD)
    [message] = outbox
    assert message.to == [owner.email] and "/auth/verify/" not in message.body
    assert "http://matchmaker.test/auth/login" in message.body
    assert "http://matchmaker.test/auth/forgot" in message.body


def test_registration_is_throttled_per_visitor(client, outbox):
    for n in range(5):
        data = GOOD | {"email": f"person{n}@demo.cantho.example"}
        assert client.post("/auth/register", data=data).status_code == 200
    sixth = client.post("/auth/register", data=GOOD)
    assert sixth.status_code == 429 and len(outbox) == 5
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == 5


def test_registration_is_throttled_per_typed_address(app, make_user, outbox):
    owner = make_user(email="ngoc.tran@demo.cantho.example")

    def register(n: int):
        return app.test_client().post(
            "/auth/register", data=GOOD, environ_base={"REMOTE_ADDR": f"203.0.113.{n}"}
        )

    assert [register(n).status_code for n in range(5)] == [200] * 5
    assert register(6).status_code == 429
    assert len(outbox) == 5 and all(m.to == [owner.email] for m in outbox)


def test_refused_registration_forms_are_not_counted(client):
    bad = GOOD | {"confirm": "Something-else-2026"}
    for _ in range(6):
        assert client.post("/auth/register", data=bad).status_code == 200
    assert client.post("/auth/register", data=GOOD).status_code == 200


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
