"""/healthz and /readyz: JSON, 200 or 503, no sign-in, no cookie, no rate limit, no secrets."""

from __future__ import annotations

import socket

import pytest
import redis

from matchmaker import create_app
from matchmaker.config import TestConfig
from matchmaker.extensions import db, limiter
from matchmaker.services import jobs
from matchmaker.services.search import index as search

REDIS_URL = "redis://127.0.0.1:6379/0"


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _redis_answers() -> bool:
    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


def test_healthz_answers_without_looking_at_anything(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}
    assert response.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response.headers


def test_readyz_is_503_until_the_search_index_exists(client):
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "unavailable"
    assert body["checks"]["search_index"]["status"] == "missing"
    assert body["checks"]["database"]["status"] == "ok"

    search.rebuild()
    response = client.get("/readyz")
    body = response.get_json()
    assert response.status_code == 200, body
    assert body["status"] == "ok"
    assert body["checks"]["search_index"] == {
        "status": "ok",
        "documents": 0,
        "rebuilding": False,
    }
    # No model yet: reported, not failed (the first matching request builds it).
    assert body["checks"]["matching_model"]["status"] == "missing"
    assert body["checks"]["redis"] == {"status": "not configured"}
    assert body["checks"]["queue"] == {"status": "not configured"}
    assert "Set-Cookie" not in response.headers


def test_readyz_is_503_when_the_database_is_unreachable(tmp_path):
    port = _closed_port()

    class Unreachable(TestConfig):
        SQLALCHEMY_DATABASE_URI = (
            f"postgresql+psycopg://matchmaker:s3cret-pw@127.0.0.1:{port}/nowhere"
        )
        MATCHMAKER_DATA_DIR = str(tmp_path)

    app = create_app(Unreachable)
    with app.app_context():
        search.get_index().create()  # the index is there: only the database is missing
        response = app.test_client().get("/readyz")
        db.engine.dispose()
    body = response.get_json()
    assert response.status_code == 503
    assert body["checks"]["database"]["status"] == "unavailable"
    assert body["checks"]["search_index"]["status"] == "ok"
    # Its words only: a number in the body (a duration) may contain the port's digits by chance.
    words = " ".join(_strings(body))
    assert (
        "s3cret-pw" not in words
        and str(port) not in words
        and "matchmaker@" not in words
    )
    # Alive all the same: the load balancer must not restart a process because PostgreSQL is down.
    assert app.test_client().get("/healthz").status_code == 200


def test_readyz_is_503_when_redis_is_configured_but_down(app, client):
    search.rebuild()
    app.config["REDIS_URL"] = f"redis://127.0.0.1:{_closed_port()}/0"
    response = client.get("/readyz")
    body = response.get_json()
    assert response.status_code == 503
    assert body["checks"]["redis"] == {
        "status": "unavailable",
        "error": "ConnectionError",
    }


def test_readyz_with_the_real_redis(app, client):
    if not _redis_answers():
        pytest.skip(
            f"no Redis answers at {REDIS_URL} (start redis-server to run this test)"
        )
    search.rebuild()
    app.config["REDIS_URL"] = REDIS_URL
    body = client.get("/readyz").get_json()
    assert body["status"] == "ok" and body["checks"]["redis"] == {"status": "ok"}
    queue = body["checks"]["queue"]
    assert queue["status"] == "ok" and jobs.QUEUE in queue["waiting"]


def test_probes_are_never_rate_limited(tmp_path):
    class Limited(TestConfig):
        MATCHMAKER_DATA_DIR = str(tmp_path)
        RATELIMIT_DEFAULT = "2 per minute"

    app = create_app(Limited)
    try:
        with app.app_context():
            db.create_all()
            client = app.test_client()
            for _ in range(4):
                assert client.get("/healthz").status_code == 200
                assert client.get("/readyz").status_code == 503  # no index here
                assert client.get("/metrics").status_code == 200
            # The default limit is in force for the pages all the same.
            codes = [client.get("/auth/login").status_code for _ in range(3)]
            db.session.remove()
            db.engine.dispose()
    finally:
        # The limiter is one object for every app: a default limit, once set, would stay for later tests.
        limiter.limit_manager.set_default_limits([])
    assert codes == [200, 200, 429]


def test_no_default_limit_is_left_behind(client):
    assert [client.get("/auth/login").status_code for _ in range(4)] == [200] * 4


def _strings(value) -> list[str]:
    """Every key and text value of a JSON document."""
    if isinstance(value, dict):
        return [k for k in value] + [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return [value] if isinstance(value, str) else []
