"""Rate limits in Redis are one count for every process: what one worker counted, another enforces.

Two app instances in two processes (as two gunicorn workers are): the second process fails to sign in
three times, then this one may fail twice more before the limit (5 per minute) answers 429. With the
in-memory store the other process's failures do not count, which this test checks too.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import textwrap
import uuid

import pytest
import redis

from matchmaker import create_app
from matchmaker.config import TestConfig, ratelimit_storage_uri
from matchmaker.extensions import db, limiter

REDIS_URL = "redis://127.0.0.1:6379/0"
EMAIL = "nobody@demo.cantho.example"

OTHER_WORKER = textwrap.dedent(
    """
    import sys
    from matchmaker import create_app
    from matchmaker.config import TestConfig
    from matchmaker.extensions import db

    class Worker(TestConfig):
        RATELIMIT_STORAGE_URI = sys.argv[1]
        RATELIMIT_KEY_PREFIX = sys.argv[2]
        MATCHMAKER_DATA_DIR = sys.argv[3]

    app = create_app(Worker)
    with app.app_context():
        db.create_all()
    client = app.test_client()
    for _ in range(3):
        answer = client.post("/auth/login", data={"email": sys.argv[4], "password": "wrong-guess"})
        assert answer.status_code == 200, answer.status_code
    """
)


@pytest.fixture
def redis_url() -> str:
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError as error:
        pytest.skip(
            f"no Redis answers at {REDIS_URL} ({error}); start redis-server to run this test"
        )
    return REDIS_URL


def _failures_then_limit(storage: str, tmp_path) -> list[int]:
    """Three failed sign-ins in another process, then three here; the status codes of this process's."""
    prefix = f"matchmaker-test-{uuid.uuid4().hex}"
    subprocess.run(
        [sys.executable, "-c", OTHER_WORKER, storage, prefix, str(tmp_path), EMAIL],
        check=True,
        timeout=60,
    )

    class ThisWorker(TestConfig):
        RATELIMIT_STORAGE_URI = storage
        RATELIMIT_KEY_PREFIX = prefix
        MATCHMAKER_DATA_DIR = str(tmp_path)

    app = create_app(ThisWorker)
    try:
        with app.app_context():
            db.create_all()
            client = app.test_client()
            return [
                client.post(
                    "/auth/login", data={"email": EMAIL, "password": "wrong-guess"}
                ).status_code
                for _ in range(3)
            ]
    finally:
        with app.app_context():
            db.engine.dispose()
        # The limiter is one object for every app and keeps the first key prefix it was given.
        limiter._key_prefix = ""


def test_two_processes_share_a_limit_in_redis(redis_url, tmp_path):
    assert _failures_then_limit(redis_url, tmp_path) == [200, 200, 429]


def test_in_memory_each_process_counts_alone(tmp_path):
    assert _failures_then_limit("memory://", tmp_path) == [200, 200, 200]


def test_redis_url_is_the_default_store():
    assert ratelimit_storage_uri(None, "redis://cache:6379/1") == "redis://cache:6379/1"
    assert ratelimit_storage_uri("memcached://m:11211", "redis://cache:6379/1") == (
        "memcached://m:11211"
    )
    assert ratelimit_storage_uri(None, None) == "memory://"


def test_sign_in_still_works_while_redis_is_down(tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]

    class RedisDown(TestConfig):
        RATELIMIT_STORAGE_URI = f"redis://127.0.0.1:{closed}/0"
        MATCHMAKER_DATA_DIR = str(tmp_path)

    app = create_app(RedisDown)
    with app.app_context():
        db.create_all()
        client = app.test_client()
        codes = [
            client.post(
                "/auth/login", data={"email": EMAIL, "password": "wrong-guess"}
            ).status_code
            for _ in range(6)
        ]
        db.session.remove()
        db.engine.dispose()
    # Counted in memory meanwhile: the limit still answers, and nothing failed.
    assert codes == [200] * 5 + [429]
