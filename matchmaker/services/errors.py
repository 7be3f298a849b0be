"""Domain errors raised by services and mapped to messages by the views."""

from __future__ import annotations


class ServiceError(Exception):
    """A business rule refused the operation; ``message`` is shown to the user (already translated)."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotAllowed(ServiceError):
    """The user may not do this."""


class Conflict(ServiceError):
    """The operation clashes with the current state (duplicate, wrong state, stale version)."""


class InvalidToken(ServiceError):
    """A signed link is malformed, tampered with, expired or already used."""
