"""Running in production: request ids and structured logs (``logs``), Prometheus metrics (``metrics``).

Both are wired into the app by ``init_app``; neither knows the database or the services.
"""

from __future__ import annotations

from flask import Flask

from matchmaker.observability import logs, metrics


def init_app(app: Flask) -> None:
    """Request ids and logging first (every later hook logs with the id), then request metrics."""
    logs.init_app(app)
    metrics.init_app(app)
