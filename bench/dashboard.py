"""Benchmark of the results dashboard: the service and the rendered pages over a city-sized database.

# Run: .venv/bin/python bench/dashboard.py [--runs 7] [--pg postgresql://127.0.0.1:5432/bench] [--profile 10]
# Builds, with bulk inserts, 10,000 researchers, 2,000 orders in assorted states with their history,
# tranches, disbursements, milestones, proposals and results, and 200 action plan tasks, in a temporary SQLite
# database (and in the PostgreSQL database given by --pg, which must exist and be empty: its tables are
# created, analysed and dropped), then times build_dashboard() and four pages as an official: the officials'
# dashboard and the public one, each without and with filters.
# Baseline, timed in the same run: every counted figure computed on its own by the query behind its records
# list (records.count(records_of(key, scope)), the naive route, nothing shared); same_figures says whether
# the dashboard's numbers equal the baseline's. --profile N prints the N slowest queries of one build
# (timed with SQLAlchemy's before/after_cursor_execute events) and where one officials' page's CPU time goes:
# each section (with its SQL time; on SQLite, rows read after the first count as Python), the charts' SVG,
# the template with its number formatting. The last line is machine-readable:
#   db=… queries=… dashboard_cold_ms=… dashboard_cpu_p50_ms=… dashboard_p50_ms=… dashboard_p95_ms=…
#   baseline_p50_ms=… baseline_p95_ms=… speedup=… same_figures=… page_p50_ms=… page_p95_ms=…
#   page_cpu_p50_ms=… page_cpu_p95_ms=… target_ms=300 within_target=… fingerprint_figures_p50_ms=…
#   fingerprint_orders_p50_ms=… load_average=… cpus=…
# fingerprint_figures_p50_ms is the open data "figures" dataset's fingerprint (it computes the public figures
# and hashes them), fingerprint_orders_p50_ms a stored dataset's (two aggregates per source table), the baseline.
# page_p95_ms is the worst p95 of the four pages; within_target is page_p95_ms < target_ms. On a shared
# machine wall-clock times grow with the load; the CPU time of this process (page_cpu_*: over the four
# pages; with SQLite it includes the database's work, which runs in the process, with PostgreSQL it does
# not) is the figure to compare with the target there.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from werkzeug.security import generate_password_hash

# This checkout's code, not whatever ``matchmaker`` the environment has installed.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from matchmaker import create_app
from matchmaker.config import TestConfig, database_url
from matchmaker.extensions import db
from matchmaker.lifecycle import Action, OrderState
from matchmaker.models import (
    Disbursement,
    Enterprise,
    Institution,
    InstitutionKind,
    Milestone,
    NeedInterest,
    OrderEvent,
    PlanTask,
    PlanTaskStatus,
    Proposal,
    ProposalStatus,
    Publication,
    ResearcherField,
    ResearcherProfile,
    ResearchOrder,
    ResultRecord,
    Role,
    TechNeed,
    Tranche,
    User,
)
from matchmaker.services import dashboard
from matchmaker.services.opendata.datasets import DATASETS, fingerprint

TARGET_MS = 300
PLAN_TASKS = 200
PASSWORD = "Bench-dashboard-2027"
S = OrderState
# The path of steps to each state (the steps after creation), and the state each step leads to.
PATH = [
    (Action.SUBMIT, S.SUBMITTED), (Action.APPROVE, S.APPROVED), (Action.PUBLISH, S.PUBLISHED),
    (Action.CLOSE_APPLICATIONS, S.APPLICATIONS_CLOSED), (Action.START_REVIEW, S.UNDER_REVIEW),
    (Action.AWARD, S.AWARDED), (Action.START_WORK, S.IN_PROGRESS),
    (Action.REQUEST_ACCEPTANCE, S.ACCEPTANCE_REVIEW), (Action.ACCEPT, S.ACCEPTED),
    (Action.REGISTER_RESULTS, S.RESULTS_REGISTERED), (Action.START_APPLICATION, S.IN_APPLICATION),
    (Action.CLOSE, S.CLOSED),
]  # fmt: skip
FIELDS = ["101", "102", "201", "202", "301", "401", "405", "501"]
AREAS = ["aquaculture", "rice_fruit", "salinity_water", "health", "ai"]
TODAY = date(2027, 6, 30)
EPOCH = datetime(2025, 1, 1, 3, tzinfo=UTC)


def _insert(model, rows: list[dict]) -> None:
    if rows:
        db.session.execute(sa.insert(model), rows)


def build(researchers: int, orders: int, rng: random.Random) -> None:
    """Fill the empty database with a synthetic city."""
    _insert(Institution, [{"id": i, "slug": f"i{i}", "name_vi": f"Cơ quan {i}", "name_en": "", "short_name": "",
                           "kind": InstitutionKind.AGENCY if i <= 4 else InstitutionKind.UNIVERSITY,
                           "district": "", "address": ""} for i in range(1, 21)])  # fmt: skip
    _insert(User, [{"id": 1, "email": "official@bench.example", "full_name": "Cán bộ", "role": Role.OFFICIAL,
                    "password_hash": generate_password_hash(PASSWORD), "institution_id": 1, "email_verified_at": EPOCH, "session_version": 1, "active": True}])  # fmt: skip
    _insert(User, [{"id": 100 + n, "email": f"r{n}@bench.example", "full_name": f"Nhà khoa học {n}",
                    "role": Role.RESEARCHER, "institution_id": 5 + n % 16 if n % 5 else None,
                    "session_version": 1, "active": True} for n in range(researchers)])  # fmt: skip
    _insert(ResearcherProfile, [{"id": n + 1, "user_id": 100 + n, "keywords": [], "links": [],
                                 "priority_area": AREAS[n % 5], "summary": "", "capabilities": "",
                                 "updated_at": EPOCH + timedelta(days=n % 900)} for n in range(researchers)])  # fmt: skip
    _insert(ResearcherField, [{"researcher_id": n + 1, "field_code": FIELDS[n % 8]} for n in range(0, researchers, 2)])  # fmt: skip
    _insert(Publication, [{"researcher_id": n + 1, "title": "Bài báo", "title_key": "bai bao"}
                          for n in range(0, researchers, 3)])  # fmt: skip
    _insert(
        Enterprise,
        [
            {"id": e, "slug": f"e{e}", "name": f"Doanh nghiệp {e}"}
            for e in range(1, 201)
        ],
    )
    _insert(TechNeed, [{"id": k, "enterprise_id": 1 + k % 200, "title": "Nhu cầu", "description": "",
                        "field_code": FIELDS[k % 8], "created_at": EPOCH + timedelta(days=k % 900),
                        "updated_at": EPOCH + timedelta(days=k % 900)} for k in range(1, 1001)])  # fmt: skip
    _insert(NeedInterest, [{"need_id": 1 + k % 1000, "user_id": 100 + k, "message": "",
                            "created_at": EPOCH + timedelta(days=k % 900)} for k in range(2000)])  # fmt: skip
    _orders(orders, researchers, rng)
    _plan(PLAN_TASKS, rng)
    db.session.commit()


def _plan(count: int, rng: random.Random) -> None:
    """The action plan's tasks, led by the four agencies, in every standing (some without a deadline)."""
    rows = []
    for k in range(1, count + 1):
        status = rng.choice(list(PlanTaskStatus))
        deadline = (
            None if k % 10 == 0 else TODAY + timedelta(days=rng.randint(-400, 400))
        )
        done = None
        if status == PlanTaskStatus.COMPLETED:
            done = (deadline or TODAY) + timedelta(days=rng.randint(-60, 30))
        rows.append({"id": k, "code": f"NV{k}", "title": f"Nhiệm vụ kế hoạch {k}", "plan": "CTHĐ 83",
                     "objective": "", "lead_agency_id": 1 + k % 4, "deadline": deadline, "status": status,
                     "completed_on": done, "evidence": "QĐ" if done else "",
                     "created_at": EPOCH, "updated_at": EPOCH})  # fmt: skip
    _insert(PlanTask, rows)


def _orders(count: int, researchers: int, rng: random.Random) -> None:
    order_rows, events, tranches, pays, milestones, proposals, results = (
        [],
        [],
        [],
        [],
        [],
        [],
        [],
    )
    tranche_id = 0
    for oid in range(1, count + 1):
        steps = rng.randint(0, len(PATH))
        start = EPOCH + timedelta(days=rng.randint(0, 800))
        state, when = S.DRAFT, start
        awarded = steps >= 6
        value = rng.randint(2, 20) * 100_000_000
        pi = 100 + rng.randrange(researchers)
        for number, (action, target) in enumerate(PATH[:steps]):
            when += timedelta(days=rng.randint(3, 40))
            fields = {}
            if action == Action.AWARD:
                fields = {"contract_value": value, "payment_schedule": [], "start_date": when.date().isoformat(),
                          "end_date": (when + timedelta(days=540)).date().isoformat(), "contract_number": f"HĐ{oid}"}  # fmt: skip
            events.append({"order_id": oid, "action": action.value, "from_state": state.value,
                           "to_state": target.value, "fields": fields, "note": "", "created_at": when})  # fmt: skip
            state = target
            if action == Action.PUBLISH:
                proposals += [{"order_id": oid, "pi_id": 100 + rng.randrange(researchers), "institution_id": 5 + p,
                               "budget": value, "status": ProposalStatus.SUBMITTED, "submitted_at": when + timedelta(days=5),
                               "approach": "", "timeline": "", "decline_comment": ""} for p in range(rng.randint(0, 4))]  # fmt: skip
            if action == Action.AWARD:
                for n in (1, 2):
                    tranche_id += 1
                    due = (when + timedelta(days=30 + 300 * (n - 1))).date()
                    tranches.append({"id": tranche_id, "order_id": oid, "number": n, "label": "",
                                     "planned_amount": value // 2, "due_date": due})  # fmt: skip
                    if rng.random() < 0.7:
                        pays.append({"tranche_id": tranche_id, "amount": value // 2 - rng.choice([0, 50_000_000]),
                                     "disbursed_on": due, "reference": f"UNC{tranche_id}", "note": ""})  # fmt: skip
                for n in range(3):
                    due = (when + timedelta(days=90 * (n + 1))).date()
                    done = rng.random() < 0.5
                    milestones.append({"order_id": oid, "title": f"Mốc {n}", "deliverable": "", "due_date": due,
                                       "completed_on": due if done else None, "evidence": "BB" if done and n else "",
                                       "submission_note": ""})  # fmt: skip
            if action == Action.REGISTER_RESULTS:
                results += [{"order_id": oid, "product": "Sản phẩm", "applied_at": "HTX" if r else "",
                             "ip_number": "", "beneficiary": "", "description": "", "created_at": when} for r in range(2)]  # fmt: skip
            del number
        order_rows.append({"id": oid, "title": f"Nhiệm vụ {oid}", "agency_id": 1 + oid % 4, "state": state.value,
                           "field_code": FIELDS[oid % 8], "priority_area": AREAS[oid % 5],
                           "state_budget": value, "cofunding": value // 10, "version": steps + 1,
                           "contract_value": value if awarded else None, "pi_id": pi if awarded else None,
                           "internal_parts": [], "created_by_id": 1, "beneficiary": "", "necessity": "",
                           "objectives": "", "main_content": "", "expected_products": ""})  # fmt: skip
    for model, rows in [(ResearchOrder, order_rows), (OrderEvent, events), (Tranche, tranches),
                        (Disbursement, pays), (Milestone, milestones), (Proposal, proposals),
                        (ResultRecord, results)]:  # fmt: skip
        for i in range(0, len(rows), 5000):
            _insert(model, rows[i : i + 5000])


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


# The pages timed: the officials' dashboard and the public one, each without and with filters.
PAGES = {
    "official": "/dashboard/?year=2026",
    "official_filtered": "/dashboard/?year=2026&field=101&agency=2",
    "public": "/dashboard/public?year=2026",
    "public_filtered": "/dashboard/public?year=2026&field=101&area=aquaculture",
}


class QueryClock:
    """Times every SQL statement the engine runs (SQLAlchemy's before/after_cursor_execute events)."""

    def __init__(self, engine) -> None:
        self.timed: list[tuple[float, str]] = []
        sa.event.listen(engine, "before_cursor_execute", self._before)
        sa.event.listen(engine, "after_cursor_execute", self._after)

    def _before(self, conn, _cursor, _statement, _params, _context, _many) -> None:
        conn.info.setdefault("bench_started", []).append(time.perf_counter())

    def _after(self, conn, _cursor, statement, _params, _context, _many) -> None:
        began = conn.info["bench_started"].pop()
        self.timed.append((1000 * (time.perf_counter() - began), statement))

    def clear(self) -> None:
        self.timed.clear()

    def slowest(self, n: int) -> list[tuple[float, str]]:
        return sorted(self.timed, key=lambda pair: -pair[0])[:n]


def _time(call, runs: int) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU milliseconds of ``runs`` calls (the session is dropped after each)."""
    wall, cpu = [], []
    for _ in range(runs):
        began, began_cpu = time.perf_counter(), time.process_time()
        call()
        wall.append(1000 * (time.perf_counter() - began))
        cpu.append(1000 * (time.process_time() - began_cpu))
        db.session.remove()
    return wall, cpu


def measure(
    url: str, label: str, runs: int, researchers: int, orders: int, profile: int
) -> None:
    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = url
        MATCHMAKER_DATA_DIR = tempfile.mkdtemp(prefix="bench-dash-")
        # Every page measured computes its figures (the pages otherwise reuse them for 30 s).
        DASHBOARD_CACHE_SECONDS = 0

    app = create_app(Config)
    with app.app_context():
        db.drop_all()
        db.create_all()
        began = time.perf_counter()
        build(researchers, orders, random.Random(57))
        if (
            db.engine.dialect.name == "postgresql"
        ):  # statistics, as autovacuum keeps in a live database
            with db.engine.connect().execution_options(
                isolation_level="AUTOCOMMIT"
            ) as connection:
                connection.execute(sa.text("ANALYZE"))
        print(f"# {label}: built in {time.perf_counter() - began:.1f} s")
        scope = dashboard.Scope(dashboard.Period.year(2026), today=TODAY)
        clock = QueryClock(db.engine)
        began = time.perf_counter()
        dashboard.build_dashboard(
            scope
        )  # the first run fills SQLAlchemy's statement cache
        cold = 1000 * (time.perf_counter() - began)
        db.session.remove()
        clock.clear()
        dashboard.build_dashboard(scope)
        db.session.remove()
        per_build = len(clock.timed)
        if profile:
            print(
                f"# {label}: the {profile} slowest of the {per_build} queries of one build (ms):"
            )
            for ms, statement in clock.slowest(profile):
                print(f"#   {ms:6.1f}  {' '.join(statement.split())[:160]}")
            print(f"# {label}: where one officials' page goes (CPU ms, the fastest of {runs}): {page_parts(app, scope, clock, runs)}")  # fmt: skip
        keys = counted_figures(dashboard.build_dashboard(scope))
        baseline_figures = figure_by_figure(scope, keys)  # warm it too
        service, cpu = _time(lambda: dashboard.build_dashboard(scope), runs)
        baseline, _cpu = _time(lambda: figure_by_figure(scope, keys), runs)
        built = dashboard.build_dashboard(scope)
        differ = sorted(
            key for key, value in baseline_figures.items() if built.value(key) != value
        )
        # The open data's figures are fingerprinted by computing them (the public sections) and hashing the
        # rows; the baseline is a stored dataset's fingerprint (two aggregates per source table).
        dashboard.local_today = lambda: (
            TODAY
        )  # the bench's year, as the dashboard above
        figures_mark, _cpu = _time(lambda: fingerprint(DATASETS["figures"]), runs)
        orders_mark, _cpu = _time(lambda: fingerprint(DATASETS["orders"]), runs)
        client = app.test_client()
        signed_in = client.post("/auth/login", data={"email": "official@bench.example", "password": PASSWORD})  # fmt: skip
        assert signed_in.status_code == 302, signed_in.status_code
        pages: dict[str, list[float]] = {}
        pages_cpu: list[float] = []
        for name, path in PAGES.items():
            # the first request warms the templates and the statement cache
            assert client.get(path).status_code == 200, path
            pages[name] = []
            for _ in range(runs):
                began, began_cpu = time.perf_counter(), time.process_time()
                response = client.get(path)
                pages[name].append(1000 * (time.perf_counter() - began))
                pages_cpu.append(1000 * (time.process_time() - began_cpu))
                assert response.status_code == 200, response.status_code
        print(f"# {label}: awarded={built.value('awarded')} late={built.value('late')} "
              f"disbursed={built.value('disbursed')} plan_tasks={built.value('plan_tasks')} "
              f"plan_late={built.value('plan_late')}")  # fmt: skip
        for name, times in pages.items():
            print(f"# {label}: page {name:<18} p50 {statistics.median(times):4.0f} ms  p95 {_pct(times, 0.95):4.0f} ms  {PAGES[name]}")  # fmt: skip
        db.session.remove()
        db.drop_all()
    every_page = [ms for times in pages.values() for ms in times]
    page_p95 = max(_pct(times, 0.95) for times in pages.values())
    print(
        f"db={label} researchers={researchers} orders={orders} plan_tasks={PLAN_TASKS} runs={runs} "
        f"queries={per_build} dashboard_cold_ms={cold:.0f} dashboard_cpu_p50_ms={statistics.median(cpu):.0f} "
        f"dashboard_p50_ms={statistics.median(service):.0f} dashboard_p95_ms={_pct(service, 0.95):.0f} "
        f"baseline_p50_ms={statistics.median(baseline):.0f} baseline_p95_ms={_pct(baseline, 0.95):.0f} "
        f"speedup={statistics.median(baseline) / statistics.median(service):.1f} "
        f"same_figures={str(not differ).lower()} "
        f"page_p50_ms={statistics.median(every_page):.0f} page_p95_ms={page_p95:.0f} "
        f"page_cpu_p50_ms={statistics.median(pages_cpu):.0f} page_cpu_p95_ms={_pct(pages_cpu, 0.95):.0f} "
        f"target_ms={TARGET_MS} within_target={str(page_p95 < TARGET_MS).lower()} "
        f"fingerprint_figures_p50_ms={statistics.median(figures_mark):.1f} "
        f"fingerprint_orders_p50_ms={statistics.median(orders_mark):.1f} "
        f"load_average={os.getloadavg()[0]:.1f} cpus={os.cpu_count()}"
    )
    if differ:
        print(f"# {label}: figures that differ from the baseline: {', '.join(differ)}")


def page_parts(app, scope: dashboard.Scope, clock: QueryClock, runs: int) -> str:
    """The CPU time of each part of the officials' unfiltered page, in a request signed in as the official:
    each section of the service (with the SQL time of its queries), the charts' SVG, the template."""
    from flask import render_template
    from flask_login import login_user

    from matchmaker.blueprints.dashboard import views

    def fastest(call) -> tuple[float, float]:
        cpu, sql = [], []
        for _ in range(runs):
            clock.clear()
            began = time.process_time()
            call()
            cpu.append(1000 * (time.process_time() - began))
            sql.append(sum(ms for ms, _statement in clock.timed))
        return min(cpu), min(sql)

    parts = []
    with app.test_request_context("/dashboard/"):
        login_user(db.session.get(User, 1))
        for spec in dashboard.SECTIONS:
            cpu, sql = fastest(lambda spec=spec: spec.build(scope))
            parts.append(f"{spec.key} {cpu:.1f} (SQL {sql:.1f})")
        board = dashboard.build_dashboard(scope)
        cpu, _sql = fastest(lambda: views._charts(board))
        parts.append(f"charts {cpu:.1f}")
        drawn, choices = views._charts(board), dashboard.filter_choices()
        cpu, _sql = fastest(lambda: render_template(
            "dashboard/index.html", board=board, scope=scope, messages=(), public=False, choices=choices,
            catalogue=dashboard.catalogue, state_labels=views.STATE_LABELS, charts=drawn, args=scope.as_args(),
        ))  # fmt: skip
        parts.append(f"template {cpu:.1f}")
    db.session.remove()
    return ", ".join(parts)


def counted_figures(board: dashboard.Dashboard) -> list[str]:
    """The keys of the board's figures that count their own records."""
    return [
        f.key
        for s in board.sections
        for f in s.figures
        if f.records == f.key and f.unit == "count"
    ]


def figure_by_figure(scope: dashboard.Scope, keys: list[str]) -> dict[str, object]:
    """The baseline: each counted figure computed on its own, by the query behind its records list
    (``records.count(records.records_of(key, scope))``), nothing shared between figures."""
    return {
        key: dashboard.records.count(dashboard.records.records_of(key, scope))
        for key in keys
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--researchers", type=int, default=10_000)
    parser.add_argument("--orders", type=int, default=2_000)
    parser.add_argument("--pg", help="an empty PostgreSQL database to use as well")
    parser.add_argument(
        "--profile",
        type=int,
        default=0,
        metavar="N",
        help="print the N slowest queries of a build",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        measure(
            f"sqlite:///{tmp}/bench.db",
            "sqlite",
            args.runs,
            args.researchers,
            args.orders,
            args.profile,
        )
    if args.pg:
        measure(
            database_url(args.pg),
            "postgresql",
            args.runs,
            args.researchers,
            args.orders,
            args.profile,
        )


if __name__ == "__main__":
    main()
