"""Background jobs on a real Redis (database 15, emptied around each test), and in-process without it.

A burst ``SimpleWorker`` runs the queued jobs inside the test, as ``matchmaker worker`` would.
"""

from __future__ import annotations

import logging
import shutil
import signal
import socket

import pytest
import sqlalchemy as sa
from flask import g

from matchmaker.extensions import db
from matchmaker.models import OutboxMessage, Role
from matchmaker.services import jobs
from matchmaker.services.matching import model as matching_model
from matchmaker.services.messaging import mail
from matchmaker.services.search import index as search

REDIS_TEST_URL = "redis://127.0.0.1:6379/15"


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


LOCK = "matchmaker-tests:jobs-lock"


def _clear(conn) -> None:
    for key in conn.scan_iter():
        if key.decode() != LOCK:
            conn.delete(key)


@pytest.fixture
def redis_jobs(app):
    """The app with its jobs on Redis database 15 (retries at once, so a burst worker sees them all).

    A lock in that database keeps two test runs (SQLite and PostgreSQL at once) from sharing the queue.
    """
    from redis import Redis

    conn = Redis.from_url(REDIS_TEST_URL, socket_connect_timeout=1)
    try:
        conn.ping()
    except Exception as error:  # noqa: BLE001
        pytest.skip(f"no Redis answers at {REDIS_TEST_URL}: {error}")
    lock = conn.lock(LOCK, timeout=600, blocking_timeout=900)
    assert lock.acquire(), "another test run held the jobs database for 15 minutes"
    try:
        _clear(conn)
        app.config.update(REDIS_URL=REDIS_TEST_URL, JOB_RETRY_INTERVALS=[0, 0, 0])
        yield conn
        _clear(conn)
    finally:
        lock.release()
        conn.close()


def _work(app) -> None:
    """Run every queued job (and its retries) in this process, then stop."""
    from rq import SimpleWorker

    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        with app.app_context():
            conn = jobs.connection()
            SimpleWorker([jobs._queue(conn)], connection=conn).work(burst=True)
    finally:
        for (
            sig,
            handler,
        ) in saved.items():  # the worker's own handlers would swallow Ctrl-C
            signal.signal(sig, handler)


def _fail_smtp(app) -> None:
    state = app.extensions["mailman"]
    app.config.update(MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_USE_TLS=False)
    state.backend, state.server, state.port, state.use_tls = (
        "smtp",
        "127.0.0.1",
        _closed_port(),
        False,
    )


def _mail_row() -> OutboxMessage:
    db.session.rollback()  # what the worker committed
    return db.session.scalar(sa.select(OutboxMessage))


def _send(app, make_user, request_id: str | None = None) -> OutboxMessage:
    with app.test_request_context():
        if request_id:
            g.request_id = request_id
        return mail.send_mail(
            "nguoi.nhan@demo.cantho.example",
            "Xác nhận email",
            "verify_email",
            user=make_user(),
            link="http://x/l",
        )


@pytest.mark.parallel  # SQLite on a database file, as the worker and the web share it
def test_queued_mail_is_sent_by_the_worker(app, redis_jobs, make_user, outbox):
    _send(app, make_user, request_id="req-42")
    queued = jobs._queue(redis_jobs).jobs
    assert [j.meta["name"] for j in queued] == ["mail"]
    assert queued[0].meta["request_id"] == "req-42"
    assert outbox == [] and not _mail_row().sent  # nothing sent during the request
    _work(app)
    assert len(outbox) == 1 and outbox[0].to == ["nguoi.nhan@demo.cantho.example"]
    assert _mail_row().sent
    finished = jobs.overview().jobs["finished"]
    assert [e.name for e in finished] == ["mail"] and finished[0].ended_at


@pytest.mark.parallel
def test_failed_job_is_retried_then_listed_and_retried_by_an_admin(
    app, redis_jobs, make_user, auth, client, outbox
):
    _fail_smtp(app)
    _send(app, make_user)
    _work(app)  # the first try and its three retries all fail
    failed = jobs.overview().jobs["failed"]
    assert len(failed) == 1 and failed[0].retries_left == 0
    assert "ConnectionRefusedError" in failed[0].error
    assert _mail_row().error and not _mail_row().sent

    auth.login_as(Role.ADMIN)
    page = client.get("/admin/jobs").get_data(as_text=True)
    assert 'id="jobs-failed"' in page and "ConnectionRefusedError" in page
    assert f"/admin/jobs/{failed[0].id}/retry" in page

    app.extensions["mailman"].backend = "locmem"  # the mail server is back
    response = client.post(f"/admin/jobs/{failed[0].id}/retry")
    assert response.status_code == 302
    assert [j.id for j in jobs._queue(redis_jobs).jobs] == [failed[0].id]
    _work(app)
    assert len(outbox) == 1 and _mail_row().sent and _mail_row().error is None
    assert jobs.overview().jobs["failed"] == []


def test_retrying_an_unknown_job_changes_nothing(app, redis_jobs, auth, client):
    auth.login_as(Role.ADMIN)
    response = client.post("/admin/jobs/not-a-job/retry", follow_redirects=True)
    assert "Không có tác vụ thất bại nào như vậy" in response.get_data(as_text=True)
    assert jobs._queue(redis_jobs).count == 0


@pytest.mark.parametrize("role", [Role.OFFICIAL, Role.RESEARCHER, Role.ENTERPRISE])
def test_only_administrators_see_or_retry_jobs(app, redis_jobs, auth, client, role):
    auth.login_as(role)
    assert client.get("/admin/jobs").status_code == 403
    assert client.post("/admin/jobs/x/retry").status_code == 403


def test_without_redis_the_same_job_runs_in_the_request(app, make_user, outbox):
    assert not jobs.configured()
    record = _send(app, make_user)
    assert record.sent and len(outbox) == 1
    assert [e.name for e in jobs.overview().local] == ["mail"]


def test_without_redis_the_page_says_jobs_run_in_process(app, auth, client, make_user):
    _send(app, make_user)
    auth.login_as(Role.ADMIN)
    page = client.get("/admin/jobs").get_data(as_text=True)
    assert 'id="jobs-in-process"' in page and 'id="jobs-local-finished"' in page
    assert "/retry" not in page


def test_redis_down_at_enqueue_the_request_still_succeeds(
    app, make_user, client, outbox, caplog
):
    app.config["REDIS_URL"] = f"redis://127.0.0.1:{_closed_port()}/0"
    user = make_user()
    with caplog.at_level(logging.WARNING, logger="matchmaker.services.jobs"):
        response = client.post("/auth/forgot", data={"email": user.email})
    assert response.status_code in (200, 302)
    assert len(outbox) == 1  # sent in-process instead
    assert "Redis unavailable" in caplog.text
    with app.test_request_context():
        assert not jobs.available()


def test_admin_page_says_when_redis_cannot_be_reached(app, auth, client):
    app.config["REDIS_URL"] = f"redis://127.0.0.1:{_closed_port()}/0"
    auth.login_as(Role.ADMIN)
    response = client.get("/admin/jobs")
    assert response.status_code == 200
    assert 'id="jobs-unreachable"' in response.get_data(as_text=True)


@pytest.mark.parallel
def test_refit_is_queued_and_swapped_in_by_the_worker(app, redis_jobs):
    assert not matching_model.model_path().exists()
    matching_model._start_background_refit(matching_model._live())
    assert (
        matching_model._live().thread is None
    )  # queued, not a thread of the web process
    assert matching_model.model_state().refitting  # the lock is held until the job ends
    assert not matching_model.model_path().exists()
    _work(app)
    assert matching_model.model_path().exists()
    assert not matching_model.model_state().refitting


@pytest.mark.parallel
def test_deleted_search_index_is_rebuilt_by_a_job(app, redis_jobs):
    search.rebuild()
    shutil.rmtree(search.index_path())
    outcome = search.find("mặn", {})
    assert outcome.rebuilding  # search says so, and never waits for the rebuild
    assert search.is_rebuilding()
    assert [j.meta["name"] for j in jobs._queue(redis_jobs).jobs] == ["search.rebuild"]
    _work(app)
    assert not search.is_rebuilding()
    assert search.health().ok
    assert search.find("mặn", {}).result is not None


def test_secrets_are_masked_in_tracebacks(app):
    app.config["MAIL_PASSWORD"] = "hunter2-secret"
    text = jobs.scrub(
        "OperationalError: postgresql://matchmaker:pa55@db/x failed; login hunter2-secret"
    )
    assert "pa55" not in text and "hunter2-secret" not in text
    assert "postgresql://***@db/x" in text


@pytest.mark.parallel
def test_a_rebuild_started_by_a_worker_job_runs_inside_that_job(app, redis_jobs):
    search.rebuild()
    shutil.rmtree(search.index_path())
    jobs.enqueue(
        "search.update", "matchmaker.services.search.index.sync", [("project", 1)]
    )
    _work(
        app
    )  # the update finds no index, starts a rebuild: inline, not a thread the worker would cut short
    assert [j.meta["name"] for j in jobs._queue(redis_jobs).jobs] == []
    assert not search.is_rebuilding() and search.health().ok
