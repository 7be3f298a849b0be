"""Background jobs: on Redis with RQ when ``REDIS_URL`` is set, in this process otherwise.

A job is a plain function named by its import path (``"matchmaker.services.search.index.sync"``) and
called with plain values (ids, strings), never ORM objects; it runs in an application context of its own.

- With ``REDIS_URL``, :func:`enqueue` puts it on the ``matchmaker`` queue, with a timeout, retries with
  back-off (``JOB_RETRY_INTERVALS``, 10 s, 1 min, 5 min by default) and the request id in its meta; the
  ``matchmaker worker`` command runs it. Administrators see the queue at ``/admin/jobs`` and can retry
  a failed job.
- Without it (the embedded default of ``make run``), the function runs here: at once for short work, on
  a thread for long work (``background=True``), so that a web request never waits for a refit or rebuild.
- When Redis is configured but does not answer, the job runs here too (as without Redis) and a warning is
  logged; Redis is not tried again for ``JOB_REDIS_RETRY_SECONDS``. Running it now rather than recording
  it for later keeps every effect (mail, search entry) as prompt as the embedded platform's, and needs no
  second store that could itself be down. Jobs already queued stay in Redis and run when it returns.
- A job enqueued by a worker's job (a rebuild started by an index update) runs inline in that job.
"""

from __future__ import annotations

import importlib
import logging
import os
import re
import threading
import time
import traceback
import uuid
from collections import deque
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from flask import Flask, current_app, has_app_context

from matchmaker.extensions import db
from matchmaker.observability import logs, metrics

log = logging.getLogger(__name__)

QUEUE = "matchmaker"
EXTENSION = "matchmaker.jobs"
LOG_SIZE = 50  # in-process jobs remembered for the administrators' page
LIST_LIMIT = 50  # jobs listed per state
_in_worker: ContextVar[bool] = ContextVar("in_worker_job", default=False)
_PID = (
    os.getpid()
)  # the process that imported this module: a worker's forked work horse differs


def request_id() -> str | None:
    """The id of the request (or job) being served, carried into the jobs it enqueues."""
    return logs.current_request_id()


def in_worker_job() -> bool:
    """Whether this code runs inside a queued job (RQ's worker), where raising makes RQ retry it."""
    return _in_worker.get()


def record_job(name: str, seconds: float, ok: bool) -> None:
    """Count a finished job in the metrics (duration, failures) and log it."""
    metrics.record_job(name, seconds, ok)
    log.info("job %s %s in %.3f s", name, "done" if ok else "failed", seconds)


# --- State -----------------------------------------------------------------------------------------------


@dataclass
class Entry:
    """A job seen by the administrators' page, from RQ or from this process's log."""

    id: str
    name: str
    status: str  # queued, scheduled, started, failed, finished
    enqueued_at: datetime | None = None
    started_at: datetime | None = None
    ended_at: datetime | None = None
    traceback: str = ""
    retries_left: int | None = None

    @property
    def error(self) -> str:
        """The traceback's last line: the exception and its message."""
        lines = [line for line in self.traceback.strip().splitlines() if line.strip()]
        return lines[-1].strip() if lines else ""


@dataclass
class _State:
    url: str | None = None
    redis: Any = None
    down_until: float = 0.0
    log: deque = field(default_factory=lambda: deque(maxlen=LOG_SIZE))
    lock: threading.Lock = field(default_factory=threading.Lock)


def _state(app: Flask | None = None) -> _State:
    app = app or current_app._get_current_object()
    return app.extensions.setdefault(EXTENSION, _State())


def configured() -> bool:
    """Whether jobs go to Redis (``REDIS_URL`` is set)."""
    return bool(current_app.config.get("REDIS_URL"))


def connection():
    """The Redis connection of this app (``None`` without ``REDIS_URL``); it may be down."""
    url = current_app.config.get("REDIS_URL")
    if not url:
        return None
    state = _state()
    if state.redis is None or state.url != url:
        from redis import Redis

        state.redis = Redis.from_url(url, socket_connect_timeout=1, socket_timeout=5)
        state.url = url
    return state.redis


def _queue(conn):
    from rq import Queue

    return Queue(QUEUE, connection=conn)


def available() -> bool:
    """Whether Redis is configured and answers now."""
    conn = connection()
    if conn is None:
        return False
    try:
        conn.ping()
    except Exception:  # noqa: BLE001 — any failure to reach Redis means "not now"
        return False
    return True


# --- Enqueueing ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Handle:
    """Where a job went: its RQ id, or the thread running it here (``None`` once it ran inline)."""

    id: str | None = None
    thread: threading.Thread | None = None

    @property
    def queued(self) -> bool:
        return self.id is not None and self.thread is None


def enqueue(
    name: str,
    func_path: str,
    *args: Any,
    background: bool = False,
    timeout: int | None = None,
    **kwargs: Any,
) -> Handle:
    """Run ``func_path(*args, **kwargs)`` as the job ``name``: on Redis, or here (see the module). Never raises."""
    app = current_app._get_current_object()
    state = _state(app)
    conn = connection()
    if _in_worker.get():
        # Already in the background (a worker's job): run it inline, before the job ends.
        _run_here(app, name, func_path, args, kwargs)
        return Handle()
    if conn is not None and time.monotonic() >= state.down_until:
        from rq import Retry

        intervals = list(app.config.get("JOB_RETRY_INTERVALS", [10, 60, 300]))
        try:
            job = _queue(conn).enqueue_call(
                "matchmaker.services.jobs.execute",
                args=(name, func_path, *args),
                kwargs=kwargs,
                timeout=timeout or int(app.config.get("JOB_TIMEOUT", 600)),
                result_ttl=int(app.config.get("JOB_RESULT_TTL", 24 * 3600)),
                failure_ttl=int(app.config.get("JOB_FAILURE_TTL", 7 * 24 * 3600)),
                description=name,
                meta={"name": name, "request_id": request_id()},
                retry=Retry(max=len(intervals), interval=intervals)
                if intervals
                else None,
            )
        except Exception as error:  # noqa: BLE001 — Redis down must never fail the request
            state.down_until = time.monotonic() + float(
                app.config.get("JOB_REDIS_RETRY_SECONDS", 15)
            )
            log.warning(
                "Redis unavailable (%s): job %s runs in this process", error, name
            )
        else:
            return Handle(id=job.id)
    if background:
        thread = threading.Thread(
            target=_run_in_thread,
            args=(app, request_id(), name, func_path, args, kwargs),
            name=f"job-{name}",
            daemon=True,
        )
        thread.start()
        return Handle(thread=thread)
    _run_here(app, name, func_path, args, kwargs)
    return Handle()


def _resolve(func_path: str) -> Callable[..., Any]:
    module, _, attribute = func_path.rpartition(".")
    if not module.startswith("matchmaker."):
        raise ValueError(f"not a matchmaker function: {func_path}")
    return getattr(importlib.import_module(module), attribute)


def _run_here(app: Flask, name: str, func_path: str, args: tuple, kwargs: dict) -> bool:
    """Run a job in the current context, recorded in this process's log; never raises."""
    state = _state(app)
    entry = Entry(
        id=uuid.uuid4().hex, name=name, status="started", enqueued_at=datetime.now(UTC)
    )
    entry.started_at = entry.enqueued_at
    with state.lock:
        state.log.appendleft(entry)
    start = time.perf_counter()
    try:
        _resolve(func_path)(*args, **kwargs)
    except Exception:  # noqa: BLE001 — a job run for a request must not fail it
        db.session.rollback()
        log.exception("job %s failed", name)
        entry.status, entry.traceback = "failed", scrub(traceback.format_exc())
        ok = False
    else:
        entry.status, ok = "finished", True
    entry.ended_at = datetime.now(UTC)
    record_job(name, time.perf_counter() - start, ok)
    return ok


def _run_in_thread(
    app: Flask,
    request_id: str | None,
    name: str,
    func_path: str,
    args: tuple,
    kwargs: dict,
) -> None:
    with app.app_context(), logs.request_id_bound(request_id):
        try:
            _run_here(app, name, func_path, args, kwargs)
        finally:
            db.session.remove()


def execute(name: str, func_path: str, *args: Any, **kwargs: Any) -> Any:
    """The RQ job: ``func_path(*args, **kwargs)`` in an application context of its own.

    The worker (``matchmaker worker``) has pushed the app's context; a test's burst worker runs inside the
    test's. An exception fails the job, and RQ retries it with back-off.
    """
    from rq import get_current_job

    app = current_app._get_current_object() if has_app_context() else _worker_app()
    job = get_current_job()
    start = time.perf_counter()
    ok = False
    with app.app_context():
        if os.getpid() != _PID:
            # A forked work horse: never use the parent's pooled database connections.
            db.engine.dispose(close=False)
        token = _in_worker.set(True)
        try:
            with logs.request_id_bound(job.meta.get("request_id") if job else None):
                result = _resolve(func_path)(*args, **kwargs)
            ok = True
            return result
        finally:
            _in_worker.reset(token)
            db.session.remove()
            record_job(name, time.perf_counter() - start, ok)


def _worker_app() -> Flask:
    from matchmaker import create_app

    return create_app()


REDIS_WAIT_MAX_SECONDS = 30  # longest pause between two tries to reach Redis again
# RQ's scheduler (a process of the worker) moves retries and delayed jobs to the queue. It dies when Redis
# goes away, and RQ starts it again only in its maintenance pass, every 10 minutes by default: until
# then no retry runs. Every 30 s, a scheduler lost with Redis is back half a minute after Redis is.
WORKER_MAINTENANCE_SECONDS = 30


def run_worker(burst: bool = False) -> bool:
    """Run an RQ worker on the app's queue until stopped (or, with ``burst``, until it is empty).

    RQ's worker quits when it loses Redis (a restart, a failover): it logs the error and returns. This
    one then waits for Redis to answer (pausing 1 s, 2 s, ... up to ``REDIS_WAIT_MAX_SECONDS``) and starts
    a new worker, so that the jobs still queued run once Redis is back; it ends only when asked to
    (SIGTERM, SIGINT) or, in burst mode, when the queue is empty. A job cut off with the connection is
    found by RQ's registry clean-up and retried (``JOB_RETRY_INTERVALS``); the clean-up, and the restart
    of a scheduler that died with the connection, run every ``WORKER_MAINTENANCE_SECONDS``.
    """
    from rq import Worker
    from rq.exceptions import StopRequested

    conn = connection()
    if conn is None:
        raise RuntimeError("REDIS_URL is not set: jobs run inside the web process")
    worked = False
    while True:
        worker = Worker(
            [_queue(conn)],
            connection=conn,
            maintenance_interval=WORKER_MAINTENANCE_SECONDS,
        )
        try:
            worked = worker.work(burst=burst, with_scheduler=True) or worked
        except StopRequested:
            return worked
        except Exception as error:  # noqa: BLE001 — RQ's own teardown needs Redis too
            if burst or worker._stop_requested:
                raise
            log.warning("the job worker stopped: %s", error)
        if burst or worker._stop_requested:
            return worked
        log.warning(
            "the job worker lost Redis or failed; it starts again once Redis answers"
        )
        try:
            time.sleep(1)
            _wait_for_redis(conn)
        except (
            StopRequested
        ):  # SIGTERM while waiting (the last worker's handler raises it)
            return worked


def _wait_for_redis(conn) -> None:
    """Return once Redis answers a ping, trying again with a growing pause."""
    from redis.exceptions import RedisError

    pause = 1.0
    while True:
        try:
            conn.ping()
        except (RedisError, OSError):  # still down
            time.sleep(pause)
            pause = min(pause * 2, REDIS_WAIT_MAX_SECONDS)
        else:
            return


# --- For administrators ----------------------------------------------------------------------------------


_CREDENTIALS = re.compile(
    r"(?P<scheme>[a-z][a-z0-9+.-]*://)[^/\s:@]+(:[^/\s@]*)?@", re.I
)


def scrub(text: str) -> str:
    """A traceback without secrets: credentials in URLs and the app's configured secrets masked."""
    text = _CREDENTIALS.sub(r"\g<scheme>***@", text)
    if has_app_context():
        for key in ("SECRET_KEY", "MAIL_PASSWORD"):
            secret = current_app.config.get(key)
            if secret and len(str(secret)) >= 4:
                text = text.replace(str(secret), "***")
    return text


def _aware(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _traceback(job) -> str:
    result = job.latest_result()
    return (result.exc_string or "") if result is not None else ""


def _entry(job, status: str) -> Entry:
    return Entry(
        id=job.id,
        name=job.meta.get("name") or job.description or job.func_name,
        status=status,
        enqueued_at=_aware(job.enqueued_at),
        started_at=_aware(job.started_at),
        ended_at=_aware(job.ended_at),
        traceback=scrub(_traceback(job)) if status == "failed" else "",
        retries_left=job.retries_left,
    )


@dataclass(frozen=True)
class Overview:
    """What the administrators' page shows: where jobs run, and the jobs by state."""

    configured: bool
    reachable: bool
    jobs: dict[
        str, list[Entry]
    ]  # queued, scheduled, started, failed, finished (empty without Redis)
    local: list[Entry]  # this process's own recent jobs


STATES = ("failed", "started", "queued", "scheduled", "finished")


def overview() -> Overview:
    """The queue's jobs by state (newest first), and this process's in-process log."""
    from rq.job import Job
    from rq.registry import (
        FailedJobRegistry,
        FinishedJobRegistry,
        ScheduledJobRegistry,
        StartedJobRegistry,
    )

    state = _state()
    with state.lock:
        local = list(state.log)
    jobs: dict[str, list[Entry]] = {name: [] for name in STATES}
    conn = connection()
    if conn is None:
        return Overview(False, False, jobs, local)
    try:
        queue = _queue(conn)
        ids = {
            "queued": queue.get_job_ids(0, LIST_LIMIT - 1),
            "started": StartedJobRegistry(queue=queue).get_job_ids(0, LIST_LIMIT - 1),
            "scheduled": ScheduledJobRegistry(queue=queue).get_job_ids(
                0, LIST_LIMIT - 1
            ),
            "failed": FailedJobRegistry(queue=queue).get_job_ids(0, LIST_LIMIT - 1),
            "finished": FinishedJobRegistry(queue=queue).get_job_ids(0, LIST_LIMIT - 1),
        }
        for status, job_ids in ids.items():
            found = [j for j in Job.fetch_many(job_ids, connection=conn) if j]
            jobs[status] = sorted(
                (_entry(job, status) for job in found),
                key=lambda e: (
                    e.ended_at or e.enqueued_at or datetime.min.replace(tzinfo=UTC)
                ),
                reverse=True,
            )
    except Exception:  # noqa: BLE001 — the page says Redis cannot be reached
        log.warning("could not read the job queue", exc_info=True)
        return Overview(True, False, {name: [] for name in STATES}, local)
    return Overview(True, True, jobs, local)


def retry(job_id: str) -> bool:
    """Put a failed job back on the queue; ``False`` if there is no such failed job (or no Redis)."""
    from rq.registry import FailedJobRegistry

    conn = connection()
    if conn is None:
        return False
    registry = FailedJobRegistry(queue=_queue(conn))
    try:
        if job_id not in registry.get_job_ids():
            return False
        registry.requeue(job_id)
    except Exception:  # noqa: BLE001 — gone meanwhile, or Redis down: nothing was requeued
        log.warning("could not requeue job %s", job_id, exc_info=True)
        return False
    return True
