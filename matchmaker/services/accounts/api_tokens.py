"""Access tokens to the API: created and revoked by their holder, kept as a digest, read-only.

A token's secret is ``mm_`` followed by 43 URL-safe characters (256 random bits from ``secrets``). It is
shown once, when created; the database keeps only its SHA-256 digest and its first characters (the
prefix, to recognise it). A token works while it is not revoked and its holder may hold tokens (an active
official or administrator): a deactivated account or a changed role ends every token at once.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _

from matchmaker.extensions import db
from matchmaker.models import ApiToken, User, utcnow
from matchmaker.services import events, policy
from matchmaker.services.errors import Conflict, NotAllowed, ServiceError

SCHEME = "mm_"
PREFIX_LENGTH = len(SCHEME) + 8
NAME_LENGTH = 100
# Tokens in use a person may hold at once.
MAX_ACTIVE = 10
READ = "read"
# The time a token was last used is written at most this often (reads stay reads).
USE_RESOLUTION = timedelta(minutes=1)


@dataclass(frozen=True)
class NewToken:
    """A token just created and its secret, which is shown this once and never again."""

    token: ApiToken
    secret: str


def digest(secret: str) -> str:
    """The SHA-256 digest of ``secret``, hex: what the database keeps."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def list_tokens(user: User) -> list[ApiToken]:
    """``user``'s tokens, newest first (revoked ones too: the list is their record)."""
    stmt = sa.select(ApiToken).where(ApiToken.user_id == user.id)
    return list(
        db.session.scalars(
            stmt.order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
        )
    )


def create(user: User, name: str) -> NewToken:
    """A new read-only token named ``name`` for ``user``; its secret is in the answer, and only there."""
    if not policy.may_hold_api_tokens(user):
        raise NotAllowed(_("Only officials and administrators may create API tokens."))
    name = " ".join((name or "").split())
    if not name:
        raise ServiceError(_("Give the token a name."), field="name")
    if len(name) > NAME_LENGTH:
        raise ServiceError(_("At most %(n)d characters.", n=NAME_LENGTH), field="name")
    active = sa.select(sa.func.count()).where(
        ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None)
    )
    if db.session.scalar(active) >= MAX_ACTIVE:
        raise Conflict(
            _("You already have %(n)d tokens in use: revoke one first.", n=MAX_ACTIVE)
        )
    secret = SCHEME + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id, name=name, prefix=secret[:PREFIX_LENGTH],
        digest=digest(secret), scope=READ, created_at=utcnow(),
    )  # fmt: skip
    db.session.add(token)
    events.commit()
    return NewToken(token, secret)


def revoke(user: User, token_id: int) -> ApiToken:
    """Revoke ``user``'s token ``token_id`` (at once and for good); raises ``LookupError`` for a token
    that is not theirs. Revoking a revoked token changes nothing."""
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id:
        raise LookupError(token_id)
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        events.commit()
    return token


def authenticate(secret: str) -> ApiToken | None:
    """The token whose secret is ``secret`` if it works now; else None (unknown, revoked, or its holder
    is deactivated or no longer an official or administrator)."""
    if not secret.startswith(SCHEME) or len(secret) > 200:
        return None
    wanted = digest(secret)
    token = db.session.scalar(sa.select(ApiToken).where(ApiToken.digest == wanted))
    if token is None or not hmac.compare_digest(token.digest, wanted):
        return None
    if token.revoked_at is not None or token.scope != READ:
        return None
    if not policy.may_hold_api_tokens(token.user):
        return None
    _note_use(token)
    return token


def _note_use(token: ApiToken) -> None:
    now = utcnow()
    last = token.last_used_at
    if last is not None and last.tzinfo is None:  # SQLite gives back naive UTC
        last = last.replace(tzinfo=UTC)
    if last is None or now - last >= USE_RESOLUTION:
        token.last_used_at = now
        db.session.commit()
