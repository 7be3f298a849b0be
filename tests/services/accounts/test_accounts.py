"""Account services: registration without enumeration, sign-out everywhere, links of closed accounts."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher
from werkzeug.security import generate_password_hash

import matchmaker.models.user as user_module
from matchmaker.extensions import db
from matchmaker.models import Role, User
from matchmaker.services.accounts import identity as accounts
from matchmaker.services.accounts import tokens, users
from matchmaker.services.errors import InvalidToken
from tests.fixtures.constants import PASSWORD

NEW = accounts.NewAccount(
    "ngoc.tran@demo.cantho.example", "Trần Ngọc", Role.RESEARCHER, "Lua-mua-noi-2026"
)


def test_register_with_a_taken_address_creates_nothing_and_mails_the_owner(
    make_user, outbox
):
    owner = make_user(email="ngoc.tran@demo.cantho.example")
    assert accounts.register(NEW) is None
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == 1
    assert [m.to for m in outbox] == [[owner.email]]


def test_register_new_address_creates_the_account(app, outbox):
    user = accounts.register(NEW)
    assert user is not None and user.email == NEW.email and not user.is_verified
    assert [m.to for m in outbox] == [[NEW.email]]


def test_end_sessions_changes_the_session_id(make_user):
    user = make_user()
    before = user.get_id()
    accounts.end_sessions(user)
    assert user.get_id() != before


@pytest.mark.parametrize("purpose", [tokens.RESET, tokens.VERIFY])
def test_links_of_a_closed_account_never_work(make_user, purpose):
    user = make_user(active=False, invitation_pending=True)
    token = tokens.make_token(user, purpose)
    assert tokens.read_token(token, purpose) == user
    # Closed without touching what the token is bound to: the link must still stop working.
    user.invitation_pending = False
    db.session.commit()
    with pytest.raises(InvalidToken):
        tokens.read_token(token, purpose)


def test_deactivating_a_pending_invitation_cancels_it(make_user):
    user = make_user(active=False, invitation_pending=True)
    token = tokens.make_token(user, tokens.RESET)
    users.set_active(user, False)
    assert not user.invitation_pending and not user.active
    with pytest.raises(InvalidToken):
        accounts.reset_password(token, "Lua-ma-Thoi-Lai-2026")


def test_password_reset_request_for_closed_accounts_sends_nothing(make_user, outbox):
    deactivated = make_user(active=False)
    never_accepted = make_user(active=False)
    never_accepted.password_hash = None
    db.session.commit()
    for user in (deactivated, never_accepted):
        accounts.request_password_reset(user.email)
    assert outbox == []


def test_authenticate_refuses_deactivated_account_with_right_password(make_user):
    user = make_user(active=False)
    assert accounts.authenticate(user.email, PASSWORD) is None
    assert accounts.authenticate("nobody@demo.cantho.example", PASSWORD) is None


@pytest.mark.parametrize(
    "older",
    [
        lambda password: generate_password_hash(password, method="scrypt"),
        lambda password: generate_password_hash(password, method="pbkdf2:sha256:1000"),
        lambda password: PasswordHasher(
            time_cost=1, memory_cost=16, parallelism=1
        ).hash(password),
    ],
    ids=["werkzeug scrypt", "werkzeug pbkdf2", "other argon2 settings"],
)
def test_an_older_password_hash_signs_in_and_is_replaced_by_argon2id(make_user, older):
    user = make_user()
    user.password_hash = older(PASSWORD)
    db.session.commit()
    assert user.password_needs_rehash
    assert accounts.authenticate(user.email, "Wrong-password-99") is None
    assert user.password_needs_rehash  # a failed attempt changes nothing
    assert accounts.authenticate(user.email, PASSWORD) == user
    db.session.expire_all()
    stored = db.session.get(User, user.id).password_hash
    assert stored.startswith("$argon2id$") and not user.password_needs_rehash
    assert accounts.authenticate(user.email, PASSWORD) == user
    assert db.session.get(User, user.id).password_hash == stored  # not hashed again


def test_new_passwords_are_argon2id_at_owasp_s_setting():
    """The production setting (the tests run a cheap one): Argon2id, 19 MiB, 2 passes, 1 lane."""
    production = PasswordHasher(**user_module.ARGON2_SETTINGS)
    stored = production.hash(PASSWORD)
    assert stored.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert user_module.verify_password(stored, PASSWORD)
    assert not user_module.verify_password(stored, PASSWORD + "x")
    assert not user_module.verify_password("$argon2id$not-a-hash", PASSWORD)


def test_signing_in_is_no_change_of_the_account_for_matching(make_user):
    """A sign-in records its time without moving the account's updated_at, which the matching model's change
    probe reads: otherwise every sign-in made each worker re-read every researcher's fingerprint."""
    from matchmaker.services import dashboard
    from matchmaker.services.matching import corpus

    user = make_user()
    before = user.updated_at
    version = corpus.data_version()
    written = (
        dashboard._writes.last
    )  # the dashboard's figures are kept until this process writes
    accounts.record_login(user)
    db.session.expire_all()
    user = db.session.get(User, user.id)
    assert user.last_login_at is not None
    assert user.updated_at == before
    assert corpus.data_version() == version
    assert dashboard._writes.last == written
    user.full_name = "Tên mới"  # a real change still moves both
    db.session.commit()
    assert corpus.data_version() != version
    assert dashboard._writes.last != written
