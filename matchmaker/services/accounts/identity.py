"""Accounts: registration, e-mail verification, sign-in checks, password reset."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from functools import cache

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from matchmaker.extensions import db
from matchmaker.matching.text import normalise
from matchmaker.models import SELF_SERVICE_ROLES, Role, User, utcnow
from matchmaker.services import events, policy, writes
from matchmaker.services.accounts import tokens
from matchmaker.services.accounts.passwords import password_problem
from matchmaker.services.errors import Conflict, NotAllowed, ServiceError
from matchmaker.services.messaging import links, mail


@dataclass(frozen=True)
class NewAccount:
    """What a visitor types to register."""

    email: str
    full_name: str
    role: Role
    password: str


def normalise_email(email: str) -> str:
    """The canonical form an e-mail address is stored and looked up in."""
    return normalise(email).lower()


def find_user_by_email(email: str) -> User | None:
    """The account registered with ``email``, if any."""
    return db.session.scalar(
        sa.select(User).where(User.email == normalise_email(email))
    )


def ensure_new_account(email: str, password: str | None) -> None:
    if find_user_by_email(email) is not None:
        raise Conflict(
            _("An account with this e-mail address already exists."), field="email"
        )
    if password is not None and (problem := password_problem(password, email)):
        raise ServiceError(problem, field="password")


def register(data: NewAccount) -> User | None:
    """Create a self-service account (researcher or enterprise) and send the verification link.

    An address that already has an account gets no second one: its owner is told by e-mail instead, and
    the caller answers exactly as for a new address, so the form does not reveal who is registered.
    Returns the new account, or None in that case.
    """
    if data.role not in SELF_SERVICE_ROLES:
        raise NotAllowed(
            _("This role can only be given by an administrator."), field="role"
        )
    if problem := password_problem(data.password, data.email):
        raise ServiceError(problem, field="password")
    user = User(
        email=normalise_email(data.email),
        full_name=normalise(data.full_name),
        role=data.role,
    )
    # Hashed either way, so both answers take the same work.
    user.set_password(data.password)
    owner = find_user_by_email(data.email)
    if owner is not None:
        _mail_registration_attempt(owner)
        return None
    db.session.add(user)
    try:
        events.commit()
    except (
        IntegrityError
    ):  # the same address registered at the same moment: answer as for a taken one
        db.session.rollback()
        if (owner := find_user_by_email(data.email)) is None:
            raise
        _mail_registration_attempt(owner)
        return None
    send_verification(user)
    return user


def _mail_registration_attempt(owner: User) -> None:
    mail.send_mail(
        owner.email,
        _("Someone tried to register with your e-mail address"),
        "registration_attempt",
        user=owner,
        login_link=links.absolute_url("auth.login"),
        reset_link=links.absolute_url("auth.forgot_password"),
    )


def send_verification(user: User) -> None:
    """Mail ``user`` a signed link that confirms their address."""
    link = links.absolute_url(
        "auth.verify_email", token=tokens.make_token(user, tokens.VERIFY)
    )
    mail.send_mail(
        user.email,
        _("Confirm your e-mail address"),
        "verify_email",
        user=user,
        link=link,
    )


def resend_verification(email: str) -> None:
    """Send a new verification link if an unverified account has this address; silent otherwise."""
    user = find_user_by_email(email)
    if user is not None and user.active and not user.is_verified:
        send_verification(user)


def verify_email(token: str) -> User:
    """Mark the address in a valid verification token as confirmed."""
    user = tokens.read_token(token, tokens.VERIFY)
    if not user.is_verified:
        user.email_verified_at = utcnow()
        events.commit()
    return user


@cache
def _dummy_password_hash() -> str:
    stand_in = User()
    stand_in.set_password(secrets.token_urlsafe(16))
    return stand_in.password_hash


def authenticate(email: str, password: str) -> User | None:
    """The active account with this address and password, or None (for every kind of failure).

    A password is checked against a hash in every case, a stand-in one for unknown addresses and for
    accounts without a password, so a failure takes the same work whether or not the address is known.
    """
    user = find_user_by_email(email)
    if user is not None and user.password_hash:
        matches = user.check_password(password)
    else:
        User(password_hash=_dummy_password_hash()).check_password(password)
        matches = False
    if user is None or not matches or not user.active:
        return None
    if user.password_needs_rehash:
        # An older hash (scrypt) or setting: the password is known now, store it the current way.
        user.set_password(password)
        events.commit()
    return user


def end_sessions(user: User) -> None:
    """Sign ``user`` out everywhere: every session and remember-me cookie issued so far stops working."""
    user.session_version += 1
    events.commit()


def record_login(user: User) -> None:
    """Remember when ``user`` last signed in.

    Not a change of the account's data: its ``updated_at`` stays (written as it was, so the column's
    ``onupdate`` does not move it), and the statement is bookkeeping for the caches of this process
    (``writes.bookkeeping``). The matching model's change probe reads the latest ``updated_at`` of the
    accounts, and the dashboard's figures are kept until a write: every sign-in made each worker re-read
    every researcher's fingerprint and count the dashboard again (the load test).
    """
    db.session.execute(
        writes.bookkeeping(
            sa.update(User)
            .where(User.id == user.id)
            .values(last_login_at=utcnow(), updated_at=User.updated_at)
        ),
        execution_options={"synchronize_session": "fetch"},
    )
    events.commit()


def request_password_reset(email: str) -> None:
    """Mail a reset link to an active account, or a new invitation link to a pending invitation.

    Silent otherwise (no enumeration): a deactivated account, or an invitation an administrator cancelled,
    gets nothing, so a reset can never reopen an account the platform closed.
    """
    user = find_user_by_email(email)
    if user is None or not policy.may_use_links(user):
        return
    if user.invitation_pending:
        mail_password_link(user, _("Your matchmaker account"), "invitation")
    else:
        mail_password_link(user, _("Reset your password"), "reset_password")


def mail_password_link(
    user: User, subject: str, template: str, **context: object
) -> None:
    """Mail ``user`` a single-use link to choose a password (reset, or accepting an invitation)."""
    link = links.absolute_url(
        "auth.reset_password", token=tokens.make_token(user, tokens.RESET)
    )
    mail.send_mail(user.email, subject, template, user=user, link=link, **context)


def reset_password(token: str, password: str) -> User:
    """Set a new password from a valid reset link; ends every other session of the account."""
    user = tokens.read_token(token, tokens.RESET)
    if problem := password_problem(password, user.email):
        raise ServiceError(problem, field="password")
    user.set_password(password)
    user.session_version += 1
    # The link reached the owner's mailbox, which proves the address; an invitation is now accepted.
    user.email_verified_at = user.email_verified_at or utcnow()
    if user.invitation_pending:
        user.active, user.invitation_pending = True, False
    events.commit()
    return user


def check_reset_token(token: str) -> User:
    """The account a reset link belongs to; InvalidToken if it cannot be used."""
    return tokens.read_token(token, tokens.RESET)
