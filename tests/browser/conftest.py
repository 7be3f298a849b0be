"""Browser harness: the real app on a free loopback port, driven by Playwright in Debian's Chromium."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator

import pytest
from flask_migrate import upgrade
from werkzeug.serving import make_server

from matchmaker import create_app
from matchmaker.extensions import db

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
]


class LiveServer:
    """A running server and the app behind it."""

    def __init__(self, app, url: str) -> None:
        self.app = app
        self.url = url

    def sent_mail(self) -> list:
        return getattr(self.app.extensions["mailman"], "outbox", [])


def _closing(app):
    """The app with every response read whole and closed before the server writes it.

    werkzeug's development server closes a response only after draining the request; when the browser has
    dropped the connection by then (a font load cancelled by the next page), the read fails and the static
    file stays open, and its ResourceWarning fails whichever test runs when it is collected."""

    def wsgi(environ, start_response):
        iterable = app(environ, start_response)
        try:
            return [b"".join(iterable)]
        finally:
            if hasattr(iterable, "close"):
                iterable.close()

    return wsgi


@pytest.fixture(scope="module")
def live_server(database_urls, tmp_path_factory) -> Iterator[LiveServer]:
    url = (
        database_urls.get("live")
        or f"sqlite:///{tmp_path_factory.mktemp('live')}/live.db"
    )
    app = create_app(
        {
            "ENV_NAME": "development",
            "SECRET_KEY": "browser-tests-secret",
            "SQLALCHEMY_DATABASE_URI": url,
            "MAIL_BACKEND": "locmem",
            "MAIL_KEEP_OUTBOX": True,
            # Attachments, the matching model and the search index of this run stay out of instance/.
            "MATCHMAKER_DATA_DIR": str(tmp_path_factory.mktemp("data")),
        }
    )
    with app.app_context():
        upgrade()  # the real migrations, as `make run` does
    server = make_server("127.0.0.1", 0, _closing(app), threaded=True)
    # Links in the mails this run sends point at this server (the port is only known now).
    app.config["PUBLIC_BASE_URL"] = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield LiveServer(app, f"http://127.0.0.1:{server.server_port}")
    finally:
        server.shutdown()
        thread.join(timeout=10)
        with app.app_context():
            db.drop_all()
            db.session.execute(db.text("DROP TABLE IF EXISTS alembic_version"))
            db.session.commit()
            db.engine.dispose()


class _Browser:
    """Debian's Chromium whose every new context asks for reduced motion.

    Bootstrap then opens and closes its collapses, menus and dialogs without a transition, so a test acts on a
    panel that is already where a person would see it, however busy the machine (on CI, a click on the
    "Filter" button of a panel that had just begun to open led nowhere). What the tests check is the same with
    or without the animation."""

    def __init__(self, browser) -> None:
        self._browser = browser

    def new_context(self, **options):
        options.setdefault("reduced_motion", "reduce")
        return self._browser.new_context(**options)

    def __getattr__(self, name: str):
        return getattr(self._browser, name)


@pytest.fixture(scope="module")
def browser() -> Iterator[_Browser]:
    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium")
    if executable is None:
        pytest.fail(
            "Debian's chromium is not on PATH: run `make test` (it installs it) or `apt-get install chromium`."
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, args=CHROMIUM_FLAGS
        )
        yield _Browser(browser)
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="vi-VN")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()
