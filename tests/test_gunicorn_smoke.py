"""`make serve-prod`'s server for real: gunicorn with two workers on the test database, then stopped.

It answers /healthz and a page, /metrics adds up what both workers counted, and its log lines are JSON
with the request id and without the token of a reset link.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import sqlalchemy as sa

from matchmaker.extensions import db

ROOT = Path(__file__).resolve().parent.parent
START_SECONDS = (
    60  # two workers each import the app; a busy machine needs longer than a quiet one
)
PAGE_REQUESTS = 6


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _get(url: str) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url)
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # noqa: ANN002, ANN003
        return None


@pytest.fixture
def served_database(app, database_urls, tmp_path) -> str:
    """The PostgreSQL test database (its tables made by ``app``), or a SQLite file with the tables."""
    if database_urls["kind"] == "postgresql":
        return database_urls["app"]
    url = f"sqlite:///{tmp_path}/served.db"
    engine = sa.create_engine(url)
    db.metadata.create_all(engine)
    engine.dispose()
    return url


@pytest.fixture
def gunicorn_server(served_database, tmp_path):
    port = _free_port()
    log = tmp_path / "gunicorn.log"
    env = {
        **os.environ,
        "MATCHMAKER_ENV": "development",
        "DATABASE_URL": served_database,
        "REDIS_URL": "",
        "SECRET_KEY": "gunicorn-smoke-test-key",
        "BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": "2",
        "GUNICORN_THREADS": "2",
        "LOG_FORMAT": "json",
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics"),
        "SEARCH_INDEX_PATH": str(tmp_path / "index"),
        "MATCHING_DIR": str(tmp_path / "model"),
        "ATTACHMENT_DIR": str(tmp_path / "attachments"),
    }
    (tmp_path / "metrics").mkdir()
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "-c",
        "python:matchmaker.gunicorn_conf",
    ]
    with log.open("w") as output:
        server = subprocess.Popen(
            [*command, "matchmaker:create_app()"],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_SECONDS
        while True:
            try:
                if _get(base + "/healthz")[0] == 200:
                    break
            except OSError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"gunicorn did not start:\n{log.read_text()}")
            time.sleep(0.2)
        yield base, log
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def test_gunicorn_serves_the_app_with_two_workers(gunicorn_server):
    base, log = gunicorn_server
    status, headers, body = _get(base + "/healthz")
    assert status == 200 and json.loads(body) == {"status": "ok"}
    assert len(headers["X-Request-ID"]) == 32

    for _ in range(PAGE_REQUESTS):
        status, headers, body = _get(base + "/")
        assert status == 200 and b"<html" in body
    page_request_id = headers["X-Request-ID"]

    token = "IjEi.aGVsbG8.c2VjcmV0LXNpZ25hdHVyZS0xMjM0"
    status, _headers, _body = _get(f"{base}/auth/reset/{token}?token={token}")
    assert status == 302

    # Both workers' counts, added up: every page request is there whichever worker served it.
    status, _headers, body = _get(base + "/metrics")
    assert status == 200
    counts = [
        line
        for line in body.decode().splitlines()
        if line.startswith("matchmaker_http_request_duration_seconds_count")
        and 'endpoint="main.index"' in line
    ]
    assert sum(float(line.rsplit(" ", 1)[1]) for line in counts) == PAGE_REQUESTS

    time.sleep(0.3)  # the access line of the last request
    lines = [json.loads(line) for line in log.read_text().splitlines() if line]
    booted = [line for line in lines if "Booting worker" in line["message"]]
    assert len(booted) == 2
    access = [line for line in lines if line["logger"] == "gunicorn.access"]
    assert page_request_id in {line["request_id"] for line in access}
    assert "/auth/reset/[redacted]" in {line["path"] for line in access}
    assert "c2VjcmV0LXNpZ25hdHVyZS0xMjM0" not in log.read_text()
