"""psycopg waits for PostgreSQL with its Python poll() loop (matchmaker/psycopg_wait.py): its C wait
function corrupted memory under threads (README, "Worker crashes")."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import sqlalchemy as sa
from psycopg import waiting

from matchmaker.extensions import db
from matchmaker.psycopg_wait import WAIT_FUNCTION, use_python_wait


def test_a_fresh_app_waits_with_psycopgs_python_loop(tmp_path):
    """In a new interpreter, psycopg imported first (as SQLAlchemy or the suite's fixtures may), then the app."""
    code = (
        "import psycopg.waiting as w, sys\n"
        "before = w.wait.__name__\n"
        "from matchmaker import create_app\n"
        "create_app({'SQLALCHEMY_DATABASE_URI': 'sqlite://', 'SECRET_KEY': 'x',"
        f" 'MATCHMAKER_DATA_DIR': {str(tmp_path)!r}}})\n"
        "print(before, w.wait.__name__)\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "PSYCOPG_WAIT_FUNC"}
    out = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert out == ["wait_c", WAIT_FUNCTION] and WAIT_FUNCTION == "wait_poll"


def test_a_psycopg_imported_before_the_app_is_switched_too(monkeypatch):
    monkeypatch.setattr(
        waiting, "wait", waiting.wait_c
    )  # psycopg's choice at its import
    monkeypatch.delenv("PSYCOPG_WAIT_FUNC", raising=False)
    assert use_python_wait() == "wait_poll"
    assert waiting.wait is waiting.wait_poll


def test_an_operators_own_choice_is_kept(monkeypatch):
    monkeypatch.setattr(waiting, "wait", waiting.wait_poll)
    monkeypatch.setenv("PSYCOPG_WAIT_FUNC", "wait_select")
    assert use_python_wait() == "wait_select"
    assert waiting.wait is waiting.wait_select


def test_queries_to_postgresql_go_through_the_chosen_wait(
    app, database_urls, monkeypatch
):
    if database_urls["kind"] != "postgresql":
        pytest.skip("SQLite has no psycopg: run with TEST_DATABASE_URL")
    calls = []
    chosen = waiting.wait

    def counted(*args, **kwargs):
        calls.append(chosen.__name__)
        return chosen(*args, **kwargs)

    monkeypatch.setattr(waiting, "wait", counted)
    assert db.session.execute(sa.text("SELECT 41 + 1")).scalar() == 42
    assert calls and set(calls) == {"wait_poll"}
