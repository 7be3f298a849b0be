"""Running in production: request ids and structured logs (``logs``), Prometheus metrics (``metrics``),
the opt-in slow-query log (``slow_queries``).

All are wired into the app by ``init_app``; none knows the models or the services (the slow-query log
listens to SQLAlchemy's engine events only).
"""

from __future__ import annotations

from flask import Flask

from matchmaker.observability import logs, metrics, slow_queries


def init_app(app: Flask) -> None:
    """Request ids and logging first (every later hook logs with the id), then request metrics."""
    logs.init_app(app)
    metrics.init_app(app)
    slow_queries.init_app(app)
