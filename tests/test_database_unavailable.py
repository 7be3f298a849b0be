"""A database that cannot be reached: a 503 page in the user's language, and recovery on the next request."""

from __future__ import annotations

import socket

import pytest
import sqlalchemy as sa

from matchmaker import create_app
from matchmaker.config import TestConfig
from matchmaker.extensions import db
from matchmaker.models import Role


def _closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(params=["postgresql", "sqlite"])
def unreachable_app(request, tmp_path):
    """An app whose database is down: a PostgreSQL port nobody answers, or a SQLite file in no folder."""
    if request.param == "postgresql":
        url = f"postgresql+psycopg://matchmaker@127.0.0.1:{_closed_port()}/gone"
    else:
        url = f"sqlite:///{tmp_path}/no-such-folder/gone.db"

    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = url
        MATCHMAKER_DATA_DIR = str(tmp_path)

    app = create_app(Config)
    yield app
    with app.app_context():
        db.engine.dispose()


def _signed_in(client) -> None:
    # The user loader reads the database on the first use of current_user: it is the query that fails.
    with client.session_transaction() as session:
        session["_user_id"] = "1:0"
        session["_fresh"] = True


def test_a_signed_in_page_is_a_503_in_vietnamese_without_traceback(unreachable_app):
    client = unreachable_app.test_client()
    _signed_in(client)
    response = client.get("/")
    page = response.get_data(as_text=True)
    assert response.status_code == 503
    assert response.headers["Retry-After"].isdigit()
    assert 'lang="vi"' in page and "cơ sở dữ liệu" in page
    assert "Traceback" not in page and "OperationalError" not in page


def test_the_503_page_follows_the_chosen_language(unreachable_app):
    client = unreachable_app.test_client()
    client.get("/lang/en")
    _signed_in(client)
    response = client.get("/")
    page = response.get_data(as_text=True)
    assert response.status_code == 503
    assert "cannot reach its database" in page and 'lang="en"' in page


def test_the_api_answers_503_json_with_its_stable_code(unreachable_app):
    response = unreachable_app.test_client().get("/api/v1/orders")
    assert response.status_code == 503
    assert response.get_json()["error"]["code"] == "database_unavailable"
    assert response.headers["Retry-After"].isdigit()


def test_a_constraint_violation_is_not_taken_for_an_outage(app, client):
    # The 503 is for a database that cannot be reached; a refused write stays what it was.
    @app.get("/_test/bad-insert")
    def bad_insert():
        db.session.execute(sa.text("INSERT INTO no_such_table VALUES (1)"))
        return "written"

    response = client.get("/_test/bad-insert")
    assert response.status_code == 500


def test_connections_killed_by_a_server_restart_are_replaced_on_the_next_request(
    app, database_urls, auth
):
    if database_urls["kind"] != "postgresql":
        pytest.skip("SQLite has no server whose connections can be killed")
    client = app.test_client()
    auth.login_as(Role.RESEARCHER)
    assert client.get("/").status_code == 200
    db.session.remove()  # the test's own session gives its connection back to the pool, as a request does
    # What a restart does to the pool: every connection of this database is closed by the server.
    name = sa.make_url(database_urls["app"]).database
    admin = sa.create_engine(
        database_urls["app"], isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool
    )
    with admin.connect() as conn:
        killed = conn.scalar(
            sa.text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = :name AND pid <> pg_backend_pid()"
            ),
            {"name": name},
        )
    admin.dispose()
    assert killed >= 1
    # pool_pre_ping finds the dead connection and opens a new one: the user never sees the restart.
    assert client.get("/").status_code == 200


def test_a_page_built_before_the_server_closed_its_connection_is_still_sent(
    app, database_urls
):
    if database_urls["kind"] != "postgresql":
        pytest.skip("SQLite has no server that can close a connection")

    @app.get("/_test/killed-after-reading")
    def killed_after_reading():
        pid = db.session.scalar(sa.text("SELECT pg_backend_pid()"))
        # The server goes away after the page's reads (a restart): closing the session rolls back on a dead
        # connection at teardown.
        killer = sa.create_engine(database_urls["app"], poolclass=sa.pool.NullPool)
        with killer.connect() as conn:
            conn.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        killer.dispose()
        return "read"

    db.session.remove()
    response = app.test_client().get("/_test/killed-after-reading")
    assert response.status_code == 200 and response.get_data(as_text=True) == "read"
