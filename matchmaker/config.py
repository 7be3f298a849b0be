"""Configuration classes; the only module that reads environment variables."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

_TRUE = {"1", "true", "yes", "on"}


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    return default if value is None else value.strip().lower() in _TRUE


def _env_list(name: str) -> list[str] | None:
    value = os.environ.get(name)
    if value is None:
        return None
    return [item.strip() for item in value.split(",") if item.strip()]


def _json_dumps(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


def database_url(raw: str | None) -> str | None:
    """Return ``raw`` with PostgreSQL URLs pointed at the psycopg 3 driver."""
    if not raw:
        return None
    for prefix in ("postgres://", "postgresql://"):
        if raw.startswith(prefix):
            return "postgresql+psycopg://" + raw[len(prefix) :]
    return raw


DEV_BASE_URL = "http://127.0.0.1:5000"


def ratelimit_storage_uri(explicit: str | None, redis_url: str | None) -> str:
    """The rate limits' store: an explicit URI, else Redis when configured, else this process's memory."""
    return explicit or redis_url or "memory://"


def gunicorn_settings() -> dict[str, object]:
    """gunicorn's settings from the environment (read by matchmaker/gunicorn_conf.py).

    Workers: GUNICORN_WORKERS, else WEB_CONCURRENCY, else 2 x CPUs + 1 (at most 8: each worker holds the
    matching model in memory). Threads per worker: GUNICORN_THREADS (default 1: README, "Worker crashes"). BIND (default
    127.0.0.1:8000, behind a reverse proxy), GUNICORN_TIMEOUT (60 s: an import or export may take that
    long), GUNICORN_GRACEFUL_TIMEOUT (30 s), GUNICORN_MAX_REQUESTS (1000, with jitter: a worker is
    replaced after so many requests, which bounds slow leaks).
    """
    cpus = os.cpu_count() or 1
    workers = os.environ.get("GUNICORN_WORKERS") or os.environ.get("WEB_CONCURRENCY")
    max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", 1000))
    return {
        "bind": os.environ.get("BIND", "127.0.0.1:8000"),
        "workers": int(workers) if workers else min(2 * cpus + 1, 8),
        "threads": int(os.environ.get("GUNICORN_THREADS", 1)),
        "timeout": int(os.environ.get("GUNICORN_TIMEOUT", 60)),
        "graceful_timeout": int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", 30)),
        "max_requests": max_requests,
        "max_requests_jitter": max_requests // 10,
        "log_level": os.environ.get("LOG_LEVEL", "INFO").lower(),
        "log_format": os.environ.get("LOG_FORMAT", "json").lower(),
        "multiproc_dir": os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None,
        "gc_freeze": _env_bool("GC_FREEZE", True),
    }


class Config:
    """Settings shared by every environment; each can be overridden by an environment variable."""

    ENV_NAME = os.environ.get("MATCHMAKER_ENV", "development")
    SECRET_KEY = os.environ.get("SECRET_KEY")
    # None means: a SQLite file in the instance folder (set by create_app).
    SQLALCHEMY_DATABASE_URI = database_url(os.environ.get("DATABASE_URL"))
    # JSON columns keep Vietnamese as text (not \u escapes), so text search inside them works.
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True, "json_serializer": _json_dumps}
    MAX_CONTENT_LENGTH = int(os.environ.get("MAX_CONTENT_LENGTH", 16 * 1024 * 1024))
    # Largest file a form accepts (publication lists, staff lists); larger requests stop at MAX_CONTENT_LENGTH.
    UPLOAD_MAX_BYTES = int(os.environ.get("UPLOAD_MAX_BYTES", 2 * 1024 * 1024))
    # PDF attachments of orders and proposals: largest file, and where the files are kept (instance/attachments).
    ATTACHMENT_MAX_BYTES = int(os.environ.get("ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024))
    ATTACHMENT_DIR = os.environ.get("ATTACHMENT_DIR") or None
    # Days after a call closes by which the city commits to its selection decision (shown to applicants).
    SELECTION_DECISION_DAYS = int(os.environ.get("SELECTION_DECISION_DAYS", 30))
    # The matching model: where it is kept (data folder/matching by default), and when it is refitted in the
    # background (changed share of candidates, with a minimum number of changes).
    MATCHING_DIR = os.environ.get("MATCHING_DIR") or None
    MATCHING_REFIT_SHARE = float(os.environ.get("MATCHING_REFIT_SHARE", 0.2))
    MATCHING_REFIT_MIN_CHANGES = int(os.environ.get("MATCHING_REFIT_MIN_CHANGES", 5))
    # A request reads every candidate's fingerprint only when a source table changed, or this often anyway: a
    # safety net should app servers' clocks disagree (0.5 s of one request per worker at 10,000 researchers).
    MATCHING_FULL_SYNC_SECONDS = float(
        os.environ.get("MATCHING_FULL_SYNC_SECONDS", 300)
    )
    # How often a request asks whether a source table changed (one query of counts and latest times); a change
    # committed by this process is seen at once, another process's within this time.
    MATCHING_PROBE_SECONDS = float(os.environ.get("MATCHING_PROBE_SECONDS", 2))
    # Match lists kept per process until the model changes (0: none kept).
    MATCHING_MEMO_SIZE = int(os.environ.get("MATCHING_MEMO_SIZE", 256))
    # The dashboard's pages reuse the figures this process computed less than this many seconds ago (0: never),
    # unless it wrote something since; the page says when they were computed.
    DASHBOARD_CACHE_SECONDS = float(os.environ.get("DASHBOARD_CACHE_SECONDS", 30))
    # Long-lived objects (the loaded app, the matching model) leave the garbage collector's scans
    # (gc.freeze() after a worker starts and after each model load): a full collection otherwise walks
    # every object of the model, 0.1-0.2 s at 10,000 researchers, in the middle of some request.
    GC_FREEZE = _env_bool("GC_FREEZE", True)
    # The Whoosh search index (data folder/search_index by default) and how long a writer waits for its lock.
    SEARCH_INDEX_PATH = os.environ.get("SEARCH_INDEX_PATH") or None
    SEARCH_LOCK_TIMEOUT = float(os.environ.get("SEARCH_LOCK_TIMEOUT", 30))
    # Background jobs (mail, index updates and rebuilds, refits): on Redis with RQ when REDIS_URL is set
    # (run by `matchmaker worker`), in the web process otherwise. A failed job is retried after each of
    # JOB_RETRY_INTERVALS seconds; one running longer than JOB_TIMEOUT seconds is stopped.
    REDIS_URL = os.environ.get("REDIS_URL") or None
    JOB_RETRY_INTERVALS = [
        int(s) for s in (_env_list("JOB_RETRY_INTERVALS") or ["10", "60", "300"])
    ]
    JOB_TIMEOUT = int(os.environ.get("JOB_TIMEOUT", 30 * 60))
    JOB_RESULT_TTL = 24 * 3600  # finished jobs are listed for a day
    JOB_FAILURE_TTL = 7 * 24 * 3600  # failed ones for a week
    JOB_REDIS_RETRY_SECONDS = (
        15  # after Redis failed, jobs run in-process this long before it is tried again
    )

    # Open data downloads (CSV, JSON, XLSX): where they are cached (data folder/opendata by default), under
    # which licence they are published and by whom (named in the DCAT catalogue and the data packages).
    OPEN_DATA_DIR = os.environ.get("OPEN_DATA_DIR") or None
    OPEN_DATA_LICENSE = os.environ.get(
        "OPEN_DATA_LICENSE", "https://creativecommons.org/licenses/by/4.0/"
    )
    OPEN_DATA_LICENSE_NAME = os.environ.get("OPEN_DATA_LICENSE_NAME", "CC BY 4.0")
    OPEN_DATA_PUBLISHER = os.environ.get(
        "OPEN_DATA_PUBLISHER", "Trung tâm Đổi mới sáng tạo thành phố Cần Thơ"
    )
    OPEN_DATA_PUBLISHER_URL = os.environ.get("OPEN_DATA_PUBLISHER_URL") or None
    OPEN_DATA_CONTACT_EMAIL = os.environ.get("OPEN_DATA_CONTACT_EMAIL") or None

    BABEL_DEFAULT_LOCALE = "vi"
    BABEL_DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"
    LANGUAGES = {"vi": "Tiếng Việt", "en": "English"}

    BOOTSTRAP_SERVE_LOCAL = True

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _env_bool("SESSION_COOKIE_SECURE", False)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE

    # Signed links in e-mails, in seconds.
    VERIFY_TOKEN_MAX_AGE = 3 * 24 * 3600
    RESET_TOKEN_MAX_AGE = 3600

    # Failed logins allowed per account and per address; storage is shared by all workers in production.
    LOGIN_FAILURE_LIMIT = os.environ.get("LOGIN_FAILURE_LIMIT", "5 per minute")
    MAIL_REQUEST_LIMIT = os.environ.get("MAIL_REQUEST_LIMIT", "5 per minute")
    # Type-ahead look-ups of people (the proposal team picker), per signed-in account.
    LOOKUP_LIMIT = os.environ.get("LOOKUP_LIMIT", "60 per minute")
    # Requests to the public API (/api) per address.
    API_RATE_LIMIT = os.environ.get("API_RATE_LIMIT", "120 per minute")  # per address
    # Per access token (officials' and administrators' reporting scripts).
    API_TOKEN_RATE_LIMIT = os.environ.get("API_TOKEN_RATE_LIMIT", "600 per minute")
    # Requests to the API's matching (a text against every researcher) per address: costlier than a read.
    API_MATCH_RATE_LIMIT = os.environ.get("API_MATCH_RATE_LIMIT", "30 per minute")
    # Where the counters live: RATELIMIT_STORAGE_URI, else REDIS_URL (shared by every worker), else memory.
    RATELIMIT_STORAGE_URI = ratelimit_storage_uri(
        os.environ.get("RATELIMIT_STORAGE_URI"), os.environ.get("REDIS_URL")
    )
    RATELIMIT_HEADERS_ENABLED = False

    # Mail: without MAIL_SERVER, messages go to the console and to the administrators' outbox page.
    MAIL_SERVER = os.environ.get("MAIL_SERVER")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", 587))
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_USE_TLS = _env_bool("MAIL_USE_TLS", True)
    MAIL_USE_SSL = _env_bool("MAIL_USE_SSL", False)
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "matchmaker@localhost")
    MAIL_BACKEND = "smtp" if MAIL_SERVER else "console"
    MAIL_KEEP_OUTBOX = _env_bool("MAIL_KEEP_OUTBOX", not MAIL_SERVER)

    # Where people reach the platform, e.g. https://stinnovation.cantho.gov.vn (a path prefix is allowed).
    # Every absolute link (in e-mails above all) is built from it, never from the request's Host header.
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL")
    # Host names the platform answers to (comma-separated); other Host headers get 400. Unset: any host,
    # except in production, where it defaults to the host of PUBLIC_BASE_URL.
    TRUSTED_HOSTS = _env_list("TRUSTED_HOSTS")
    SERVER_NAME = os.environ.get("SERVER_NAME")
    PREFERRED_URL_SCHEME = os.environ.get("PREFERRED_URL_SCHEME", "http")

    # --- Production: several processes, health checks, metrics, logs (README "Production") ---
    # Redis (REDIS_URL, with the jobs above) is shared by every worker and machine: rate limits and jobs.
    # When Redis does not answer, each worker counts in its own memory meanwhile, rather than failing
    # every limited request (sign-in above all) with an error; /readyz reports Redis down.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    # How many reverse proxies in front of the app set X-Forwarded-For/-Proto/-Host (0: none, the
    # address of the connection is the client's). Rate limits and /metrics trust exactly this many.
    TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", 0))
    # Logs: "json" (one object per line) or "text"; JSON in production.
    LOG_FORMAT = os.environ.get("LOG_FORMAT", "text").lower()
    LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO").upper()
    # Opt-in: each SQL statement slower than this many milliseconds is logged (statement without its
    # parameters, duration, endpoint; matchmaker/observability/slow_queries.py). Unset or 0: off.
    SLOW_QUERY_MS = float(os.environ.get("SLOW_QUERY_MS") or 0) or None
    # A header set by a trusted proxy that carries the request id (e.g. X-Request-ID); unset: every
    # request gets a new id and a client's header is ignored. The id is returned as X-Request-ID.
    REQUEST_ID_HEADER = os.environ.get("REQUEST_ID_HEADER") or None
    # /metrics (Prometheus): open to requests from this machine that came through no proxy, and to
    # "Authorization: Bearer <METRICS_TOKEN>" when a token is set; everyone else gets 403.
    METRICS_TOKEN = os.environ.get("METRICS_TOKEN") or None
    METRICS_ALLOW_LOOPBACK = _env_bool("METRICS_ALLOW_LOOPBACK", True)
    # Where gunicorn's workers keep their metrics, so that /metrics adds them up (gunicorn_conf.py
    # makes a fresh folder when it is unset); prometheus_client reads the variable itself.
    PROMETHEUS_MULTIPROC_DIR = os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


class DevConfig(Config):
    """Local development: the defaults above."""

    ENV_NAME = "development"
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", DEV_BASE_URL)


class ProductionConfig(Config):
    """Production: a SECRET_KEY from the environment is required and cookies are Secure."""

    ENV_NAME = "production"
    SESSION_COOKIE_SECURE = _env_bool("SESSION_COOKIE_SECURE", True)
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    PREFERRED_URL_SCHEME = os.environ.get("PREFERRED_URL_SCHEME", "https")
    LOG_FORMAT = os.environ.get("LOG_FORMAT", "json").lower()


class TestConfig(Config):
    """The test suite: in-memory SQLite unless TEST_DATABASE_URL is set, CSRF off, mail kept in memory."""

    ENV_NAME = "testing"
    TESTING = True
    SECRET_KEY = "test-secret-key-not-for-production"
    SQLALCHEMY_DATABASE_URI = (
        database_url(os.environ.get("TEST_DATABASE_URL")) or "sqlite://"
    )
    WTF_CSRF_ENABLED = False
    MAIL_BACKEND = "locmem"
    MAIL_KEEP_OUTBOX = True
    MATCHMAKER_DATA_DIR = tempfile.gettempdir()
    SERVER_NAME = None
    # Not the test client's own host (localhost): a link built from the request would show.
    PUBLIC_BASE_URL = "http://matchmaker.test"
    TRUSTED_HOSTS = None
    # Tests that need Redis or JSON logs say so; the environment of the machine never leaks in (jobs run
    # in-process; tests/services/test_jobs.py sets a Redis of its own).
    REDIS_URL = None
    RATELIMIT_STORAGE_URI = "memory://"
    LOG_FORMAT = "text"
    REQUEST_ID_HEADER = None
    METRICS_TOKEN = None
    SLOW_QUERY_MS = None
    # Tests build hundreds of apps and models: frozen objects are never collected.
    GC_FREEZE = False


def config_for_env() -> type[Config]:
    """Pick the configuration class named by MATCHMAKER_ENV."""
    name = os.environ.get("MATCHMAKER_ENV", "development").lower()
    return ProductionConfig if name == "production" else DevConfig


def public_url_settings(
    base_url: str | None, trusted_hosts: list[str] | None, production: bool
) -> dict[str, object]:
    """PUBLIC_BASE_URL checked and without its trailing slash, and TRUSTED_HOSTS with its production default.

    Raises ValueError with an explanation when the platform cannot build its links.
    """
    if not base_url:
        if production:
            raise ValueError(
                "PUBLIC_BASE_URL is not set. In production every link in e-mails is built from it: "
                "export PUBLIC_BASE_URL=https://stinnovation.cantho.gov.vn"
            )
        base_url = DEV_BASE_URL
    parts = urlsplit(base_url.strip())
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ValueError(
            f"PUBLIC_BASE_URL must be an http:// or https:// address with a host, not {base_url!r}."
        )
    if parts.query or parts.fragment or parts.username or parts.password:
        raise ValueError(
            f"PUBLIC_BASE_URL must not carry a query, fragment or password: {base_url!r}."
        )
    if trusted_hosts is None and production:
        trusted_hosts = [parts.hostname]
    return {
        "PUBLIC_BASE_URL": parts._replace(path=parts.path.rstrip("/")).geturl(),
        "TRUSTED_HOSTS": trusted_hosts,
    }


def secret_key_path(instance_path: str) -> Path:
    """Where the development secret key is kept."""
    return Path(instance_path) / "secret_key"
