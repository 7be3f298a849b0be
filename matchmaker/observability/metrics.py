"""Prometheus metrics: request latency by endpoint, and job durations and failures.

Under gunicorn every worker is its own process: with ``PROMETHEUS_MULTIPROC_DIR`` set (gunicorn_conf.py
sets it before any worker starts) each process writes its samples to files there and ``/metrics`` adds
them up, whichever worker answers. Without it (``make run``, tests) the samples live in this process.

Requests are labelled by the Flask endpoint that served them (``orders.detail``), never by the URL, so
ids and tokens in paths neither leak nor make a new series per record; unknown URLs count as
``unmatched``. Jobs (mail, refits, index updates, imports) report through ``record_job`` or ``timed_job``.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator

from flask import Flask, Response, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)

# Pages answer in tens of milliseconds; imports and exports may take seconds.
REQUEST_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
JOB_BUCKETS = (0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 3600)

REQUEST_LATENCY = Histogram(
    "matchmaker_http_request_duration_seconds",
    "Time to answer a request, by Flask endpoint, method and status code.",
    ["endpoint", "method", "status"],
    buckets=REQUEST_BUCKETS,
)
JOB_DURATION = Histogram(
    "matchmaker_job_duration_seconds",
    "Time a background job ran, by job name and outcome (ok or failed).",
    ["job", "outcome"],
    buckets=JOB_BUCKETS,
)
JOB_FAILURES = Counter(
    "matchmaker_job_failures_total",
    "Background jobs that failed, by job name.",
    ["job"],
)


def record_job(name: str, seconds: float, ok: bool) -> None:
    """Count one run of the job ``name`` (e.g. ``mail.send``, ``matching.refit``) that took ``seconds``."""
    outcome = "ok" if ok else "failed"
    JOB_DURATION.labels(job=name, outcome=outcome).observe(max(seconds, 0.0))
    if not ok:
        JOB_FAILURES.labels(job=name).inc()


@contextlib.contextmanager
def timed_job(name: str) -> Iterator[None]:
    """Run a block as the job ``name``: its time is recorded, and it counts as failed if it raises."""
    start = time.perf_counter()
    ok = False
    try:
        yield
        ok = True
    finally:
        record_job(name, time.perf_counter() - start, ok)


def render(multiproc_dir: str | None) -> tuple[bytes, str]:
    """The metrics in Prometheus' text format, summed over every worker process when multiproc_dir is set."""
    if multiproc_dir:
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry, path=multiproc_dir)
    else:
        registry = REGISTRY
    return generate_latest(registry), CONTENT_TYPE_LATEST


def init_app(app: Flask) -> None:
    """Time every request and record it under its endpoint."""

    def start_timer() -> None:
        g.request_started = time.perf_counter()

    # First of all hooks: a request another hook answers early (a rate limit's 429, a refused token) is
    # timed and counted too.
    app.before_request_funcs.setdefault(None, []).insert(0, start_timer)

    @app.after_request
    def observe_latency(response: Response) -> Response:
        started = g.get("request_started")
        if started is not None:
            rule = request.url_rule
            REQUEST_LATENCY.labels(
                endpoint=rule.endpoint if rule is not None else "unmatched",
                method=request.method,
                status=str(response.status_code),
            ).observe(time.perf_counter() - started)
        return response
