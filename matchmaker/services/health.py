"""What a load balancer asks: is this process alive (liveness), and can it serve (readiness)?

Every check is cheap: ``SELECT 1``, a Redis ``PING``, whether the search index has a published version
(opened and probed at most once a minute per process), the matching model file's state, and the length
of the job queues. Answers name no host, user or password: a failure gives the kind of error only.

A check that fails makes the process not ready (503): the database, Redis when ``REDIS_URL`` is set, and
the search index. The matching model and the queues are reported but never fail readiness: a missing
model is built on the first matching request, and a long queue is a reason to add workers, not to take
the web servers out of the load balancer.
"""

from __future__ import annotations

import time
from typing import Any

import redis
import sqlalchemy as sa
from flask import current_app

from matchmaker.extensions import db
from matchmaker.services.matching import model as matching_model
from matchmaker.services.search import index as search

OK, UNAVAILABLE, MISSING, NOT_CONFIGURED = (
    "ok",
    "unavailable",
    "missing",
    "not configured",
)
REDIS_TIMEOUT_SECONDS = 1.0
INDEX_PROBE_SECONDS = 60.0
_PROBE_CACHE = "matchmaker.health.index_probe"

Check = dict[str, Any]


def liveness() -> Check:
    """The process answers: nothing else is looked at."""
    return {"status": OK}


def readiness() -> tuple[bool, Check]:
    """Whether this process can serve requests, and each check's answer."""
    checks = {
        "database": database(),
        "redis": redis_status(),
        "search_index": search_index(),
        "matching_model": model(),
        "queue": queue_depth(),
    }
    ready = (
        checks["database"]["status"] == OK
        and checks["redis"]["status"] in (OK, NOT_CONFIGURED)
        and checks["search_index"]["status"] == OK
    )
    return ready, {"status": OK if ready else UNAVAILABLE, "checks": checks}


def _failure(error: Exception) -> Check:
    return {"status": UNAVAILABLE, "error": type(error).__name__}


def database() -> Check:
    """``SELECT 1`` on a connection of the pool (not the request's session)."""
    started = time.perf_counter()
    try:
        with db.engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
    except Exception as error:  # noqa: BLE001 - any failure means: not ready
        return _failure(error)
    return {
        "status": OK,
        "dialect": db.engine.dialect.name,
        "ms": round((time.perf_counter() - started) * 1000, 1),
    }


def redis_client() -> redis.Redis | None:
    """A client of ``REDIS_URL`` with short timeouts, or ``None`` when Redis is not configured."""
    url = current_app.config.get("REDIS_URL")
    if not url:
        return None
    return redis.Redis.from_url(
        url,
        socket_timeout=REDIS_TIMEOUT_SECONDS,
        socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
    )


def redis_status() -> Check:
    client = redis_client()
    if client is None:
        return {"status": NOT_CONFIGURED}
    try:
        client.ping()
    except Exception as error:  # noqa: BLE001
        return _failure(error)
    finally:
        client.close()
    return {"status": OK}


def search_index() -> Check:
    """A published index version; read through (``SearchIndex.check``) at most once a minute."""
    try:
        index = search.get_index()
        if not index.exists():
            return {"status": MISSING, "hint": "matchmaker search rebuild"}
        cache = current_app.extensions.get(_PROBE_CACHE)
        now = time.monotonic()
        if cache is None or now - cache[0] > INDEX_PROBE_SECONDS:
            health = index.check()
            cache = (now, health.ok, health.doc_count)
            current_app.extensions[_PROBE_CACHE] = cache
    except Exception as error:  # noqa: BLE001
        return _failure(error)
    _probed, ok, count = cache
    if not ok:
        return {"status": UNAVAILABLE, "hint": "matchmaker search rebuild"}
    return {"status": OK, "documents": count, "rebuilding": search.is_rebuilding()}


def model() -> Check:
    """The matching model's file: saved or not, when fitted, whether a refit runs in this process."""
    try:
        state = matching_model.model_state()
    except Exception as error:  # noqa: BLE001
        return _failure(error)
    if not state.saved:
        return {"status": MISSING, "hint": "built on the first matching request"}
    return {
        "status": OK,
        "fitted_at": state.fitted_at.isoformat() if state.fitted_at else None,
        "refitting": state.refitting,
    }


def queue_depth() -> Check:
    """Jobs waiting in the jobs' RQ queue (``services.jobs.QUEUE``) and jobs failed.

    "not configured" without ``REDIS_URL``.
    """
    client = redis_client()
    if client is None:
        return {"status": NOT_CONFIGURED}
    from rq import Queue

    from matchmaker.services import jobs

    try:
        queues = [Queue(jobs.QUEUE, connection=client)]
        depth = {queue.name: queue.count for queue in queues}
        failed = {queue.name: queue.failed_job_registry.count for queue in queues}
    except Exception as error:  # noqa: BLE001
        return _failure(error)
    finally:
        client.close()
    return {"status": OK, "waiting": depth, "failed": failed}
