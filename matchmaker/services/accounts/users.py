"""Administration of accounts: list, create staff accounts, change roles, deactivate."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from matchmaker.extensions import db
from matchmaker.matching.text import normalise
from matchmaker.models import Enterprise, Role, User, utcnow
from matchmaker.services import events, locking, policy, text_filter
from matchmaker.services.accounts.identity import (
    ensure_new_account,
    mail_password_link,
    normalise_email,
)
from matchmaker.services.errors import Conflict
from matchmaker.services.pagination import paginate


def list_users(
    page: int, role: Role | None = None, query: str = "", per_page: int = 25
):
    """Accounts ordered by e-mail, optionally filtered by role and a name/e-mail fragment."""
    stmt = sa.select(User).order_by(User.email)
    if role is not None:
        stmt = stmt.where(User.role == role)
    if query := text_filter.query_text(query):
        stmt = stmt.where(text_filter.stored_contains(query, User.search_text))
    return paginate(stmt, page, per_page)


def create_user(
    email: str,
    full_name: str,
    role: Role,
    password: str | None = None,
    institution_id: int | None = None,
    enterprise: Enterprise | None = None,
    invited_by: User | None = None,
) -> User:
    """Create an account of any role; without a password, mail an invitation to set one.

    ``enterprise`` makes the account one of its representatives; ``invited_by`` names who invited them
    (an administrator when None).
    """
    user = new_user(email, full_name, role, password, institution_id, enterprise)
    events.commit()
    if password is None:
        mail_invitation(user, invited_by, enterprise)
    return user


def new_user(
    email: str,
    full_name: str,
    role: Role,
    password: str | None = None,
    institution_id: int | None = None,
    enterprise: Enterprise | None = None,
) -> User:
    """Add a checked account to the session (flushed, not committed: the caller's use case commits)."""
    ensure_new_account(email, password)
    user = User(
        email=normalise_email(email),
        full_name=normalise(full_name),
        role=role,
        institution_id=institution_id,
        enterprise_id=enterprise.id if enterprise is not None else None,
    )
    if password is not None:
        user.set_password(password)
        user.email_verified_at = utcnow()
    db.session.add(user)
    db.session.flush()
    return user


def mail_invitation(
    user: User, invited_by: User | None = None, enterprise: Enterprise | None = None
) -> None:
    """Mail a committed, password-less account its link to choose a password."""
    mail_password_link(
        user,
        _("Your matchmaker account"),
        "invitation",
        inviter=invited_by,
        enterprise=enterprise,
    )


def _active_admins() -> int:
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(User)
        .where(policy.admins(), User.active.is_(True))
    )


def _refuse_last_admin(user: User) -> None:
    # Two administrators removing each other at once take turns: the second sees the first's change.
    locking.lock(User, policy.admins(), User.active.is_(True))
    db.session.refresh(user)
    if policy.is_admin(user) and user.active and _active_admins() <= 1:
        raise Conflict(_("The platform needs at least one active administrator."))


def change_role(user: User, role: Role) -> User:
    """Give ``user`` another role; the last active administrator keeps theirs."""
    if role != user.role:
        _refuse_last_admin(user)
        user.role = role
        user.session_version += 1
        events.commit()
    return user


def set_active(user: User, active: bool) -> User:
    """Deactivate (ending every open session and cancelling a pending invitation) or reactivate an account."""
    if not active:
        _refuse_last_admin(user)
    cancels_invitation = not active and user.invitation_pending
    if user.active != active or cancels_invitation:
        user.active = active
        # The version is in every session cookie and mailed link: bumping it makes them all stop working.
        user.invitation_pending = user.invitation_pending and active
        user.session_version += 1
        events.commit()
    return user
