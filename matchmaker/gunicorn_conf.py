"""gunicorn's configuration: ``gunicorn -c python:matchmaker.gunicorn_conf "matchmaker:create_app()"``.

Every value comes from the environment through ``matchmaker.config.gunicorn_settings`` (README,
"Production"). Choices:

- Workers are processes (default 2 x CPUs + 1, at most 8), each serving one request at a time (gthread
  with ``GUNICORN_THREADS=1``; its main thread keeps connections): with 4 threads per worker, a worker
  died of a segmentation fault about once in 20,000 requests on busy cores (a race between threads,
  cause not found), with one thread none in any run since (README, "Worker crashes"); one thread was
  also faster at the load test's 50 users. Each process holds its own copy of the matching model (121 MB at 10,000
  researchers).
- The app is not preloaded in the master: each worker builds it after the fork, so no database
  connection, open index searcher or refit thread is ever shared between processes, and a deploy only
  needs ``systemctl reload`` (HUP) to load new code. The price is a slower start (one app per worker).
- Workers are replaced after ``GUNICORN_MAX_REQUESTS`` requests (with jitter), bounding slow leaks.
- Each worker loads the matching model as it starts (``post_worker_init``), then freezes what it holds
  (``gc.freeze()``, ``GC_FREEZE``): no visitor waits for the model, and the garbage collector's full scans
  skip it.
- Logs go to stderr, as JSON lines (``LOG_FORMAT=json``) with the request id, through the same
  redacting formatter as the app's own lines; the access log has no query strings.
- Prometheus: each worker writes its samples under ``PROMETHEUS_MULTIPROC_DIR`` (a fresh temporary
  folder when unset), so ``/metrics`` adds up every worker; a dead worker's gauges are dropped.
"""

from __future__ import annotations

import faulthandler
import gc
import os
import tempfile
from pathlib import Path

# Before any of the app is imported: prometheus_client picks its storage when first imported, and the
# workers, forked from this process, inherit the variable.
if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(
        prefix="matchmaker-metrics-"
    )

from matchmaker.config import gunicorn_settings  # noqa: E402

_settings = gunicorn_settings()

bind = _settings["bind"]
workers = _settings["workers"]
threads = _settings["threads"]
worker_class = "gthread"
timeout = _settings["timeout"]
graceful_timeout = _settings["graceful_timeout"]
max_requests = _settings["max_requests"]
max_requests_jitter = _settings["max_requests_jitter"]
preload_app = False
# gunicorn 25+ opens a control socket in $HOME by default: one path for every instance on the machine.
control_socket_disable = True
loglevel = _settings["log_level"]
accesslog = "-"
errorlog = "-"
# Behind a reverse proxy on the same machine: the proxy's X-Forwarded-* are read by the app itself
# (TRUSTED_PROXY_COUNT), not by gunicorn.
forwarded_allow_ips = "127.0.0.1,::1"

_formatter = (
    "matchmaker.observability.logs.RedactingJsonFormatter"
    if _settings["log_format"] == "json"
    else "matchmaker.observability.logs.RedactingTextFormatter"
)
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"matchmaker": {"()": _formatter}},
    "filters": {"context": {"()": "matchmaker.observability.logs.ContextFilter"}},
    "handlers": {
        "stderr": {
            "class": "logging.StreamHandler",
            "formatter": "matchmaker",
            "filters": ["context"],
            "stream": "ext://sys.stderr",
        }
    },
    # The app installs its own handler on the root logger when each worker builds it.
    "root": {"level": loglevel.upper(), "handlers": []},
    "loggers": {
        "gunicorn.error": {
            "level": loglevel.upper(),
            "handlers": ["stderr"],
            "propagate": False,
        },
        "gunicorn.access": {
            "level": "INFO",
            "handlers": ["stderr"],
            "propagate": False,
        },
    },
}


def on_starting(server) -> None:  # noqa: ANN001 - gunicorn's Arbiter
    """Start with an empty metrics folder: samples of a previous run would be added in."""
    for stale in Path(os.environ["PROMETHEUS_MULTIPROC_DIR"]).glob("*.db"):
        stale.unlink(missing_ok=True)


def post_worker_init(worker) -> None:  # noqa: ANN001
    """The app is built: load the matching model now (not at the first page with matches), then move
    everything the worker holds out of the garbage collector's scans (``GC_FREEZE``). A worker that
    crashes in native code (a segmentation fault) writes every thread's Python stack to the log first."""
    faulthandler.enable()
    from matchmaker.services.matching import model as matching_model

    with worker.wsgi.app_context():
        matching_model.warm()
    if _settings["gc_freeze"]:
        gc.freeze()


def child_exit(server, worker) -> None:  # noqa: ANN001
    """Drop the live gauges of a worker that exited (its counters and histograms are kept)."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
