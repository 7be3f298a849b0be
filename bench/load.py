"""Load test: many visitors at once against gunicorn, served the production way, on a city-sized database.

# Run: make load   (or .venv/bin/python bench/load.py [--users 50] [--spawn-rate 10] [--time 125s] [--quick]
#                   [--keep] [--no-redis] [--workers N] [--pg postgresql://127.0.0.1:5432]
#                   [--busy N] [--server-env NAME=VALUE])
# Steps, all undone at the end (also on Ctrl-C or an error) unless --keep:
# 1. creates its own PostgreSQL database (matchmaker_load_<pid>) on the --pg server and applies the
#    migrations (`flask db upgrade`);
# 2. fills it with the dashboard bench's synthetic city (bench/dashboard.py `build`: 10,000 researchers,
#    2,000 orders with their history, 1,000 needs) and the API bench's texts and projects (bench/api.py
#    `add_texts`: 20,000 projects), then loads the Cần Thơ demo data (`flask demo-data`) on top: the demo
#    accounts sign in. (The synthetic rows carry fixed ids, so they go in first and the id sequences are
#    moved past them before the demo loader runs.) Then ANALYZE, as autovacuum would soon after;
# 3. builds the search index and the matching model with the app's commands (`flask search rebuild`,
#    `flask match rebuild`);
# 4. starts gunicorn as `make serve-prod` does (matchmaker/gunicorn_conf.py, MATCHMAKER_ENV=production,
#    LOG_FORMAT=json) on a free loopback port, with REDIS_URL=redis://127.0.0.1:6379/14 (rate limits
#    shared by the workers, as in production; --no-redis: per-worker memory). Settings for this server
#    only: every sign-in comes from 127.0.0.1, so LOGIN_FAILURE_LIMIT and API_RATE_LIMIT are raised
#    (1000000 per minute) lest the limits answer 429 instead of the pages; SESSION_COOKIE_SECURE=false
#    (plain http on loopback, no TLS proxy); SLOW_QUERY_MS=100 (the slow-query log, summarised below);
# 5. runs locust headless (bench/locustfile.py) with anonymous visitors and signed-in officials,
#    researchers and enterprises (CSRF token read from the login form), and samples the machine's load
#    average meanwhile.
# Output: per page, requests, throughput, p50/p95/p99 and failures; the pages whose p95 is over the
# 200 ms target; the slowest statements of the slow-query log by endpoint; then key=value lines:
#   load_users=… load_duration_s=… load_requests=… load_rps=… load_failures=… load_p50_ms=… load_p95_ms=…
#   load_p99_ms=… load_p95_ms_max=… load_worst_page=… load_pages_over_target=… target_ms=200
#   load_average_mean=… load_average_max=… cpus=… workers=… busy=… researchers=… orders=… projects=…
# Crash hunt (README, "Worker crashes"): --busy 2 -u 80 -t 540s keeps both cores contended; worker_restarts
# counts the workers gunicorn had to replace (a crash or a timeout; the log is kept).
# The machine may be shared with other work: the load average says how busy it was during the run.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import contextlib
import csv
import http.cookiejar
import json
import os
import random
import re
import resource
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import unicodedata
import urllib.parse
import urllib.request
from collections import defaultdict
from pathlib import Path

import psycopg
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))

from api import TOPICS, add_texts  # noqa: E402  (the API bench's texts and projects)
from dashboard import build  # noqa: E402  (the dashboard bench's city)

from matchmaker import create_app  # noqa: E402
from matchmaker.config import TestConfig, database_url  # noqa: E402
from matchmaker.demo.loader import DEMO_PASSWORD  # noqa: E402
from matchmaker.extensions import db  # noqa: E402
from matchmaker.services.researchers import search_text  # noqa: E402

TARGET_MS = 200
# A list of bound values, IN (%(id_1)s::INTEGER, %(id_2)s::INTEGER, …): one statement whatever its length.
PLACEHOLDERS = re.compile(r"\((?:%\(\w+\)s(?:::\w+)?(?:, )?){2,}\)")
SLOW_QUERY_MS = 100
BIN = Path(sys.executable).parent
LOCUSTFILE = ROOT / "bench" / "locustfile.py"
CSRF = re.compile(r'<input[^>]*name="csrf_token"[^>]*value="([^"]+)"')
ACCOUNTS = {
    "official": "official@demo.cantho.example",
    "researcher": "researcher@demo.cantho.example",
    "enterprise": "enterprise@demo.cantho.example",
}


def log(message: str) -> None:
    print(f"# {message}", flush=True)


# --- The database -------------------------------------------------------------------------------------


def _admin(server: str) -> psycopg.Connection:
    return psycopg.connect(f"{server.rstrip('/')}/postgres", autocommit=True)


def create_database(server: str, name: str) -> None:
    with _admin(server) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')


def drop_database(server: str, name: str) -> None:
    with _admin(server) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def populate(
    url: str, work: Path, researchers: int, orders: int, projects: int
) -> None:
    """The synthetic city, in-process, on the migrated schema; then the id sequences past its fixed ids."""

    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = database_url(url)
        MATCHMAKER_DATA_DIR = str(work / "populate")

    app = create_app(Config)
    with app.app_context():
        rng = random.Random(57)
        build(researchers, orders, rng)
        add_texts(researchers, projects, rng)
        # The bulk statements skip the mapper events that keep the researchers' filter text.
        search_text.refresh(db.session.connection())
        db.session.commit()
        tables = db.session.scalars(
            sa.text(
                "SELECT table_name FROM information_schema.columns WHERE table_schema = 'public' "
                "AND column_name = 'id' AND pg_get_serial_sequence(table_name, 'id') IS NOT NULL"
            )
        ).all()
        for table in tables:
            db.session.execute(
                sa.text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f'(SELECT coalesce(max(id), 0) + 1 FROM "{table}"), false)'
                )
            )
        db.session.commit()
        db.engine.dispose()


def analyse(url: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("ANALYZE")


# --- Processes ----------------------------------------------------------------------------------------


def flask_command(env: dict[str, str], work: Path, *args: str) -> None:
    """One of the app's commands, its output kept in the work folder (shown if it fails)."""
    began = time.perf_counter()
    output = work / "commands.log"
    with output.open("a") as handle:
        done = subprocess.run(
            [sys.executable, "-m", "flask", "--app", "matchmaker", *args],
            cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT,
        )  # fmt: skip
    if done.returncode:
        print(output.read_text()[-4000:], file=sys.stderr)
        raise RuntimeError(f"flask {' '.join(args)} exited with {done.returncode}")
    log(f"flask {' '.join(args)}: {time.perf_counter() - began:.0f} s")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def stop(process: subprocess.Popen | None, name: str) -> None:
    """SIGTERM to the process's group (its workers too), SIGKILL if it is still there after 20 s."""
    if process is None or process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(20)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    log(f"{name} stopped")


def wait_ready(base: str, server: subprocess.Popen, seconds: float = 180) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {server.returncode}")
        with contextlib.suppress(OSError):
            with urllib.request.urlopen(f"{base}/readyz", timeout=5) as answer:
                if answer.status == 200:
                    return
        time.sleep(1)
    raise RuntimeError("gunicorn did not become ready")


def server_env(
    url: str, port: int, work: Path, redis: bool, workers: int | None
) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("GUNICORN_", "RATELIMIT_", "REDIS_", "PROMETHEUS_"))
    }
    env.update(
        MATCHMAKER_ENV="production",
        SECRET_KEY=secrets.token_hex(32),
        PUBLIC_BASE_URL=f"http://127.0.0.1:{port}",
        SESSION_COOKIE_SECURE="false",
        DATABASE_URL=url,
        BIND=f"127.0.0.1:{port}",
        LOG_FORMAT="json",
        LOG_LEVEL="INFO",
        LOGIN_FAILURE_LIMIT="1000000 per minute",
        API_RATE_LIMIT="1000000 per minute",
        SEARCH_INDEX_PATH=str(work / "search_index"),
        MATCHING_DIR=str(work / "matching"),
        ATTACHMENT_DIR=str(work / "attachments"),
        OPEN_DATA_DIR=str(work / "opendata"),
        PROMETHEUS_MULTIPROC_DIR=str(work / "metrics"),
    )
    (work / "metrics").mkdir(exist_ok=True)
    if redis:
        env["REDIS_URL"] = "redis://127.0.0.1:6379/14"
    if workers:
        env["GUNICORN_WORKERS"] = str(workers)
    return env


# --- What the visitors open ---------------------------------------------------------------------------


def fold(text: str) -> str:
    """Vietnamese without its diacritics, as people type it on a keyboard without them."""
    text = text.replace("đ", "d").replace("Đ", "D")
    return "".join(
        c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c)
    )


def _get_json(base: str, path: str) -> dict:
    with urllib.request.urlopen(f"{base}{path}", timeout=30) as answer:
        return json.load(answer)


def sample(base: str, url: str) -> dict:
    """Ids the visitors open: public ones through the API (what anyone can see), the demo accounts' own."""
    ids: dict[str, list[int]] = {}
    for kind, pages in (
        ("researchers", 5),
        ("orders", 3),
        ("needs", 2),
        ("projects", 2),
    ):
        ids[kind] = [
            item["id"]
            for page in range(1, pages + 1)
            for item in _get_json(base, f"/api/v1/{kind}?per_page=100&page={page}")[
                "items"
            ]
        ]
    with psycopg.connect(url) as conn:

        def column(sql: str, *params: object) -> list:
            return [row[0] for row in conn.execute(sql, params)]

        ids["enterprise_needs"] = column(
            "SELECT n.id FROM tech_needs n JOIN users u ON u.enterprise_id = n.enterprise_id "
            "WHERE u.email = %s ORDER BY n.id",
            ACCOUNTS["enterprise"],
        )
        ids["official_orders"] = column(
            "SELECT o.id FROM research_orders o JOIN users u ON u.id = o.created_by_id "
            "WHERE u.email = %s ORDER BY o.id",
            ACCOUNTS["official"],
        )
        ids["fields"] = column("SELECT DISTINCT field_code FROM researcher_fields")
        ids["institutions"] = column("SELECT id FROM institutions ORDER BY id LIMIT 30")
    empty = [kind for kind, found in ids.items() if not found]
    if empty:
        raise RuntimeError(f"nothing to open for: {', '.join(empty)}")
    return {
        "ids": ids,
        "queries": list(TOPICS),
        "queries_folded": [fold(topic) for topic in TOPICS],
        "accounts": ACCOUNTS,
        "password": DEMO_PASSWORD,
    }


def warm(base: str, visited: dict, rounds: int) -> None:
    """Each page a few times from a few threads before the run, the signed-in ones too: every worker
    compiles its templates and queries and fills its caches, as a server that has been up for a while
    has (each worker already loaded the matching model as it started). Not measured."""
    ids = visited["ids"]
    some = {kind: ids[kind][:8] for kind in ("researchers", "orders", "needs")}
    paths = [
        "/", f"/search/?q={urllib.parse.quote(visited['queries'][0])}", "/researchers/",
        "/orders/", "/enterprises/needs", "/dashboard/public",
        "/api/v1/researchers", "/api/v1/orders", "/api/v1/projects", "/api/v1/search?q=lua",
        *(f"/researchers/{pk}" for pk in some["researchers"]),
        *(f"/orders/{pk}" for pk in some["orders"]),
        *(f"/enterprises/needs/{pk}" for pk in some["needs"]),
    ]  # fmt: skip
    signed_in = {
        "official": ["/", "/dashboard/", "/orders/", *(f"/orders/{pk}" for pk in ids["official_orders"][:8])],
        "researcher": ["/", *(f"/orders/{pk}" for pk in some["orders"])],
        "enterprise": ["/", "/enterprises/needs", *(f"/enterprises/needs/{pk}" for pk in ids["enterprise_needs"][:8])],
    }  # fmt: skip

    def fetch(path: str, opener: urllib.request.OpenerDirector | None = None) -> None:
        with (
            contextlib.suppress(OSError),
            (opener or urllib.request.build_opener()).open(
                f"{base}{path}", timeout=120
            ) as answer,
        ):
            answer.read()

    def as_account(account: str) -> None:
        """Sign in through the form, as the visitors do, then open the account's pages."""
        opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )
        with opener.open(f"{base}/auth/login", timeout=120) as form:
            token = CSRF.search(form.read().decode("utf-8"))
        data = urllib.parse.urlencode(
            {
                "csrf_token": token.group(1) if token else "",
                "email": visited["accounts"][account],
                "password": visited["password"],
            }
        ).encode()
        with opener.open(f"{base}/auth/login", data=data, timeout=120) as answer:
            answer.read()
        for _ in range(rounds * 2):
            for path in signed_in[account]:
                fetch(path, opener)

    began = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        jobs = [
            pool.submit(as_account, account) for account in signed_in for _ in range(2)
        ]
        list(pool.map(fetch, paths * rounds * 4))
        for job in jobs:
            job.result()
    sent = len(paths) * rounds * 4 + 2 * sum(
        2 + len(pages) * rounds * 2 for pages in signed_in.values()
    )
    log(
        f"warm-up: {sent} requests in {time.perf_counter() - began:.0f} s (not measured)"
    )


def read_log(server_log: Path, offset: int) -> list[str]:
    with server_log.open("rb") as handle:
        handle.seek(offset)
        return handle.read().decode("utf-8", errors="replace").splitlines()


def worker_restarts(lines: list[str]) -> tuple[int, int]:
    """Workers gunicorn started during the run, and how many of them replaced one that reached
    ``GUNICORN_MAX_REQUESTS`` (recycled on purpose); the others replaced one that timed out or crashed."""
    booted = sum("Booting worker" in line for line in lines)
    recycled = sum("Autorestarting worker" in line for line in lines)
    return booted, min(recycled, booted)


# --- The run ------------------------------------------------------------------------------------------


class LoadSampler(threading.Thread):
    """The machine's 1-minute load average every 5 s while the load runs."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.values: list[float] = []
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(5):
            self.values.append(os.getloadavg()[0])


def cpu_seconds(server: subprocess.Popen) -> dict[str, float]:
    """CPU time used so far by the gunicorn workers (and master), by PostgreSQL's processes, and by this
    script's finished children (locust, once waited for)."""
    import psutil

    def used(processes: list[psutil.Process]) -> float:
        total = 0.0
        for process in processes:
            try:
                times = process.cpu_times()
            except psutil.Error:
                continue
            total += times.user + times.system
        return total

    master = psutil.Process(server.pid)
    database = [
        p for p in psutil.process_iter(["name"]) if p.info["name"] == "postgres"
    ]
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {
        "app": used([master, *master.children(recursive=True)]),
        "db": used(database),
        "children": children.ru_utime + children.ru_stime,
    }


def run_locust(
    base: str, work: Path, args: argparse.Namespace
) -> tuple[subprocess.Popen, Path]:
    prefix = work / "locust"
    command = [
        sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless", "--host", base,
        "-u", str(args.users), "-r", str(args.spawn_rate), "-t", args.time,
        "--csv", str(prefix), "--only-summary", "--loglevel", "WARNING", "--stop-timeout", "10",
        # Statistics from the moment every user runs: the measured window is the steady load.
        "--reset-stats",
    ]  # fmt: skip
    env = dict(os.environ, LOAD_SAMPLE=str(work / "sample.json"))
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, start_new_session=True,
        stdout=(work / "locust.out").open("w"), stderr=subprocess.STDOUT,
    )  # fmt: skip
    return process, prefix


def _number(value: str) -> float:
    try:
        return float(value)
    except ValueError:
        return 0.0


def read_stats(prefix: Path) -> tuple[list[dict], dict]:
    with Path(f"{prefix}_stats.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    pages = [row for row in rows if row["Name"] != "Aggregated"]
    total = next(row for row in rows if row["Name"] == "Aggregated")
    return pages, total


def report_pages(pages: list[dict], duration: float) -> list[str]:
    """The per-page table; returns the pages whose p95 is over the target."""
    over = []
    print(
        f"# {'page':<50} {'requests':>8} {'req/s':>6} {'p50':>5} {'p95':>5} {'p99':>5} {'fail':>5}"
    )
    for row in sorted(pages, key=lambda r: -_number(r["95%"])):
        p95 = _number(row["95%"])
        flag = "  over target" if p95 > TARGET_MS else ""
        if p95 > TARGET_MS:
            over.append(row["Name"])
        print(
            f"# {row['Name'][:50]:<50} {row['Request Count']:>8} "
            f"{_number(row['Request Count']) / duration:6.1f} {row['50%']:>5} {row['95%']:>5} "
            f"{row['99%']:>5} {row['Failure Count']:>5}{flag}"
        )
    return over


def slow_queries(lines: list[str], top: int) -> int:
    """The slowest statements of the slow-query log, by endpoint; returns how many lines it had."""
    found: dict[tuple[str, str], list[float]] = defaultdict(list)
    for line in lines:
        if '"matchmaker.slow_query"' not in line:
            continue
        with contextlib.suppress(ValueError):
            record = json.loads(line)
            statement = PLACEHOLDERS.sub("(…)", record.get("statement", ""))
            found[(str(record.get("endpoint")), statement)].append(
                record["duration_ms"]
            )
    count = sum(len(times) for times in found.values())
    if not found:
        log(f"slow-query log: no statement over {SLOW_QUERY_MS} ms")
        return 0
    log(
        f"slow-query log: {count} statements over {SLOW_QUERY_MS} ms; the {top} costliest (count x mean):"
    )
    ranked = sorted(found.items(), key=lambda item: -sum(item[1]))[:top]
    for (endpoint, statement), times in ranked:
        log(
            f"  {endpoint:<28} n={len(times):<5} mean={statistics.mean(times):6.0f} ms "
            f"max={max(times):6.0f} ms  {statement[:150]}"
        )
    return count


def failures(prefix: Path) -> None:
    path = Path(f"{prefix}_failures.csv")
    if not path.exists():
        return
    with path.open(encoding="utf-8") as handle:
        for row in list(csv.DictReader(handle))[:10]:
            log(
                f"failure: {row['Method']} {row['Name']} x{row['Occurrences']}: {row['Error'][:160]}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", "-u", type=int, default=50)
    parser.add_argument("--spawn-rate", "-r", type=float, default=10)
    parser.add_argument(
        "--time",
        "-t",
        default="125s",
        help="locust's run time (125s, 2m, ...), of which users / spawn rate seconds of start are not measured",
    )
    parser.add_argument("--quick", action="store_true", help="a 20 s smoke run")
    parser.add_argument("--researchers", type=int, default=10_000)
    parser.add_argument("--orders", type=int, default=2_000)
    parser.add_argument("--projects", type=int, default=20_000)
    parser.add_argument(
        "--workers", type=int, help="gunicorn workers (default: gunicorn_conf's)"
    )
    parser.add_argument(
        "--no-redis", action="store_true", help="rate limits in each worker's memory"
    )
    parser.add_argument(
        "--pg", default="postgresql://127.0.0.1:5432", help="the PostgreSQL server"
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the database and the work folder"
    )
    parser.add_argument(
        "--warm", type=int, default=3, help="warm-up rounds before the run"
    )
    parser.add_argument("--top", type=int, default=12, help="slow statements listed")
    parser.add_argument(
        "--server-env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="an environment variable of gunicorn only (repeatable), e.g. PYTHONMALLOC=debug to hunt a crash",
    )
    parser.add_argument(
        "--busy",
        type=int,
        default=0,
        metavar="N",
        help="N processes spinning on the CPUs during the run (a contended machine: the worker crash hunt)",
    )
    args = parser.parse_args()
    if args.quick:
        args.time = "20s"
    # A stop from outside (kill, a CI timeout) cleans up as Ctrl-C does.
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))

    name = f"matchmaker_load_{os.getpid()}"
    url = f"{args.pg.rstrip('/')}/{name}"
    work = Path(tempfile.mkdtemp(prefix="matchmaker-load-"))
    server = locust = None
    busy: list[subprocess.Popen] = []
    created = False
    keep_log = False  # a failed request or a lost worker: gunicorn's log outlives the work folder
    try:
        create_database(args.pg, name)
        created = True
        log(f"database {name}, work folder {work}")
        port = free_port()
        env = server_env(url, port, work, not args.no_redis, args.workers)
        server_only = dict(item.partition("=")[::2] for item in args.server_env)
        flask_command(env, work, "db", "upgrade")
        began = time.perf_counter()
        populate(url, work, args.researchers, args.orders, args.projects)
        log(f"synthetic city: {time.perf_counter() - began:.0f} s")
        flask_command(env, work, "demo-data")
        analyse(url)
        flask_command(env, work, "search", "rebuild")
        flask_command(env, work, "match", "rebuild")
        base = f"http://127.0.0.1:{port}"
        server_log = work / "server.log"
        server = subprocess.Popen(
            [str(BIN / "gunicorn"), "-c", "python:matchmaker.gunicorn_conf", "matchmaker:create_app()"],
            cwd=ROOT, env=dict(env, SLOW_QUERY_MS=str(SLOW_QUERY_MS), **server_only), start_new_session=True,
            stdout=server_log.open("w"), stderr=subprocess.STDOUT,
        )  # fmt: skip
        wait_ready(base, server)
        log(
            f"gunicorn ready on {base} ({'Redis db 14' if not args.no_redis else 'no Redis'})"
        )
        visited = sample(base, url)
        (work / "sample.json").write_text(json.dumps(visited), encoding="utf-8")
        warm(base, visited, args.warm)
        offset = (
            server_log.stat().st_size
        )  # the summaries below cover the measured run only
        sampler = LoadSampler()
        sampler.start()
        before = os.getloadavg()[0]
        cpu_before = cpu_seconds(server)
        began = time.perf_counter()
        busy = [
            subprocess.Popen(
                [sys.executable, "-c", "while True: pass"], start_new_session=True
            )
            for _ in range(args.busy)
        ]
        log(
            f"locust: {args.users} users, {args.spawn_rate}/s, {args.time}"
            + (f", {args.busy} busy loops beside" if args.busy else "")
        )
        locust, prefix = run_locust(base, work, args)
        locust.wait()
        for loop in busy:
            stop(loop, "busy loop")
        duration = time.perf_counter() - began
        cpu_after = cpu_seconds(server)
        cpu = {k: cpu_after[k] - cpu_before[k] for k in cpu_before}
        sampler.done.set()
        loads = sampler.values or [os.getloadavg()[0]]
        if not Path(f"{prefix}_stats.csv").exists():
            print((work / "locust.out").read_text(), file=sys.stderr)
            raise RuntimeError(
                f"locust exited with {locust.returncode} and no statistics"
            )
        stop(server, "gunicorn")
        pages, total = read_stats(prefix)
        # --reset-stats: what was measured began once every user had started.
        run_seconds = min(duration, _seconds(args.time)) - args.users / args.spawn_rate
        over = report_pages(pages, run_seconds)
        failures(prefix)
        if over:
            log(f"pages with p95 over {TARGET_MS} ms: {', '.join(over)}")
        else:
            log(f"every page has p95 within {TARGET_MS} ms")
        lines = read_log(server_log, offset)
        slow_count = slow_queries(lines, args.top)
        booted, recycled = worker_restarts(lines)
        restarts = booted - recycled
        if recycled:
            log(
                f"gunicorn recycled {recycled} workers that reached GUNICORN_MAX_REQUESTS (on purpose)"
            )
        if restarts:
            log(
                f"gunicorn replaced workers {restarts} times during the run (timeouts or crashes: see {server_log})"
            )
        if restarts or int(total["Failure Count"]):
            keep_log = True
        log(
            f"load average (1 min) during the run: mean {statistics.mean(loads):.1f}, max {max(loads):.1f}, "
            f"before {before:.1f}, on {os.cpu_count()} CPUs. The machine is shared: other work running "
            "on it (other agents, their tests) is in these figures."
        )
        log(
            f"CPU during the run: the app (gunicorn) {cpu['app']:.0f} s, PostgreSQL {cpu['db']:.0f} s, locust "
            f"{cpu['children']:.0f} s, of {duration * (os.cpu_count() or 1):.0f} s the {os.cpu_count()} CPUs had"
        )
        worst = max(pages, key=lambda r: _number(r["95%"]))
        print(
            f"load_users={args.users} load_duration_s={run_seconds:.0f} "
            f"load_requests={total['Request Count']} load_rps={_number(total['Requests/s']):.1f} "
            f"load_failures={total['Failure Count']} load_p50_ms={total['50%']} load_p95_ms={total['95%']} "
            f"load_p99_ms={total['99%']} load_p95_ms_max={worst['95%']} "
            f"load_worst_page={worst['Name'].replace(' ', '_')} load_pages_over_target={len(over)} "
            f"target_ms={TARGET_MS} slow_queries={slow_count} worker_restarts={restarts} "
            f"workers_recycled={recycled} "
            f"load_average_mean={statistics.mean(loads):.1f} load_average_max={max(loads):.1f} "
            f"cpu_app_s={cpu['app']:.0f} cpu_db_s={cpu['db']:.0f} cpu_locust_s={cpu['children']:.0f} "
            f"cpus={os.cpu_count()} workers={args.workers or 'default'} busy={args.busy} "
            f"researchers={args.researchers} "
            f"orders={args.orders} projects={args.projects}"
        )
    finally:
        for loop in busy:
            stop(loop, "busy loop")
        stop(locust, "locust")
        stop(server, "gunicorn")
        if created and not args.keep:
            drop_database(args.pg, name)
            log(f"database {name} dropped")
        if args.keep:
            log(f"kept: database {name}, work folder {work}")
        else:
            if keep_log and (work / "server.log").exists():
                kept = (
                    Path(tempfile.gettempdir())
                    / f"matchmaker-load-{os.getpid()}-server.log"
                )
                shutil.copy(work / "server.log", kept)
                log(f"failures or lost workers: gunicorn's log kept at {kept}")
            shutil.rmtree(work, ignore_errors=True)


def _seconds(value: str) -> float:
    units = {"s": 1, "m": 60, "h": 3600}
    total, number = 0.0, ""
    for char in value:
        if char.isdigit() or char == ".":
            number += char
        elif char in units:
            total += float(number) * units[char]
            number = ""
    return total + float(number or 0)


if __name__ == "__main__":
    main()
