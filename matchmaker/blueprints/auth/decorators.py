"""Authorisation in one place: who may reach a view.

Every view declares its gate with one of the decorators below, and each records it as ``view.access``:
``PUBLIC``, ``VISITORS`` or a rule of the policy module taking the signed-in user. The role × route matrix
(tests/blueprints/test_access.py) reads these declarations and evaluates the rules, so a route without a
gate, or a gate that changes, cannot go unnoticed. Checks on a particular record (is this person the
enterprise's representative, the order's PI?) stay in the views and services, through the same policy.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlsplit

from flask import abort, redirect, url_for
from flask_login import current_user

from matchmaker.extensions import login_manager
from matchmaker.models import Role, User
from matchmaker.services import policy

PUBLIC = "public"  # anyone, signed in or not
VISITORS = "visitors"  # visitors only: a signed-in user is sent home


def allowed_by(rule: Callable[[User], bool]) -> Callable:
    """Let in signed-in users the policy ``rule`` accepts; others get 403, anonymous visitors go to login."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not rule(current_user):
                abort(403)
            return view(*args, **kwargs)

        wrapped.access = rule
        return wrapped

    return decorator


def role_required(*roles: Role) -> Callable:
    """Let in signed-in users with one of ``roles``; others get 403, anonymous visitors go to login."""
    return allowed_by(lambda user: policy.holds_role(user, roles))


# Any signed-in account (flask_login's login_required, declared for the role × route matrix).
signed_in = allowed_by(policy.is_signed_in)


def open_to_everyone(view: Callable) -> Callable:
    """Declare a view open to everyone (its records may still be filtered by the policy)."""
    view.access = PUBLIC
    return view


def anonymous_only(view: Callable) -> Callable:
    """Send a signed-in user away from pages meant for visitors (login, register)."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if current_user.is_authenticated:
            return redirect(url_for("main.index"))
        return view(*args, **kwargs)

    wrapped.access = VISITORS
    return wrapped


def is_safe_next(target: str | None) -> bool:
    """True for a path on this site: no scheme, no host, no protocol-relative or backslash tricks."""
    if (
        not target
        or not target.startswith("/")
        or target.startswith("//")
        or "\\" in target
    ):
        return False
    parts = urlsplit(target)
    return (
        not parts.scheme and not parts.netloc and not any(ord(c) < 32 for c in target)
    )
