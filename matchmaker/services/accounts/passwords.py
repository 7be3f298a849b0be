"""Password policy: long enough and not one of the commonly used passwords."""

from __future__ import annotations

from functools import cache

from flask_babel import lazy_gettext as _l
from zxcvbn.frequency_lists import FREQUENCY_LISTS

MIN_LENGTH = 10
MAX_LENGTH = 128


@cache
def _common_passwords() -> frozenset[str]:
    # 30,000 most used passwords from leaked sets, shipped by zxcvbn.
    return frozenset(FREQUENCY_LISTS["passwords"])


def is_common(password: str) -> bool:
    """True for a password that appears in the list of common passwords (case-insensitive)."""
    return password.lower() in _common_passwords()


def password_problem(password: str, email: str | None = None) -> str | None:
    """Why ``password`` is refused, or None when it is acceptable."""
    if len(password) < MIN_LENGTH:
        return str(
            _l("The password must be at least %(n)d characters long.", n=MIN_LENGTH)
        )
    if len(password) > MAX_LENGTH:
        return str(
            _l("The password must be at most %(n)d characters long.", n=MAX_LENGTH)
        )
    lowered = password.lower()
    if is_common(password) or len(set(lowered)) < 4:
        return str(
            _l("This password is too common or too easy to guess. Choose another one.")
        )
    if email and lowered in {email.lower(), email.split("@", 1)[0].lower()}:
        return str(_l("The password must not be your e-mail address."))
    return None
