"""Logs: JSON lines carrying the request id; no password, token, e-mail address or credential in them."""

from __future__ import annotations

import io
import json
import logging

import pytest
from flask import current_app, request

from matchmaker.observability import logs
from matchmaker.services.accounts import tokens
from tests.fixtures.constants import PASSWORD


@pytest.fixture
def log_stream():
    """The root logger also writes, through the app's own JSON handler, into a string; removed after."""
    stream = io.StringIO()
    root = logging.getLogger()
    level = root.level
    handler = logs.configure("json", "INFO", stream)
    yield stream
    root.removeHandler(handler)
    root.setLevel(level)


def _lines(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line]


@pytest.fixture
def careless_logging(app):
    """A hook that logs everything a request carries, as a careless line of code might.

    It runs right after the request id is assigned, before the other hooks, so requests the API's token
    check refuses are logged too.
    """

    def log_everything() -> None:
        current_app.logger.warning(
            "request %s form=%s headers=%s",
            request.full_path,
            request.form.to_dict(),
            dict(request.headers),
        )

    hooks = app.before_request_funcs.setdefault(None, [])
    first = [hook.__name__ for hook in hooks].index("assign_request_id") + 1
    hooks.insert(first, log_everything)
    return app


def test_every_line_of_a_request_carries_its_id(careless_logging, client, log_stream):
    first = client.get("/auth/login")
    second = client.get("/")
    lines = _lines(log_stream)
    ids = {line["request_id"] for line in lines}
    assert ids == {first.headers["X-Request-ID"], second.headers["X-Request-ID"]}
    assert len(ids) == 2
    for line in lines:
        assert {"time", "level", "logger", "message", "request_id"} <= set(line)
        assert line["level"] == "WARNING" and line["logger"] == "matchmaker"


def test_no_secret_reaches_the_log(
    careless_logging, client, make_user, log_stream, caplog
):
    user = make_user()
    reset_token = tokens.make_token(user, tokens.RESET)
    bearer = "mm_live_4f9a0c2e7b1d4e8f9a6b3c5d7e9f1a2b"
    caplog.set_level(logging.INFO)

    client.post("/auth/login", data={"email": user.email, "password": PASSWORD})
    client.post(
        "/auth/login", data={"email": user.email, "password": "Wrong-guess-2026"}
    )
    client.get(f"/auth/reset/{reset_token}?next=/&token={reset_token}")
    client.get(
        "/api/v1/orders?api_key=k-93f1a7c2e6b4",
        headers={"Authorization": f"Bearer {bearer}", "X-CSRFToken": "IjQ5Zj.Zz1.abc"},
    )

    # The records themselves hold every secret (so this test can fail) ...
    raw = "\n".join(record.getMessage() for record in caplog.records)
    for secret in (PASSWORD, reset_token, bearer, user.email):
        assert secret in raw
    # ... and the lines written hold none of them.
    written = log_stream.getvalue()
    assert len(_lines(log_stream)) >= 4
    for secret in (
        PASSWORD,
        "Wrong-guess-2026",
        reset_token,
        reset_token.split(".")[-1],
        bearer,
        user.email,
        "k-93f1a7c2e6b4",
        "IjQ5Zj.Zz1.abc",
    ):
        assert secret not in written, secret
    assert "/auth/reset/[redacted]" in written and "[redacted]" in written


def test_an_exception_logged_is_redacted_too(log_stream):
    try:
        raise ValueError("cannot send to someone@example.vn with password=hunter2-x")
    except ValueError:
        logging.getLogger("matchmaker.test").exception("mail failed")
    written = log_stream.getvalue()
    assert "someone@example.vn" not in written and "hunter2-x" not in written
    assert "ValueError" in _lines(log_stream)[0]["exc_info"]


def test_a_client_request_id_is_ignored_without_a_trusted_header(client):
    response = client.get("/healthz", headers={"X-Request-ID": "from-the-client-123"})
    assert response.headers["X-Request-ID"] != "from-the-client-123"
    assert len(response.headers["X-Request-ID"]) == 32


def test_a_trusted_proxy_header_gives_the_request_id(tmp_path):
    from matchmaker import create_app
    from matchmaker.config import TestConfig

    class Proxied(TestConfig):
        MATCHMAKER_DATA_DIR = str(tmp_path)
        REQUEST_ID_HEADER = "X-Amzn-Trace-Id"

    client = create_app(Proxied).test_client()
    trusted = client.get("/healthz", headers={"X-Amzn-Trace-Id": "Root-1-abc.def"})
    assert trusted.headers["X-Request-ID"] == "Root-1-abc.def"
    # Not the configured header: ignored; a value that is not an id (spaces, quotes): replaced.
    other = client.get("/healthz", headers={"X-Request-ID": "abc"})
    assert other.headers["X-Request-ID"] != "abc"
    bad = client.get("/healthz", headers={"X-Amzn-Trace-Id": 'x" injected="1'})
    assert '"' not in bad.headers["X-Request-ID"]


def test_a_job_logs_with_the_id_of_the_request_that_queued_it(app, log_stream):
    log = logging.getLogger("matchmaker.jobs")
    with app.test_request_context("/"):
        app.preprocess_request()
        queued_by = logs.current_request_id()
    assert queued_by
    with logs.request_id_bound(queued_by):
        log.warning("sending mail")
    log.warning("outside any job")
    job_line, outside = _lines(log_stream)
    assert job_line["request_id"] == queued_by
    assert outside["request_id"] is None


def test_gunicorn_access_lines_keep_no_query_string():
    record = logging.LogRecord(
        "gunicorn.access", logging.INFO, __file__, 1, "%(r)s", None, None
    )
    record.args = {
        "m": "GET",
        "U": "/auth/reset/IjEi.Z3c4.abcdefghijklmnop1234",
        "q": "token=abc123",
        "r": "GET /auth/reset/IjEi.Z3c4.abcdefghijklmnop1234?token=abc123 HTTP/1.1",
        "s": "302",  # gunicorn gives the status as text
        "D": 12345,
        "B": 200,
        "a": "curl/8",
        "{x-request-id}o": "0123456789abcdef0123456789abcdef",
    }
    line = json.loads(logs.RedactingJsonFormatter().format(record))
    assert line["path"] == "/auth/reset/[redacted]"
    assert line["request_id"] == "0123456789abcdef0123456789abcdef"
    assert line["status"] == 302 and line["duration_ms"] == 12.3
    assert "abc123" not in json.dumps(line)


def test_text_lines_are_redacted_and_carry_the_id(app):
    stream = io.StringIO()
    handler = logs.make_handler("text", stream)
    log = logging.getLogger("matchmaker.text-test")
    log.addHandler(handler)
    try:
        with app.test_request_context("/"):
            app.preprocess_request()
            request_id = logs.current_request_id()
            log.warning("reset asked by an@example.vn, token=s3cr3t-value")
        log.warning("outside")
    finally:
        log.removeHandler(handler)
    inside, outside = stream.getvalue().splitlines()
    assert f"[{request_id}] reset asked by [redacted], token=[redacted]" in inside
    assert "[-] outside" in outside
