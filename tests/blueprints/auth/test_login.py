"""Signing in and out, remember me, throttling, safe redirects, sessions that end."""

from __future__ import annotations

import pytest

from matchmaker.extensions import db
from matchmaker.models import Role
from tests.fixtures.constants import PASSWORD


def _signed_in(client) -> bool:
    with client.session_transaction() as session:
        return "_user_id" in session


def test_login_and_logout(client, auth, make_user):
    user = make_user()
    assert auth.login(user.email).status_code == 302 and _signed_in(client)
    assert user.full_name in client.get("/").get_data(as_text=True)
    auth.logout()
    assert not _signed_in(client)


def test_logout_requires_post(client, auth, make_user):
    auth.login(make_user().email)
    assert client.get("/auth/logout").status_code == 405
    assert _signed_in(client)


def test_login_email_is_case_insensitive(client, auth, make_user):
    make_user(email="mixed@demo.cantho.example")
    assert auth.login("  MIXED@demo.cantho.example ").status_code == 302


def test_unknown_email_and_wrong_password_get_the_same_message(client, auth, make_user):
    user = make_user()
    wrong_password = auth.login(user.email, "Not-the-password-1").get_data(as_text=True)
    unknown = auth.login("nobody@demo.cantho.example").get_data(as_text=True)
    message = wrong_password.split('role="alert">', 1)[1].split("<", 1)[0]
    assert message and message == unknown.split('role="alert">', 1)[1].split("<", 1)[0]


def test_deactivated_user_cannot_sign_in(client, auth, make_user):
    user = make_user(active=False)
    response = auth.login(user.email)
    assert response.status_code == 200 and not _signed_in(client)


def test_remember_me_sets_a_lasting_cookie(client, auth, make_user):
    user = make_user()
    response = auth.login(user.email, remember="y")
    cookies = response.headers.getlist("Set-Cookie")
    remember = [c for c in cookies if c.startswith("remember_token=")]
    assert remember and "HttpOnly" in remember[0] and "Expires=" in remember[0]


@pytest.mark.parametrize("target", ["/admin/users", "/?x=1"])
def test_login_follows_safe_next(client, auth, make_user, target):
    user = make_user()
    response = client.post(
        f"/auth/login?next={target}", data={"email": user.email, "password": PASSWORD}
    )
    assert response.headers["Location"] == target


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example",
        "javascript:alert(1)",
        "\\\\evil",
    ],
)
def test_login_refuses_open_redirect(client, make_user, target):
    user = make_user()
    response = client.post(
        "/auth/login",
        query_string={"next": target},
        data={"email": user.email, "password": PASSWORD},
    )
    assert response.headers["Location"] == "/"


def test_repeated_failures_for_one_account_are_slowed_down(client, auth, make_user):
    user = make_user()
    client.get("/lang/en")
    for _ in range(5):
        assert auth.login(user.email, "Wrong-password-99").status_code == 200
    blocked = auth.login(user.email, PASSWORD)
    assert blocked.status_code == 429
    assert "Wait a minute" in blocked.get_data(as_text=True)
    assert not _signed_in(client)


def test_account_limit_follows_the_account_across_addresses(client, make_user):
    victim, other = make_user(), make_user()

    def login(user, password, address):
        data = {"email": user.email, "password": password}
        return client.post(
            "/auth/login", data=data, environ_base={"REMOTE_ADDR": address}
        )

    for _ in range(5):
        login(victim, "Wrong-password-99", "203.0.113.1")
    # Another address may still sign in to another account...
    assert login(other, PASSWORD, "203.0.113.2").status_code == 302
    client.post("/auth/logout")
    # ...but not to the attacked one, even with the right password.
    assert login(victim, PASSWORD, "203.0.113.2").status_code == 429


def test_successful_logins_are_not_throttled(client, auth, make_user):
    user = make_user()
    for _ in range(8):
        assert auth.login(user.email).status_code == 302
        auth.logout()


def test_deactivation_ends_open_sessions(client, auth, make_user):
    user = auth.login_as(Role.RESEARCHER)
    assert _signed_in(client)
    user.active = False
    user.session_version += 1
    db.session.commit()
    # The next request no longer carries a user, even with the old cookie.
    assert client.get("/admin/users").status_code == 302
    assert user.full_name not in client.get("/").get_data(as_text=True)


def test_signed_in_user_is_sent_away_from_login_page(client, auth):
    auth.login_as(Role.RESEARCHER)
    assert client.get("/auth/login").status_code == 302


def test_repeated_failures_from_one_address_are_slowed_down(client, auth, make_user):
    users = [make_user() for _ in range(6)]
    for user in users[:5]:
        assert auth.login(user.email, "Wrong-password-99").status_code == 200
    assert auth.login(users[5].email, "Wrong-password-99").status_code == 429


def _signed_in_with(app, name: str, value: str, user) -> bool:
    """Whether a fresh client carrying only this one cookie is signed in as ``user``."""
    other = app.test_client()
    other.set_cookie(name, value)
    return user.full_name in other.get("/").get_data(as_text=True)


def test_logout_revokes_copied_session_and_remember_cookies(
    app, client, auth, make_user
):
    user = make_user()
    auth.login(user.email, remember="y")
    copies = {
        name: client.get_cookie(name).value for name in ("session", "remember_token")
    }
    # Each copy alone signs in before the logout...
    assert all(_signed_in_with(app, n, v, user) for n, v in copies.items())
    auth.logout()
    # ...and neither does after it.
    assert not any(_signed_in_with(app, n, v, user) for n, v in copies.items())
    # The owner signs in again as usual.
    assert auth.login(user.email).status_code == 302


def test_password_reset_revokes_copied_remember_cookie(
    app, client, auth, make_user, outbox
):
    user = make_user()
    auth.login(user.email, remember="y")
    remember = client.get_cookie("remember_token").value
    other = app.test_client()
    other.post("/auth/forgot", data={"email": user.email})
    link = outbox[-1].body.split("http://matchmaker.test", 1)[1].split()[0]
    new = "Song-Hau-chay-2026"
    other.post(link, data={"password": new, "confirm": new})
    assert not _signed_in_with(app, "remember_token", remember, user)


def test_deactivation_revokes_copied_remember_cookie(app, client, auth, make_user):
    from matchmaker.services.accounts import users

    user = make_user()
    auth.login(user.email, remember="y")
    remember = client.get_cookie("remember_token").value
    users.set_active(user, False)
    users.set_active(user, True)
    assert not _signed_in_with(app, "remember_token", remember, user)


@pytest.fixture
def hash_checks(monkeypatch) -> list[str]:
    """Every password hash check made, by the hash it was made against."""
    import matchmaker.models.user as user_module

    checked: list[str] = []
    real = user_module.verify_password

    def counting(pwhash: str, password: str) -> bool:
        checked.append(pwhash)
        return real(pwhash, password)

    monkeypatch.setattr(user_module, "verify_password", counting)
    return checked


@pytest.mark.parametrize("who", ["unknown", "wrong password", "no password yet"])
def test_failed_sign_in_checks_one_password_hash_whoever_it_is(
    client, auth, make_user, hash_checks, who
):
    user = make_user()
    invited = make_user()
    invited.password_hash = None
    db.session.commit()
    email = {"unknown": "nobody@demo.cantho.example", "wrong password": user.email,
             "no password yet": invited.email}[who]  # fmt: skip
    assert auth.login(email, "Wrong-password-99").status_code == 200
    assert len(hash_checks) == 1
    # The stand-in hash costs what a real one does: same method and parameters.
    assert hash_checks[0].rsplit("$", 2)[0] == user.password_hash.rsplit("$", 2)[0]
