"""Authorisation in one place: who may reach a view."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlsplit

from flask import abort, redirect, url_for
from flask_login import current_user

from matchmaker.extensions import login_manager
from matchmaker.models import Role


def role_required(*roles: Role) -> Callable:
    """Let in signed-in users with one of ``roles``; others get 403, anonymous visitors go to login."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        wrapped.allowed_roles = roles  # read by the role × route tests
        return wrapped

    return decorator


def anonymous_only(view: Callable) -> Callable:
    """Send a signed-in user away from pages meant for visitors (login, register)."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if current_user.is_authenticated:
            return redirect(url_for("main.index"))
        return view(*args, **kwargs)

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
