"""Signed, expiring tokens for the links in e-mails."""

from __future__ import annotations

import hashlib

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from matchmaker.extensions import db
from matchmaker.models import User
from matchmaker.services import policy
from matchmaker.services.errors import InvalidToken

VERIFY = "verify-email"
RESET = "reset-password"


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(
        current_app.config["SECRET_KEY"], salt=f"matchmaker.{purpose}"
    )


def _fingerprint(user: User, purpose: str) -> str:
    # Binds a token to the state it was issued for, so it stops working once used.
    state = (
        user.email
        if purpose == VERIFY
        else f"{user.password_hash}:{user.session_version}"
    )
    return hashlib.sha256(state.encode()).hexdigest()[:16]


def make_token(user: User, purpose: str) -> str:
    """A URL-safe token for ``user`` and ``purpose`` (VERIFY or RESET)."""
    return _serializer(purpose).dumps({"u": user.id, "f": _fingerprint(user, purpose)})


def read_token(token: str, purpose: str) -> User:
    """The user a valid token was issued to; InvalidToken if tampered, expired or already used."""
    max_age = current_app.config[
        "VERIFY_TOKEN_MAX_AGE" if purpose == VERIFY else "RESET_TOKEN_MAX_AGE"
    ]
    try:
        data = _serializer(purpose).loads(token, max_age=max_age)
    except SignatureExpired as exc:
        raise InvalidToken(_("This link has expired. Ask for a new one.")) from exc
    except BadSignature as exc:
        raise InvalidToken(
            _("This link is not valid. Check that you copied it whole.")
        ) from exc
    user = db.session.get(User, data.get("u")) if isinstance(data, dict) else None
    if user is None or data.get("f") != _fingerprint(user, purpose):
        raise InvalidToken(_("This link has already been used or is no longer valid."))
    if not policy.may_use_links(user):
        # A deactivated account, or a cancelled invitation: the link must not open it again.
        raise InvalidToken(
            _(
                "This account has been deactivated, so the link no longer works. "
                "Contact the platform's administrator if you need access."
            )
        )
    return user
