"""Opt-in slow-query log: every SQL statement slower than ``SLOW_QUERY_MS`` becomes one log line.

The line (logger ``matchmaker.slow_query``, level WARNING) carries the statement as SQLAlchemy sent it,
with its placeholders, never the parameters (they may hold names, e-mail addresses, search words), its
duration and the endpoint of the request that ran it (``None`` outside a request: a job, a command). It
goes through the app's own handler, so it is JSON under ``LOG_FORMAT=json`` and redacted like any line.

Timing uses SQLAlchemy's ``before/after_cursor_execute`` events on every engine; they are installed only
when an app is built with ``SLOW_QUERY_MS`` set, and each app reads its own threshold, so an app built
without it (the tests, another app in the process) logs nothing.
"""

from __future__ import annotations

import logging
import time

import sqlalchemy as sa
from flask import Flask, current_app, has_app_context, has_request_context, request
from sqlalchemy.engine import Engine

logger = logging.getLogger("matchmaker.slow_query")
CONFIG_KEY = "SLOW_QUERY_MS"
_STARTED = "matchmaker_query_started"
MAX_STATEMENT = 2000  # characters of a statement kept in the line


def init_app(app: Flask) -> None:
    """Install the timing events once per process when this app asks for the log."""
    if not app.config.get(CONFIG_KEY):
        return
    if not sa.event.contains(Engine, "before_cursor_execute", _before):
        sa.event.listen(Engine, "before_cursor_execute", _before)
        sa.event.listen(Engine, "after_cursor_execute", _after)


def _threshold() -> float | None:
    if not has_app_context():
        return None
    return current_app.config.get(CONFIG_KEY) or None


def _before(conn, _cursor, _statement, _params, _context, _many) -> None:  # noqa: ANN001
    if _threshold() is not None:
        conn.info.setdefault(_STARTED, []).append(time.perf_counter())


def _after(conn, _cursor, statement, _params, _context, many) -> None:  # noqa: ANN001
    started = conn.info.get(_STARTED)
    if not started:
        return
    duration_ms = 1000 * (time.perf_counter() - started.pop())
    threshold = _threshold()
    if threshold is None or duration_ms < threshold:
        return
    endpoint = request.endpoint if has_request_context() else None
    text = " ".join(statement.split())
    logger.warning(
        "slow query: %.1f ms on %s: %s",
        duration_ms,
        endpoint,
        text[:200],
        extra={
            "duration_ms": round(duration_ms, 1),
            "endpoint": endpoint,
            "statement": text[:MAX_STATEMENT],
            "executemany": bool(many),
        },
    )
