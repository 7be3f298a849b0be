"""Accounts: registration, e-mail verification, sign-in checks, password reset."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask import url_for
from flask_babel import gettext as _

from matchmaker.extensions import db
from matchmaker.matching.text import normalise
from matchmaker.models import SELF_SERVICE_ROLES, Role, User, utcnow
from matchmaker.services import mail, tokens
from matchmaker.services.errors import Conflict, NotAllowed, ServiceError
from matchmaker.services.passwords import password_problem


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


def register(data: NewAccount) -> User:
    """Create a self-service account (researcher or enterprise) and send the verification link."""
    if data.role not in SELF_SERVICE_ROLES:
        raise NotAllowed(
            _("This role can only be given by an administrator."), field="role"
        )
    ensure_new_account(data.email, data.password)
    user = User(
        email=normalise_email(data.email),
        full_name=normalise(data.full_name),
        role=data.role,
    )
    user.set_password(data.password)
    db.session.add(user)
    db.session.commit()
    send_verification(user)
    return user


def send_verification(user: User) -> None:
    """Mail ``user`` a signed link that confirms their address."""
    link = url_for(
        "auth.verify_email",
        token=tokens.make_token(user, tokens.VERIFY),
        _external=True,
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
        db.session.commit()
    return user


def authenticate(email: str, password: str) -> User | None:
    """The active account with this address and password, or None (for every kind of failure)."""
    user = find_user_by_email(email)
    if user is None or not user.check_password(password) or not user.active:
        return None
    return user


def record_login(user: User) -> None:
    """Remember when ``user`` last signed in."""
    user.last_login_at = utcnow()
    db.session.commit()


def request_password_reset(email: str) -> None:
    """Mail a reset link to an active or invited account; silent otherwise (no enumeration)."""
    user = find_user_by_email(email)
    if user is None or not (user.active or user.invitation_pending):
        return
    mail_password_link(user, _("Reset your password"), "reset_password")


def mail_password_link(
    user: User, subject: str, template: str, **context: object
) -> None:
    """Mail ``user`` a single-use link to choose a password (reset, or accepting an invitation)."""
    link = url_for(
        "auth.reset_password",
        token=tokens.make_token(user, tokens.RESET),
        _external=True,
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
    db.session.commit()
    return user


def check_reset_token(token: str) -> User:
    """The account a reset link belongs to; InvalidToken if it cannot be used."""
    return tokens.read_token(token, tokens.RESET)
