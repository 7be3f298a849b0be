"""The one exception raised when a transition is refused, and its machine-readable codes."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

WRONG_STATE = "wrong_state"
NOT_ALLOWED_ROLE = "not_allowed_role"
MISSING_FIELD = "missing_field"
INVALID_FIELD = "invalid_field"
DEADLINE_NOT_PASSED = "deadline_not_passed"
STEPS_MISSING = "steps_missing"

CODES = frozenset(
    {
        WRONG_STATE,
        NOT_ALLOWED_ROLE,
        MISSING_FIELD,
        INVALID_FIELD,
        DEADLINE_NOT_PASSED,
        STEPS_MISSING,
    }
)


class TransitionRefused(Exception):
    """A transition the rules do not allow; the app renders ``code`` translated and answers 409.

    Parameters
    ----------
    code : str
        One of :data:`CODES`.
    params : mapping, optional
        Details for the message: ``state``, ``action`` and ``allowed_states`` (wrong_state);
        ``role`` and ``allowed_roles`` (not_allowed_role); ``field`` and ``fields``
        (missing_field); ``field``, ``reason`` and reason-specific extras (invalid_field);
        ``deadline`` and ``now`` (deadline_not_passed); ``steps`` (steps_missing). States,
        actions, roles and steps are given as their string values.
    """

    def __init__(self, code: str, params: Mapping[str, object] | None = None) -> None:
        if code not in CODES:
            raise ValueError(f"unknown refusal code {code!r}")
        self.code = code
        self.params: Mapping[str, object] = MappingProxyType(dict(params or {}))
        super().__init__(code, dict(self.params))

    def __str__(self) -> str:
        details = ", ".join(f"{key}={value!r}" for key, value in self.params.items())
        return f"{self.code}: {details}" if details else self.code
