"""Jobs when what they need fails: the worker outlives a Redis restart; an index update lost to a database
outage is retried by the queue. The machine's shared Redis is never stopped: a throwaway redis-server is.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from matchmaker import create_app
from matchmaker.config import TestConfig
from matchmaker.extensions import db
from matchmaker.services import jobs
from matchmaker.services.search import index as search

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait(check, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if check():
                return True
        except Exception:  # noqa: BLE001 — not yet
            pass
        time.sleep(0.1)
    return False


class ThrowawayRedis:
    """A redis-server of this test alone, on a free port, that the test may stop and start."""

    def __init__(self, folder: Path) -> None:
        self.port = _free_port()
        self.folder = folder
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.folder)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        from redis import Redis

        conn = Redis.from_url(self.url, socket_connect_timeout=1)
        assert _wait(conn.ping, 10), "the throwaway redis-server did not start"
        conn.close()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)


@pytest.fixture
def throwaway_redis(tmp_path):
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
    redis = ThrowawayRedis(tmp_path)
    redis.start()
    yield redis
    redis.stop()


def test_the_worker_outlives_a_redis_restart_and_runs_the_next_job(
    throwaway_redis, tmp_path
):
    index = tmp_path / "index"
    settings = {
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/jobs.db",
        "REDIS_URL": throwaway_redis.url,
        "SEARCH_INDEX_PATH": str(index),
        "MATCHMAKER_DATA_DIR": str(tmp_path),
    }
    app = create_app(type("Config", (TestConfig,), settings))
    with app.app_context():
        db.create_all()
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": settings["SQLALCHEMY_DATABASE_URI"],
        "REDIS_URL": throwaway_redis.url,
        "SEARCH_INDEX_PATH": str(index),
        "SECRET_KEY": "worker-test-secret",
    }
    worker = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "matchmaker", "worker"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        from redis import Redis

        conn = Redis.from_url(throwaway_redis.url, socket_connect_timeout=1)
        assert _wait(lambda: conn.smembers("rq:workers"), 60), (
            "the worker never started"
        )
        throwaway_redis.stop()
        time.sleep(3)
        assert worker.poll() is None, "the worker quit when Redis went away"
        throwaway_redis.start()
        # Back: the worker (RQ's, or a new one started by `matchmaker worker`) runs what is queued now.
        with app.app_context():
            marker = tmp_path / "rebuilding"
            marker.touch()
            handle = jobs.enqueue(
                "search.rebuild",
                "matchmaker.services.search.index.rebuild_job",
                str(marker),
            )
            assert handle.queued
            assert _wait(lambda: not marker.exists(), 60), "the job never ran"
            assert search.health().ok
        conn.close()
    finally:
        worker.terminate()
        try:
            worker.wait(30)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait(10)


@pytest.fixture
def database_down_app(tmp_path):
    """An app whose PostgreSQL does not answer (nobody listens on its port)."""
    url = f"postgresql+psycopg://matchmaker@127.0.0.1:{_free_port()}/gone"
    app = create_app(
        type(
            "Config",
            (TestConfig,),
            {"SQLALCHEMY_DATABASE_URI": url, "MATCHMAKER_DATA_DIR": str(tmp_path)},
        )
    )
    with app.app_context():
        yield app
        db.engine.dispose()


def test_an_index_update_lost_to_a_database_outage_fails_its_job_so_the_queue_retries_it(
    database_down_app,
):
    # In the web process (no queue behind it) the update never raises: the request has committed.
    assert search.sync([("need", 1)]) is False
    # In a queued job it could neither be written nor remembered: failing the job makes RQ retry it.
    token = jobs._in_worker.set(True)
    try:
        with pytest.raises(sa.exc.OperationalError):
            search.sync([("need", 1)])
    finally:
        jobs._in_worker.reset(token)
