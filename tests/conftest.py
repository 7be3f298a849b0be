"""The app on SQLite or PostgreSQL, its clients and mail outbox; factories come from tests/fixtures."""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher
from flask.testing import FlaskClient
from sqlalchemy.engine import make_url

import matchmaker.models.user as user_module
from matchmaker import create_app
from matchmaker.config import TestConfig, database_url
from matchmaker.extensions import db, limiter
from matchmaker.models import User
from matchmaker.services import dashboard
from tests.fixtures.constants import PASSWORD

pytest_plugins = [
    "tests.fixtures.accounts",
    "tests.fixtures.api",
    "tests.fixtures.context",
    "tests.fixtures.dashboard",
    "tests.fixtures.enterprises",
    "tests.fixtures.hostile",
    "tests.fixtures.institutions",
    "tests.fixtures.orders",
    "tests.fixtures.researchers",
]

# Tests hash thousands of passwords: cheap Argon2 settings keep the suite fast. Production keeps
# ``user_module.PASSWORDS``'s (and a test that needs them says so).
user_module.PASSWORDS = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


def _server_url(url: str, database: str) -> str:
    return make_url(url).set(database=database).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def database_urls() -> Iterator[dict[str, str]]:
    """Database URLs for this run: in-memory SQLite, or fresh PostgreSQL databases the suite drops."""
    base = database_url(os.environ.get("TEST_DATABASE_URL"))
    if not base or base.startswith("sqlite"):
        yield {"app": base or "sqlite://", "kind": "sqlite"}
        return
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    names = {
        key: f"matchmaker_test_{uuid.uuid4().hex[:10]}_{key}"
        for key in ("app", "live", "migrations")
    }
    with admin.connect() as conn:
        for name in names.values():
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield {key: _server_url(base, name) for key, name in names.items()} | {
            "kind": "postgresql"
        }
    finally:
        with admin.connect() as conn:
            for name in names.values():
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def app(request, database_urls, tmp_path):
    """A fresh application with an empty schema, for one test.

    A test marked ``parallel`` sends requests from several threads at once: on SQLite it gets a database
    file, since in-memory SQLite is one connection that every thread would share.
    """
    url = database_urls["app"]
    if url == "sqlite://" and request.node.get_closest_marker("parallel"):
        url = f"sqlite:///{tmp_path}/parallel.db"

    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = url
        MATCHMAKER_DATA_DIR = str(tmp_path)

    app = create_app(Config)
    app.test_client_class = IsolatedClient
    with app.app_context():
        db.create_all()
        limiter.reset()
        yield app
        dashboard.wait_for_refreshes(30)
        db.session.remove()
        if database_urls["kind"] == "postgresql":
            tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
            with db.engine.begin() as conn:
                conn.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        db.engine.dispose()


class IsolatedClient(FlaskClient):
    """Runs every request in a fresh app context, as a server does, so ``g`` never leaks between requests."""

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def outbox(app) -> list:
    """Messages sent through the mail service during the test (Flask-Mailman's in-memory backend)."""
    state = app.extensions["mailman"]
    state.outbox = []
    return state.outbox


@pytest.fixture
def clients_of(app):
    """``clients_of(user, n)``: n test clients, each signed in as ``user`` with its own session."""

    def make(user: User, n: int) -> list[FlaskClient]:
        clients = []
        for _ in range(n):
            client = app.test_client()
            response = client.post(
                "/auth/login", data={"email": user.email, "password": PASSWORD}
            )
            assert response.status_code == 302, response.get_data(as_text=True)
            clients.append(client)
        return clients

    return make


@pytest.fixture
def in_parallel() -> Callable:
    """``in_parallel(calls)``: run every call in its own thread, all released at once; their results in order.

    Each call sends real requests through its own client, so each runs in its own app context, session and
    database connection, as requests to a threaded server do.
    """

    def run(calls: list[Callable[[], object]]) -> list[object]:
        barrier = threading.Barrier(len(calls))

        def one(call: Callable[[], object]) -> object:
            barrier.wait()
            return call()

        with ThreadPoolExecutor(len(calls)) as pool:
            results = list(pool.map(one, calls))
        db.session.expire_all()  # the test's own session reads what the threads committed
        return results

    return run
