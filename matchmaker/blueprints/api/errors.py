"""Errors under ``/api``: JSON with a stable code and a message in the caller's language, never a page."""

from __future__ import annotations

import math
import time

from flask import Response, request
from flask_babel import lazy_gettext as _l
from pydantic import BaseModel

from matchmaker.extensions import limiter

PREFIX = "/api/"

# Status → (stable code, message). The code never changes within a version of the API.
ERRORS = {
    400: ("bad_request", _l("The request could not be understood.")),
    401: (
        "invalid_token",
        _l("The access token is unknown, revoked or no longer allowed."),
    ),
    403: (
        "forbidden",
        _l("Access tokens are read-only: only GET requests are allowed."),
    ),
    404: ("not_found", _l("There is no such record, or it is not public.")),
    405: (
        "method_not_allowed",
        _l(
            "This address does not answer this method (the documentation says which it answers)."
        ),
    ),
    429: (
        "too_many_requests",
        _l("Too many requests from your address or token. Wait, then try again."),
    ),
    500: (
        "server_error",
        _l("An unexpected error happened on our side. It has been logged."),
    ),
    503: (
        "unavailable",
        _l("The search index is being rebuilt. Try again in a minute."),
    ),
}


class ErrorDetail(BaseModel):
    """What went wrong: ``code`` is stable (for programs), ``message`` is for people."""

    code: str
    message: str


class ErrorBody(BaseModel):
    """Every error of the API."""

    error: ErrorDetail


class BadParameter(Exception):
    """A query parameter the API cannot use; ``message`` says which and why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def is_api_request() -> bool:
    """Whether the current request is addressed to the API."""
    return request.path.startswith(PREFIX)


def error_response(
    status: int, code: str | None = None, message: str | None = None
) -> Response:
    """The JSON error for ``status`` (any status without its own code is told as 400 or 500)."""
    known = ERRORS.get(status) or ERRORS[500 if status >= 500 else 400]
    body = ErrorBody(
        error=ErrorDetail(code=code or known[0], message=message or str(known[1]))
    )
    response = Response(body.model_dump_json(), status, mimetype="application/json")
    response.headers["Access-Control-Allow-Origin"] = "*"
    if status == 429:
        response.headers["Retry-After"] = str(retry_after())
    return response


def retry_after() -> int:
    """Seconds until the limit that was hit lets the caller in again (at least 1)."""
    limit = limiter.current_limit
    if limit is None:
        return 60
    return max(1, math.ceil(limit.reset_at - time.time()))
