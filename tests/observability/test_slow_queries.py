"""The opt-in slow-query log: a statement over SLOW_QUERY_MS is logged with its endpoint, never its parameters."""

from __future__ import annotations

import io
import json
import logging

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from matchmaker.observability import logs, slow_queries

SEARCHED = "Zyxwquartz"  # a search word: it reaches the SQL as a parameter


@pytest.fixture
def slow_log(app):
    """The app logs every statement slower than ``app.config['SLOW_QUERY_MS']`` into a JSON string."""
    installed = sa.event.contains(Engine, "before_cursor_execute", slow_queries._before)
    stream = io.StringIO()
    root = logging.getLogger()
    level = root.level
    handler = logs.configure("json", "INFO", stream)
    yield app, stream
    root.removeHandler(handler)
    root.setLevel(level)
    if not installed and sa.event.contains(
        Engine, "before_cursor_execute", slow_queries._before
    ):
        sa.event.remove(Engine, "before_cursor_execute", slow_queries._before)
        sa.event.remove(Engine, "after_cursor_execute", slow_queries._after)


def _slow_lines(stream: io.StringIO) -> list[dict]:
    lines = [json.loads(line) for line in stream.getvalue().splitlines() if line]
    return [line for line in lines if line["logger"] == "matchmaker.slow_query"]


def test_a_statement_over_the_threshold_is_logged_with_its_endpoint(slow_log, client):
    app, stream = slow_log
    app.config["SLOW_QUERY_MS"] = (
        0.000001  # every statement takes longer than a nanosecond
    )
    slow_queries.init_app(app)

    assert client.get(f"/researchers/?q={SEARCHED}").status_code == 200

    lines = _slow_lines(stream)
    assert lines, "no statement was logged"
    on_page = [line for line in lines if line["endpoint"] == "researchers.index"]
    assert on_page
    assert any("researcher_profiles" in line["statement"] for line in on_page)
    for line in lines:
        assert line["level"] == "WARNING"
        assert line["duration_ms"] >= 0
        assert line["request_id"]
    # Neither the statement nor any other field carries the parameter.
    assert SEARCHED.lower() not in stream.getvalue().lower()


def test_statements_under_the_threshold_are_not_logged(slow_log, client):
    app, stream = slow_log
    app.config["SLOW_QUERY_MS"] = 60_000
    slow_queries.init_app(app)

    assert client.get(f"/researchers/?q={SEARCHED}").status_code == 200

    assert _slow_lines(stream) == []


def test_off_unless_the_setting_is_given(app):
    assert app.config["SLOW_QUERY_MS"] is None
    installed = sa.event.contains(Engine, "before_cursor_execute", slow_queries._before)
    slow_queries.init_app(app)
    assert (
        sa.event.contains(Engine, "before_cursor_execute", slow_queries._before)
        == installed
    )
