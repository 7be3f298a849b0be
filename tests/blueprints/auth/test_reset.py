"""Password reset by signed, expiring, single-use links."""

from __future__ import annotations

import re

from matchmaker.extensions import db
from tests.fixtures.constants import PASSWORD

NEW = "Song-Hau-chay-2026"


def _reset_link(outbox) -> str:
    return re.search(
        r"http://matchmaker\.test(/auth/reset/\S+)", outbox[-1].body
    ).group(1)


def test_forgot_password_mails_a_link_to_known_account(client, make_user, outbox):
    user = make_user()
    response = client.post("/auth/forgot", data={"email": user.email})
    assert "check-mail" in response.get_data(as_text=True)
    assert len(outbox) == 1 and outbox[0].to == [user.email]


def test_forgot_password_answers_the_same_for_unknown_address(client, outbox):
    response = client.post("/auth/forgot", data={"email": "nobody@demo.cantho.example"})
    assert response.status_code == 200 and "check-mail" in response.get_data(
        as_text=True
    )
    assert outbox == []


def test_reset_link_sets_new_password_once(client, auth, make_user, outbox):
    user = make_user()
    client.post("/auth/forgot", data={"email": user.email})
    link = _reset_link(outbox)
    response = client.post(link, data={"password": NEW, "confirm": NEW})
    assert response.status_code == 302 and response.headers["Location"].endswith(
        "/auth/login"
    )
    assert auth.login(user.email, PASSWORD).status_code == 200
    assert auth.login(user.email, NEW).status_code == 302
    auth.logout()
    # Used once, the link no longer works.
    again = client.post(
        link, data={"password": "Another-one-2026", "confirm": "Another-one-2026"}
    )
    assert again.status_code == 302 and again.headers["Location"].endswith(
        "/auth/forgot"
    )
    db.session.refresh(user)
    assert user.check_password(NEW)


def test_reset_link_expires(app, client, make_user, outbox):
    user = make_user()
    client.post("/auth/forgot", data={"email": user.email})
    app.config["RESET_TOKEN_MAX_AGE"] = -1
    response = client.get(_reset_link(outbox))
    assert response.status_code == 302 and response.headers["Location"].endswith(
        "/auth/forgot"
    )


def test_tampered_reset_link_is_refused(client, make_user, outbox):
    user = make_user()
    client.post("/auth/forgot", data={"email": user.email})
    link = _reset_link(outbox)
    forged = link.replace(link.split(".")[-1], "A" * len(link.split(".")[-1]))
    response = client.post(forged, data={"password": NEW, "confirm": NEW})
    assert response.headers["Location"].endswith("/auth/forgot")
    db.session.refresh(user)
    assert user.check_password(PASSWORD)


def test_reset_refuses_common_password_and_keeps_old(client, make_user, outbox):
    user = make_user()
    client.post("/auth/forgot", data={"email": user.email})
    response = client.post(
        _reset_link(outbox), data={"password": "1234567890", "confirm": "1234567890"}
    )
    assert response.status_code == 200 and 'id="password-errors"' in response.get_data(
        as_text=True
    )
    db.session.refresh(user)
    assert user.check_password(PASSWORD)


def test_reset_ends_other_sessions(app, client, auth, make_user, outbox):
    user = make_user()
    auth.login(user.email)
    other = app.test_client()
    other.post("/auth/forgot", data={"email": user.email})
    other.post(_reset_link(outbox), data={"password": NEW, "confirm": NEW})
    with client.session_transaction() as session:
        assert "_user_id" in session  # the cookie is still there...
    assert user.full_name not in client.get("/").get_data(
        as_text=True
    )  # ...but no longer signs anyone in
