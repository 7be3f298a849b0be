"""Logs: one JSON object per line (or text), each with the request id, with secrets and personal data removed.

The request id comes from ``REQUEST_ID_HEADER`` when a trusted proxy sets it, else it is made here; it is
kept on ``g``, sent back as ``X-Request-ID`` and written into every log line of the request. A queued job
carries it on: the code that queues a job passes ``current_request_id()`` along, and the worker runs the
job inside ``request_id_bound(that_id)``.

Redaction happens in the formatter of every handler installed here (the app's and gunicorn's), on each
value of a JSON line or on the finished text line: records themselves are never changed, so no other handler (a test's, say) sees a
different message. What it removes: e-mail addresses, passwords, tokens and other secrets in
``name=value`` / ``"name": "value"`` form (query strings included), Authorization headers and Bearer or
Basic credentials, the token in the e-mail links (``/auth/reset/<token>``, ``/auth/verify/<token>``),
and signed tokens or long opaque keys anywhere.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import re
import sys
import uuid
from collections.abc import Iterator

from flask import Flask, Response, g, has_request_context, request
from flask.logging import default_handler
from pythonjsonlogger.json import JsonFormatter

HEADER = "X-Request-ID"
# An id taken from a header is kept only if it looks like one: no spaces, quotes or control characters.
_VALID_ID = re.compile(r"[A-Za-z0-9._:@-]{1,128}")
_job_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "matchmaker_request_id", default=None
)
HANDLER_NAME = "matchmaker"
REDACTED = "[redacted]"

_SECRET_NAMES = (
    r"password|passwd|pwd|new_password|current_password|confirm|secret|token|api[_-]?key|"
    r"access[_-]?key|csrf[_-]?token|session|authorization|auth|signature|sig|key"
)
_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    # Authorization: <anything> (a header written out) and bare Bearer/Basic credentials.
    (
        re.compile(r"(?i)(authorization[\"']?\s*[:=]\s*[\"']?)[^\"'\r\n,}]+"),
        r"\1" + REDACTED,
    ),
    (re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{6,}"), r"\1 " + REDACTED),
    # name=value (query strings, form bodies) and "name": "value" (JSON, dict reprs).
    (
        re.compile(
            rf"(?i)\b((?:{_SECRET_NAMES})[\"']?\s*[=:]\s*[\"']?)[^\"'&\s,;}})]+"
        ),
        r"\1" + REDACTED,
    ),
    # The token of an e-mail link is the last segment of its path.
    (re.compile(r"(/auth/(?:reset|verify)/)[^/\s?\"'#]+"), r"\1" + REDACTED),
    # E-mail addresses.
    (re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"), REDACTED),
    # Signed tokens (itsdangerous: payload.timestamp.signature) and long opaque keys.
    # (a request id, 32 hex digits, is shorter than the keys and has no dots: it stays).
    (
        re.compile(
            r"\b[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{4,}\.(?=[A-Za-z0-9_-]*\d)[A-Za-z0-9_-]{20,}"
        ),
        REDACTED,
    ),
    (re.compile(r"\b(?=[A-Za-z0-9_-]*\d)[A-Za-z0-9_-]{40,}"), REDACTED),
]


def redact(text: str) -> str:
    """``text`` with every secret and e-mail address it holds replaced by ``[redacted]``."""
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


# --- Request ids --------------------------------------------------------------------------------------


def current_request_id() -> str | None:
    """The id of the request being served, or of the request a running job came from; else ``None``."""
    if has_request_context() and "request_id" in g:
        return g.request_id
    return _job_request_id.get()


@contextlib.contextmanager
def request_id_bound(request_id: str | None) -> Iterator[None]:
    """Run a block (a queued job) with ``request_id`` in its log lines."""
    token = _job_request_id.set(request_id if _is_valid(request_id) else None)
    try:
        yield
    finally:
        _job_request_id.reset(token)


def _is_valid(value: str | None) -> bool:
    return bool(value) and _VALID_ID.fullmatch(value) is not None


def _assign_request_id(header: str | None) -> str:
    given = request.headers.get(header) if header else None
    return given if _is_valid(given) else uuid.uuid4().hex


# --- Formatters ---------------------------------------------------------------------------------------


class ContextFilter(logging.Filter):
    """Adds ``request_id`` to a record that has none (read at emit time, on the request's thread)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = current_request_id()
        return True


class RedactingJsonFormatter(JsonFormatter):
    """One JSON object per line: time, level, logger, message, request id and any extras; then redacted."""

    def __init__(self) -> None:
        super().__init__(
            "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
            json_ensure_ascii=False,
        )

    def add_fields(self, log_data, record, message_dict) -> None:  # noqa: ANN001 - the library's signature
        super().add_fields(log_data, record, message_dict)
        access = _access_fields(record)
        if access:
            log_data.update(access)

    def process_log_record(self, log_data):  # noqa: ANN001, ANN201 - the library's signature
        # Each value is redacted before it is serialised, so the line stays valid JSON.
        return {key: _redact_value(value) for key, value in log_data.items()}


def _redact_value(value: object) -> object:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {key: _redact_value(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_redact_value(item) for item in value]
    return value


class RedactingTextFormatter(logging.Formatter):
    """``time level logger [request id] message``, redacted."""

    def __init__(self) -> None:
        super().__init__(
            "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
        )

    def format(self, record: logging.LogRecord) -> str:
        request_id = getattr(record, "request_id", None)
        record.request_id = request_id or "-"  # outside a request
        try:
            return redact(super().format(record))
        finally:
            record.request_id = request_id


def _access_fields(record: logging.LogRecord) -> dict[str, object] | None:
    """gunicorn's access log record as fields: its atoms dict is the record's ``args``."""
    atoms = record.args if record.name == "gunicorn.access" else None
    if not isinstance(atoms, dict):
        return None
    return {
        "message": f"{atoms.get('m')} {atoms.get('U')} {atoms.get('s')}",
        "method": atoms.get("m"),
        "path": atoms.get("U"),  # without the query string, which may carry a token
        "status": int(atoms["s"]) if str(atoms.get("s")).isdigit() else atoms.get("s"),
        "duration_ms": round(int(atoms.get("D") or 0) / 1000, 1),
        "bytes": atoms.get("B"),
        "request_id": atoms.get("{x-request-id}o") or None,
        "user_agent": atoms.get("a"),
    }


def make_handler(log_format: str, stream=None) -> logging.Handler:  # noqa: ANN001 - any text stream
    """A stream handler (stderr by default) with the context filter and the redacting formatter."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.set_name(HANDLER_NAME)
    handler.addFilter(ContextFilter())
    handler.setFormatter(
        RedactingJsonFormatter() if log_format == "json" else RedactingTextFormatter()
    )
    return handler


def configure(log_format: str, level: str, stream=None) -> logging.Handler:  # noqa: ANN001
    """Send the root logger's records through one handler of ours (replacing the one set before)."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if handler.get_name() == HANDLER_NAME:
            root.removeHandler(handler)
    handler = make_handler(log_format, stream)
    root.addHandler(handler)
    root.setLevel(level)
    return handler


# --- Wiring -------------------------------------------------------------------------------------------


def init_app(app: Flask) -> None:
    """Log through the root logger with our handler; give every request an id, returned in its response.

    Under the test suite logging is left alone (pytest captures it); tests call ``configure`` themselves.
    """
    if not app.testing:
        configure(
            app.config.get("LOG_FORMAT", "text"), app.config.get("LOG_LEVEL", "INFO")
        )
        app.logger.removeHandler(
            default_handler
        )  # the root handler writes the app's lines
    header = app.config.get("REQUEST_ID_HEADER")

    @app.before_request
    def assign_request_id() -> None:
        g.request_id = _assign_request_id(header)

    @app.after_request
    def return_request_id(response: Response) -> Response:
        request_id = current_request_id()
        if request_id:
            response.headers[HEADER] = request_id
        return response
