"""Fault drills: real faults under load, on a throwaway PostgreSQL, Redis and gunicorn (README, "Fault drills").

# Run: make faults   (or: PYTHONPATH=. .venv/bin/python bench/faults.py [--settle 3] [--only DRILL ...] [--keep-logs])
# Starts its own PostgreSQL cluster (initdb into a temporary folder, run as the `postgres` system user,
# on a free port from 5439), its own redis-server (append-only file, on a free port), the app under
# gunicorn on loopback and an RQ worker (`matchmaker worker`), all against them, with the demo data, the
# search index and the matching model built. The machine's shared PostgreSQL (5432) and Redis (6379) are
# never touched. A background load runs through every drill: readers (visitor and signed-in pages, search,
# need pages that run the matching, the API) and writers signed in through the real forms (CSRF token
# parsed from each form): an enterprise posts needs (the redirect names the committed id), a researcher
# expresses interest in them (one transaction: the interest and a notification to each representative).
# Drills, each during the load:
#   postgres_restart  the cluster is stopped (fast shutdown: every connection killed), then started again
#   redis_stop        redis-server is stopped, then started again (its queue on disk)
#   worker_kill       every gunicorn worker is SIGKILLed while a write is in flight, three times
#   index_deleted     the search index folder is deleted
#   refit_killed      a matching refit job's work horse is SIGKILLed while it fits
# After each: every write the server acknowledged is still there (counted and compared, by id), no
# interest lacks its notification, and what was seen during the fault. Machine-readable lines:
#   fault_<name>_ok=1 fault_<name>_recovery_s=… fault_<name>_lost_records=0 fault_<name>_5xx_with_traceback=0
# Everything it started is stopped and its folders removed at the end, even on error or Ctrl-C.
"""

from __future__ import annotations

import argparse
import collections
import glob
import hashlib
import html.parser
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
PASSWORD = "CanTho-demo-2026"  # the demo accounts' password (README)
ENTERPRISE = "enterprise@demo.cantho.example"
RESEARCHER = "researcher@demo.cantho.example"
SEARCH_WORDS = ["xâm nhập mặn", "cá tra", "lúa", "năng lượng mặt trời", "nước thải"]
TRACEBACK = re.compile(r"Traceback \(most recent call last\)|File \"/")
DB_MESSAGE = "cơ sở dữ liệu"  # the Vietnamese 503 page names the database
REBUILDING = 'id="search-unavailable"'
TIMEOUT = 10


def free_port(start: int) -> int:
    """The first port from ``start`` that nothing on loopback listens on."""
    for port in range(start, start + 200):
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port from {start}")


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


# --- The throwaway services --------------------------------------------------------------------------------


def as_postgres(*command: str) -> list[str]:
    if shutil.which("runuser"):
        return ["runuser", "-u", "postgres", "--", *command]
    return ["su", "postgres", "-s", "/bin/sh", "-c", " ".join(command)]


class Postgres:
    """A PostgreSQL cluster of its own, in a temporary folder owned by the postgres system user."""

    def __init__(self, root: Path) -> None:
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
        if not found:
            raise RuntimeError(
                "no PostgreSQL server binaries under /usr/lib/postgresql/*/bin"
            )
        self.bin = Path(found[-1]).parent
        self.root = root / "pg"
        self.data = self.root / "data"
        self.port = free_port(5439)
        self.root.mkdir()
        shutil.chown(self.root, "postgres", "postgres")
        self.root.chmod(0o700)
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/matchmaker"

    def _ctl(self, *args: str) -> None:
        subprocess.run(
            as_postgres(str(self.bin / "pg_ctl"), "-D", str(self.data), *args),
            check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip

    def init(self) -> None:
        subprocess.run(
            as_postgres(str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres",
                        "--auth=trust", "-E", "UTF8", "--no-locale"),
            check=True, stdout=subprocess.DEVNULL,
        )  # fmt: skip
        self.start()
        admin = sa.create_engine(
            self.url.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT"
        )
        with admin.connect() as conn:
            conn.execute(sa.text("CREATE DATABASE matchmaker"))
        admin.dispose()

    def start(self) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c max_connections=200"
        self._ctl(
            "-o",
            options,
            "-l",
            str(self.root / "server.log"),
            "-w",
            "-t",
            "60",
            "start",
        )

    def stop(self) -> None:
        self._ctl("-m", "fast", "-w", "-t", "60", "stop")

    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()


class Redis:
    """A redis-server of its own, whose queue survives a stop (append-only file in its folder)."""

    def __init__(self, root: Path) -> None:
        self.dir = root / "redis"
        self.dir.mkdir()
        self.port = free_port(6390)
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.dir),
             "--appendonly", "yes", "--save", "", "--protected-mode", "yes"],
            stdout=open(self.dir / "redis.log", "ab"), stderr=subprocess.STDOUT,
        )  # fmt: skip
        wait_for(lambda: self.ping(), 20, "redis-server")

    def ping(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def command(self, *args: str) -> str:
        return subprocess.run(
            ["redis-cli", "-p", str(self.port), *args],
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()  # SIGTERM: redis flushes its append-only file and exits
            self.process.wait(20)
        self.process = None


def wait_for(check, seconds: float, what: str) -> float:
    """Poll ``check`` until true; the seconds it took."""
    start = time.monotonic()
    while time.monotonic() - start < seconds:
        try:
            if check():
                return time.monotonic() - start
        except Exception:  # noqa: BLE001 — not ready yet
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{what} not ready after {seconds} s")


class Platform:
    """The app under gunicorn and an RQ worker, on the throwaway services."""

    def __init__(self, root: Path, pg: Postgres, redis: Redis, workers: int) -> None:
        self.root = root
        self.port = free_port(8390)
        self.base = f"http://127.0.0.1:{self.port}"
        self.index = root / "search_index"
        self.matching = root / "matching"
        self.logs = root / "logs"
        self.logs.mkdir()
        self.env = {
            **{
                k: v
                for k, v in os.environ.items()
                if not k.startswith(("GUNICORN_", "MATCHING_"))
            },
            "PYTHONPATH": str(ROOT),
            "DATABASE_URL": pg.url,
            "REDIS_URL": redis.url,
            "SECRET_KEY": "fault-drills-" + os.urandom(8).hex(),
            "MATCHMAKER_ENV": "development",
            "SEARCH_INDEX_PATH": str(self.index),
            "MATCHING_DIR": str(self.matching),
            "ATTACHMENT_DIR": str(root / "attachments"),
            "OPEN_DATA_DIR": str(root / "opendata"),
            "PROMETHEUS_MULTIPROC_DIR": str(root / "metrics"),
            "BIND": f"127.0.0.1:{self.port}",
            "GUNICORN_WORKERS": str(workers),
            "GUNICORN_THREADS": "4",
            "LOG_FORMAT": "text",
            "LOG_LEVEL": "WARNING",
            "API_RATE_LIMIT": "100000 per minute",
            "JOB_RETRY_INTERVALS": "2,5,10",
        }
        (root / "metrics").mkdir()
        self.gunicorn: subprocess.Popen | None = None
        self.worker: subprocess.Popen | None = None

    def flask(self, *args: str) -> str:
        done = subprocess.run(
            [str(BIN / "python"), "-m", "flask", "--app", "matchmaker", *args],
            cwd=ROOT, env=self.env, capture_output=True, text=True, check=False,
        )  # fmt: skip
        if done.returncode:
            raise RuntimeError(f"flask {' '.join(args)} failed:\n{done.stderr[-3000:]}")
        return done.stdout

    def python(self, code: str) -> str:
        done = subprocess.run(
            [str(BIN / "python"), "-c", code], cwd=ROOT, env=self.env,
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        if done.returncode:
            raise RuntimeError(f"python snippet failed:\n{done.stderr[-3000:]}")
        return done.stdout

    def prepare(self) -> None:
        self.flask("db", "upgrade")
        self.flask("demo-data")
        self.flask("search", "rebuild")
        self.flask("match", "rebuild")

    def start(self) -> None:
        self.gunicorn = subprocess.Popen(
            [str(BIN / "gunicorn"), "-c", "python:matchmaker.gunicorn_conf", "matchmaker:create_app()"],
            cwd=ROOT, env=self.env, stdout=open(self.logs / "gunicorn.log", "ab"),
            stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        self.start_worker()
        wait_for(
            lambda: requests.get(self.base + "/healthz", timeout=2).ok, 90, "gunicorn"
        )

    def start_worker(self) -> None:
        self.worker = subprocess.Popen(
            [str(BIN / "python"), "-m", "flask", "--app", "matchmaker", "worker"],
            cwd=ROOT, env=self.env, stdout=open(self.logs / "worker.log", "ab"),
            stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip

    def gunicorn_workers(self) -> list[int]:
        return children(self.gunicorn.pid) if self.gunicorn else []

    def stop(self) -> None:
        for process in (self.gunicorn, self.worker):
            if process is not None and process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in (self.gunicorn, self.worker):
            if process is None:
                continue
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(10)


def children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        found += [int(p) for p in task.read_text().split()]
    return found


# --- The load ----------------------------------------------------------------------------------------------


class FormParser(html.parser.HTMLParser):
    """The fields of every form of a page: ``{action: {name: value}}`` (first option of a select)."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: dict[str, dict[str, str]] = {}
        self._form: dict[str, str] | None = None
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._form = self.forms.setdefault(a.get("action") or "", {})
        elif self._form is None:
            return
        elif tag == "input" and a.get("name"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            if a.get("type") == "submit":
                return
            self._form[a["name"]] = a.get("value") or ""
        elif tag == "select" and a.get("name"):
            self._select = a["name"]
        elif tag == "option" and self._select:
            if self._select not in self._form or "selected" in a:
                self._form[self._select] = a.get("value") or ""
        elif tag == "textarea" and a.get("name"):
            self._textarea = a["name"]
            self._form[a["name"]] = ""

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def forms_of(page: str) -> dict[str, dict[str, str]]:
    parser = FormParser()
    parser.feed(page)
    return parser.forms


@dataclass
class Seen:
    at: float
    what: str
    status: int | str  # an HTTP status, or "reset" when the connection broke
    traceback: bool = False
    db_message: bool = False
    seconds: float = 0.0


@dataclass
class Ledger:
    """What the load saw and what the server acknowledged as committed."""

    seen: list[Seen] = field(default_factory=list)
    needs: set[int] = field(default_factory=set)  # need ids in a 302 Location
    interests: set[int] = field(
        default_factory=set
    )  # need ids the researcher's interest was acknowledged on
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, seen: Seen) -> None:
        with self.lock:
            self.seen.append(seen)

    def between(self, start: float, end: float) -> list[Seen]:
        with self.lock:
            return [s for s in self.seen if start <= s.at <= end]


class Client:
    """A browser-like session: signs in through the form, keeps cookies, records every answer."""

    def __init__(self, base: str, ledger: Ledger, email: str | None) -> None:
        self.base = base
        self.ledger = ledger
        self.email = email
        self.http = requests.Session()
        self.http.headers["User-Agent"] = "fault-drills"
        self.signed_in = email is None
        self.last_status: int | str = 0

    def request(
        self, method: str, path: str, what: str, **kwargs
    ) -> requests.Response | None:
        start = time.monotonic()
        try:
            response = self.http.request(
                method,
                self.base + path,
                timeout=TIMEOUT,
                allow_redirects=False,
                **kwargs,
            )
        except requests.RequestException:
            self.last_status = "reset"
            self.ledger.add(
                Seen(time.monotonic(), what, "reset", seconds=time.monotonic() - start)
            )
            return None
        body = response.text
        self.last_status = response.status_code
        self.ledger.add(Seen(
            time.monotonic(), what, response.status_code,
            traceback=bool(TRACEBACK.search(body)), db_message=DB_MESSAGE in body,
            seconds=time.monotonic() - start,
        ))  # fmt: skip
        if response.status_code == 302 and "/auth/login" in response.headers.get(
            "Location", ""
        ):
            self.signed_in = self.email is None
        return response

    def form(self, path: str, action_suffix: str, what: str) -> dict[str, str] | None:
        response = self.request("GET", path, what)
        if response is None or response.status_code != 200:
            return None
        for action, fields in forms_of(response.text).items():
            if (action or path).split("?")[0].endswith(
                action_suffix
            ) and "csrf_token" in fields:
                return fields
        return None

    def sign_in(self) -> bool:
        if self.signed_in:
            return True
        fields = self.form("/auth/login", "/auth/login", "login form")
        if fields is None:
            return False
        fields |= {"email": self.email, "password": PASSWORD}
        response = self.request("POST", "/auth/login", "login", data=fields)
        self.signed_in = response is not None and response.status_code == 302
        return self.signed_in


class Load:
    """Reader and writer threads until stopped; every answer goes to the ledger."""

    def __init__(self, base: str, ledger: Ledger, readers: int = 3) -> None:
        self.base = base
        self.ledger = ledger
        self.stop_event = threading.Event()
        self.pause_writes = threading.Event()
        self.write_in_flight = threading.Event()
        self.threads = [
            threading.Thread(target=self._reader, args=(n,), daemon=True)
            for n in range(readers)
        ]
        self.threads += [
            threading.Thread(target=self._enterprise, daemon=True),
            threading.Thread(target=self._researcher, daemon=True),
        ]

    def start(self) -> None:
        for thread in self.threads:
            thread.start()

    def stop(self) -> None:
        self.stop_event.set()
        for thread in self.threads:
            thread.join(TIMEOUT + 5)

    def _sleep(self, seconds: float) -> None:
        self.stop_event.wait(seconds)

    def _reader(self, n: int) -> None:
        client = Client(self.base, self.ledger, RESEARCHER if n == 0 else None)
        rng = random.Random(n)
        while not self.stop_event.is_set():
            if not client.sign_in():
                self._sleep(0.5)
                continue
            with self.ledger.lock:
                recent = sorted(self.ledger.needs)[-5:]
            pages = ["/", "/enterprises/needs", "/researchers/", "/api/v1/orders",
                     "/search/?q=" + rng.choice(SEARCH_WORDS)]  # fmt: skip
            if recent:
                pages.append(
                    f"/enterprises/needs/{rng.choice(recent)}"
                )  # runs the matching
            path = rng.choice(pages)
            client.request(
                "GET", path, "read " + path.split("?")[0].rstrip("0123456789")
            )
            self._sleep(0.05)

    def _enterprise(self) -> None:
        client = Client(self.base, self.ledger, ENTERPRISE)
        number = 0
        while not self.stop_event.is_set():
            if self.pause_writes.is_set() or not client.sign_in():
                self._sleep(0.3)
                continue
            fields = client.form(
                "/enterprises/needs/new", "/enterprises/needs/new", "need form"
            )
            if fields is None:
                self._sleep(0.3)
                continue
            number += 1
            token = f"{os.getpid()}-{number}-{random.randrange(10**6)}"
            fields |= {
                "title": f"Diễn tập sự cố {token}: xử lý nước thải ao nuôi cá tra",
                "description": f"Nhu cầu diễn tập {token}: hệ thống xử lý nước thải cho ao nuôi.",
                "desired_outcome": f"Kết quả {token}",
                "targets": f"Chỉ tiêu {token}",
            }
            self.write_in_flight.set()
            response = client.request(
                "POST", "/enterprises/needs/new", "write need", data=fields
            )
            self.write_in_flight.clear()
            if response is not None and response.status_code == 302:
                found = re.search(
                    r"/enterprises/needs/(\d+)$", response.headers.get("Location", "")
                )
                if found:
                    with self.ledger.lock:
                        self.ledger.needs.add(int(found.group(1)))
            self._sleep(0.2)

    def _researcher(self) -> None:
        client = Client(self.base, self.ledger, RESEARCHER)
        done: set[int] = set()
        while not self.stop_event.is_set():
            with self.ledger.lock:
                todo = sorted(self.ledger.needs - done)
            if self.pause_writes.is_set() or not todo or not client.sign_in():
                self._sleep(0.3)
                continue
            need = todo[0]
            path = f"/enterprises/needs/{need}"
            fields = client.form(path, f"{path}/interest", "interest form")
            if fields is None:
                if client.last_status == 200:
                    done.add(
                        need
                    )  # no interest form: already expressed (an answer lost with a worker)
                self._sleep(0.3)
                continue
            fields["message"] = f"Nhóm chúng tôi quan tâm nhu cầu {need}."
            self.write_in_flight.set()
            response = client.request(
                "POST", f"{path}/interest", "write interest", data=fields
            )
            self.write_in_flight.clear()
            if response is not None and response.status_code == 302:
                done.add(need)
                with self.ledger.lock:
                    self.ledger.interests.add(need)
            elif response is not None and response.status_code in (400, 409):
                done.add(
                    need
                )  # refused (already there after a lost answer): not acknowledged by us
            self._sleep(0.2)


# --- Checking --------------------------------------------------------------------------------------------


@dataclass
class Records:
    needs: int
    interests: int
    notifications: int


class Database:
    """Direct reads of the throwaway database, to count and compare."""

    def __init__(self, url: str) -> None:
        self.engine = sa.create_engine(url, pool_pre_ping=True)

    def counts(self) -> Records:
        with self.engine.connect() as conn:
            return Records(
                conn.scalar(sa.text("SELECT count(*) FROM tech_needs")),
                conn.scalar(sa.text("SELECT count(*) FROM need_interests")),
                conn.scalar(sa.text("SELECT count(*) FROM notifications")),
            )

    def missing(self, ledger: Ledger) -> tuple[set[int], set[int]]:
        """Acknowledged needs and interests that are not in the database."""
        with ledger.lock:
            needs, interests = set(ledger.needs), set(ledger.interests)
        with self.engine.connect() as conn:
            found_needs = set(conn.scalars(sa.text("SELECT id FROM tech_needs")))
            found_interests = set(conn.scalars(sa.text(
                "SELECT i.need_id FROM need_interests i JOIN users u ON u.id = i.user_id "
                "WHERE u.email = :email"), {"email": RESEARCHER}))  # fmt: skip
        return needs - found_needs, interests - found_interests

    def half_written(self) -> int:
        """Drill records not whole: a need whose texts are not all its own, an interest without notification."""
        with self.engine.connect() as conn:
            needs = conn.execute(sa.text(
                "SELECT title, description, desired_outcome, targets FROM tech_needs "
                "WHERE title LIKE 'Diễn tập sự cố %'")).all()  # fmt: skip
            orphans = conn.scalar(sa.text(
                "SELECT count(*) FROM need_interests i JOIN tech_needs n ON n.id = i.need_id "
                "WHERE n.title LIKE 'Diễn tập sự cố %' AND NOT EXISTS (SELECT 1 FROM notifications o "
                "WHERE o.kind = 'interest_received' AND o.created_at >= i.created_at - interval '5 seconds' "
                "AND o.params::text LIKE '%' || n.title || '%')"))  # fmt: skip
        broken = 0
        for title, description, outcome, targets in needs:
            token = title.removeprefix("Diễn tập sự cố ").split(":")[0]
            broken += not all(
                token in (text or "") for text in (description, outcome, targets)
            )
        return broken + (orphans or 0)


@dataclass
class Result:
    name: str
    ok: bool
    recovery_s: float
    lost: int
    tracebacks: int
    lines: list[str]


def summarise(name: str, seen: list[Seen]) -> tuple[str, int, int]:
    """Statuses seen during the fault, as ``code×count``; 5xx answers with a traceback; 500s."""
    counts = collections.Counter(str(s.status) for s in seen)
    text = " ".join(f"{code}×{n}" for code, n in sorted(counts.items()))
    tracebacks = sum(1 for s in seen if s.traceback)
    errors = sum(1 for s in seen if s.status == 500)
    return text or "(no requests)", tracebacks, errors


def hits(page: requests.Response | None) -> int:
    """Results on a search page (0 for none, or no page)."""
    if page is None or 'id="search-results"' not in page.text:
        return 0
    listing = page.text.split('id="search-results"', 1)[1].split("</ol>", 1)[0]
    return listing.count('<a class="fw-semibold"')


def first_ok_after(
    ledger: Ledger, after: float, kinds: tuple[str, ...]
) -> float | None:
    with ledger.lock:
        times = [s.at for s in ledger.seen if s.at >= after and s.status in (200, 302)
                 and s.what.startswith(kinds)]  # fmt: skip
    return min(times) if times else None


# --- The drills --------------------------------------------------------------------------------------------


class Drills:
    def __init__(self, pg: Postgres, redis: Redis, app: Platform, load: Load, ledger: Ledger,
                 db: Database, settle: float) -> None:  # fmt: skip
        self.pg, self.redis, self.app, self.load, self.ledger, self.db = (
            pg,
            redis,
            app,
            load,
            ledger,
            db,
        )
        self.settle = settle

    def _records(self, name: str, before: Records, fault_start: float, fault_end: float,
                 recovered: float | None, extra: list[str], ok: bool, expect_5xx: bool = False,
                 since: float | None = None) -> Result:  # fmt: skip
        time.sleep(self.settle)
        after = self.db.counts()
        lost_needs, lost_interests = self.db.missing(self.ledger)
        lost = len(lost_needs) + len(lost_interests)
        half = self.db.half_written()
        seen = self.ledger.between(fault_start, fault_end)
        statuses, tracebacks, errors500 = summarise(name, seen)
        all_tracebacks = sum(
            1 for s in self.ledger.between(fault_start, time.monotonic()) if s.traceback
        )
        # Recovery: from the end of the fault (service back, last kill, deletion) to the first good answer.
        recovery = (
            round(recovered - (since or fault_start), 2)
            if recovered is not None
            else -1.0
        )
        ok = (
            ok
            and lost == 0
            and half == 0
            and all_tracebacks == 0
            and recovered is not None
        )
        if not expect_5xx:
            ok = ok and not any(
                isinstance(s.status, int) and s.status >= 500 for s in seen
            )
        ok = ok and errors500 == 0
        with self.ledger.lock:
            acked = (len(self.ledger.needs), len(self.ledger.interests))
        lines = [
            f"  statuses during the fault: {statuses}",
            f"  records before: needs={before.needs} interests={before.interests} notifications={before.notifications}",
            f"  records after:  needs={after.needs} interests={after.interests} notifications={after.notifications}",
            f"  acknowledged writes so far: needs={acked[0]} interests={acked[1]}; missing: "
            f"needs={sorted(lost_needs)} interests={sorted(lost_interests)}; half-written={half}",
            *extra,
        ]
        for line in lines:
            print(line)
        keys = [
            f"fault_{name}_ok={int(ok)}",
            f"fault_{name}_recovery_s={recovery}",
            f"fault_{name}_lost_records={lost}",
            f"fault_{name}_half_written={half}",
            f"fault_{name}_5xx_with_traceback={tracebacks}",
            f"fault_{name}_500={errors500}",
        ]
        print(" ".join(keys), flush=True)
        return Result(name, ok, recovery, lost, tracebacks, keys)

    def postgres_restart(self) -> Result:
        log(
            "drill postgres_restart: stopping the cluster (fast: every connection killed) for 5 s"
        )
        before = self.db.counts()
        start = time.monotonic()
        self.pg.stop()
        time.sleep(5)
        self.pg.start()
        back = time.monotonic()
        log(f"  cluster back after {back - start:.1f} s")
        wait_for(
            lambda: first_ok_after(self.ledger, back, ("read", "write")), 60, "recovery"
        )
        recovered = first_ok_after(self.ledger, back, ("read", "write"))
        during = self.ledger.between(start, back)
        with_message = sum(1 for s in during if s.status == 503 and s.db_message)
        n503 = sum(1 for s in during if s.status == 503)
        extra = [
            f"  503 pages with the Vietnamese database message: {with_message}/{n503} (API answers are JSON)",
            f"  first good answer {recovered - back:.2f} s after the cluster was back",
        ]
        return self._records("postgres_restart", before, start, back, recovered, extra, since=back,
                             ok=n503 > 0, expect_5xx=True)  # fmt: skip

    def redis_stop(self) -> Result:
        log("drill redis_stop: stopping redis-server for 8 s")
        before = self.db.counts()
        start = time.monotonic()
        self.redis.stop()
        time.sleep(8)
        writes_during = sum(1 for s in self.ledger.between(start, time.monotonic())
                            if s.what.startswith("write") and s.status == 302)  # fmt: skip
        self.redis.start()
        back = time.monotonic()
        # A need posted now is indexed by the worker once the web process tries Redis again.
        probe = f"kiemtra{random.randrange(10**6)}"
        client = Client(self.app.base, Ledger(), ENTERPRISE)
        client.sign_in()
        time.sleep(
            16
        )  # JOB_REDIS_RETRY_SECONDS (15 s by default): the web workers try Redis again
        fields = (
            client.form("/enterprises/needs/new", "/enterprises/needs/new", "need form")
            or {}
        )
        fields |= {"title": f"Diễn tập sự cố {probe}: hàng đợi", "description": f"Diễn tập {probe}",
                   "desired_outcome": probe, "targets": probe}  # fmt: skip
        posted = client.request(
            "POST", "/enterprises/needs/new", "probe need", data=fields
        )
        link = posted.headers.get("Location", "") if posted is not None else ""
        link = link.replace(self.app.base, "")
        found = None
        deadline = time.monotonic() + 60
        while link and time.monotonic() < deadline:
            page = client.request("GET", "/search/?q=" + probe, "probe search")
            if (
                page is not None
                and page.status_code == 200
                and f'href="{link}"' in page.text
            ):
                found = time.monotonic()
                break
            time.sleep(0.5)
        queued = self.redis.command("LLEN", "rq:queue:matchmaker")
        finished = self.redis.command("ZCARD", "rq:finished:matchmaker")
        worker_alive = self.app.worker.poll() is None
        extra = [
            f"  writes acknowledged while Redis was down (jobs ran in the web process): {writes_during}",
            f"  RQ worker still running after Redis came back: {worker_alive}; queue length now {queued}; "
            f"finished jobs recorded {finished}",
            "  a need posted after the return was found by search (indexed by the worker) "
            + (
                f"{found - back:.1f} s after Redis was back"
                if found
                else "NOT within 60 s"
            ),
        ]
        return self._records("redis_stop", before, start, back, found, extra, since=back,
                             ok=worker_alive and found is not None and writes_during > 0)  # fmt: skip

    def worker_kill(self) -> Result:
        log(
            "drill worker_kill: SIGKILL every gunicorn worker while a write is in flight, 3 times"
        )
        before = self.db.counts()
        start = time.monotonic()
        killed = 0
        last_kill = start
        for _round in range(3):
            if not self.load.write_in_flight.wait(90):  # the new workers boot first
                break
            time.sleep(random.uniform(0.0, 0.05))
            for pid in self.app.gunicorn_workers():
                try:
                    os.kill(pid, signal.SIGKILL)
                    killed += 1
                    last_kill = time.monotonic()
                except ProcessLookupError:
                    pass
            time.sleep(3)
        end = time.monotonic()
        wait_for(
            lambda: first_ok_after(self.ledger, end, ("write",)),
            90,
            "a write after the kills",
        )
        recovered = first_ok_after(self.ledger, end, ("write",))
        resets = sum(1 for s in self.ledger.between(start, end) if s.status == "reset")
        extra = [f"  workers killed: {killed}; connections broken: {resets}; "
                 f"gunicorn workers now: {len(self.app.gunicorn_workers())}"]  # fmt: skip
        return self._records(
            "worker_kill",
            before,
            start,
            end,
            recovered,
            extra,
            ok=killed > 0,
            since=last_kill,
        )

    def index_deleted(self) -> Result:
        log("drill index_deleted: deleting the search index folder")
        before = self.db.counts()
        client = Client(self.app.base, Ledger(), None)
        query = "/search/?q=" + requests.utils.quote("nước thải")
        first = client.request("GET", query, "search")
        total_before = hits(first)
        start = time.monotonic()
        shutil.rmtree(self.app.index)
        said_so = False
        statuses = collections.Counter()
        recovered = None
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            page = client.request("GET", query, "search")
            statuses[page.status_code if page is not None else "reset"] += 1
            if page is not None and REBUILDING in page.text:
                said_so = True
            elif page is not None and page.status_code == 200 and said_so:
                recovered = time.monotonic()
                break
            time.sleep(0.3)
        after_page = client.request("GET", query, "search")
        total_after = hits(after_page)
        extra = [
            "  search answers while the index was missing: "
            + " ".join(f"{k}×{v}" for k, v in statuses.items())
            + f"; said 'temporarily unavailable while rebuilt': {said_so}",
            f"  results for 'nước thải' on the first page before/after: {total_before}/{total_after}; "
            f"index folder back: {self.app.index.exists()}",
        ]
        end = recovered or time.monotonic()
        other_5xx = sum(1 for s in self.ledger.between(start, end) if isinstance(s.status, int)
                        and s.status >= 500 and not (s.status == 503 and s.what == "read /search/"))  # fmt: skip
        extra.append(
            f"  5xx other than the search page's 503 during the fault: {other_5xx}"
        )
        return self._records("index_deleted", before, start, end, recovered, extra,
                             ok=said_so and total_after >= total_before > 0 and other_5xx == 0,
                             expect_5xx=True)  # fmt: skip

    def refit_killed(self) -> Result:
        log("drill refit_killed: SIGKILL the work horse of a matching refit job")
        before = self.db.counts()
        model = self.app.matching / "matching.joblib"
        # The load's writes trigger refits of their own (MATCHING_REFIT_MIN_CHANGES): pause them, and let
        # a running refit end, so that the file changes only by the job under test.
        self.load.pause_writes.set()
        lock = self.app.matching / "refit.lock"
        wait_for(lambda: not lock.exists(), 180, "the load's own refit to end")
        time.sleep(1)
        digest = hashlib.sha256(model.read_bytes()).hexdigest()
        others = set(
            children(self.app.worker.pid)
        )  # the RQ scheduler; the horse is forked per job
        mtime = model.stat().st_mtime_ns
        start = time.monotonic()
        job = self.app.python(
            "from matchmaker import create_app\n"
            "from matchmaker.services import jobs\n"
            "from matchmaker.services.matching import model as m\n"
            "app = create_app()\n"
            "with app.app_context():\n"
            "    lock = m._take_lock(m.model_dir())\n"
            "    print(jobs.enqueue('matching.refit', 'matchmaker.services.matching.model.refit_job',"
            " str(lock), background=True).id)\n"
        ).strip()
        # Jobs queued before it (index updates, mail) run first: wait until the worker starts this one.
        horse = None
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and horse is None:
            if self.redis.command("HGET", f"rq:job:{job}", "status") == "started":
                found = set(children(self.app.worker.pid)) - others
                horse = found.pop() if found else None
            time.sleep(0.02)
        killed = False
        if horse is not None:
            time.sleep(0.2)  # into the fit
            try:
                os.kill(horse, signal.SIGKILL)
                killed = True
            except ProcessLookupError:
                pass
        time.sleep(1)
        unchanged = hashlib.sha256(model.read_bytes()).hexdigest() == digest
        kill_end = time.monotonic()
        # The model keeps serving: need pages (which run the matching) answer.
        client = Client(self.app.base, Ledger(), None)
        with self.ledger.lock:
            some = sorted(self.ledger.needs)[-3:]
        served = [
            client.request("GET", f"/enterprises/needs/{n}", "match") for n in some
        ]
        serving = all(r is not None and r.status_code == 200 for r in served)
        leftovers = sorted(
            p.name for p in self.app.matching.iterdir() if p.name != "matching.joblib"
        )
        # The job is retried (JOB_RETRY_INTERVALS): a later refit replaces the model whole.
        replaced = None
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if model.stat().st_mtime_ns != mtime:
                replaced = time.monotonic()
                break
            time.sleep(0.3)
        after_files = sorted(
            p.name for p in self.app.matching.iterdir() if p.name != "matching.joblib"
        )
        self.load.pause_writes.clear()
        extra = [
            f"  job {job}: work horse {'killed' if killed else 'not found (the refit ended first)'}; "
            f"model file unchanged after the kill: {unchanged}; need pages served by the old model: {serving}",
            f"  files beside the model after the kill: {leftovers or 'none'}; after the retry: {after_files or 'none'}",
            "  model replaced by the retried refit: "
            + (
                f"{replaced - kill_end:.1f} s after the kill"
                if replaced
                else "NOT within 60 s"
            ),
        ]
        return self._records("refit_killed", before, start, kill_end, replaced, extra, since=kill_end,
                             ok=killed and unchanged and serving and not after_files)  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--settle", type=float, default=3.0, help="seconds of load after each drill"
    )
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers")
    parser.add_argument("--only", nargs="*", help="run only these drills")
    parser.add_argument(
        "--keep-logs",
        action="store_true",
        help="copy the logs to bench/results/fault-logs",
    )
    args = parser.parse_args()
    if os.geteuid() != 0:
        print(
            "bench/faults.py runs PostgreSQL as the postgres user: run it as root.",
            file=sys.stderr,
        )
        return 2
    root = Path(tempfile.mkdtemp(prefix="matchmaker-faults-"))
    root.chmod(0o755)
    pg = Postgres(root)
    redis = Redis(root)
    app = Platform(root, pg, redis, args.workers)
    load: Load | None = None
    results: list[Result] = []
    try:
        log(f"PostgreSQL {pg.bin.parent.name} on port {pg.port}, redis-server on {redis.port}, "
            f"gunicorn on {app.port} ({args.workers} workers x 4 threads); folder {root}")  # fmt: skip
        pg.init()
        redis.start()
        log("migrations, demo data, search index, matching model")
        app.prepare()
        app.start()
        ledger = Ledger()
        db = Database(pg.url)
        load = Load(app.base, ledger)
        load.start()
        wait_for(
            lambda: len(ledger.needs) >= 3 and ledger.interests,
            90,
            "the load's first writes",
        )
        log(f"load running: {len(ledger.seen)} answers so far")
        drills = Drills(pg, redis, app, load, ledger, db, args.settle)
        names = args.only or [
            "postgres_restart",
            "redis_stop",
            "worker_kill",
            "index_deleted",
            "refit_killed",
        ]
        for name in names:
            time.sleep(args.settle)
            try:
                results.append(getattr(drills, name)())
            except Exception as error:  # noqa: BLE001 — a drill that could not run is reported, not fatal
                print(f"  drill {name} could not run: {error}")
                print(f"fault_{name}_ok=0 fault_{name}_error={type(error).__name__}")
                results.append(Result(name, False, -1, -1, -1, []))
        load.stop()
        load = None
        statuses, tracebacks, errors500 = summarise("all", ledger.seen)
        lost_needs, lost_interests = db.missing(ledger)
        print(f"whole run: {len(ledger.seen)} answers: {statuses}")
        print(f"faults_answers={len(ledger.seen)} faults_acknowledged_needs={len(ledger.needs)} "
              f"faults_acknowledged_interests={len(ledger.interests)} "
              f"faults_lost_records={len(lost_needs) + len(lost_interests)} "
              f"faults_tracebacks={tracebacks} faults_500={errors500} "
              f"faults_all_ok={int(bool(results) and all(r.ok for r in results))}")  # fmt: skip
        db.engine.dispose()
    finally:
        if load is not None:
            load.stop()
        if args.keep_logs:
            target = ROOT / "bench" / "results" / "fault-logs"
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(app.logs, target)
            for extra in (pg.root / "server.log", redis.dir / "redis.log"):
                if extra.exists():
                    shutil.copy(extra, target)
        app.stop()
        redis.stop()
        if pg.running():
            try:
                pg.stop()
            except subprocess.CalledProcessError:
                pass
        shutil.rmtree(root, ignore_errors=True)
        log("stopped everything and removed " + str(root))
    return 0 if results and all(r.ok for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
