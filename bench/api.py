"""Benchmark of the public API's reads at city size: p50/p95 of the main endpoints, warm, in process.

# Run: PYTHONPATH=. .venv/bin/python bench/api.py [--runs 30] [--pg postgresql://127.0.0.1:5432/bench]
# Builds the dashboard bench's synthetic city (bench/dashboard.py: 10,000 researchers, 2,000 orders with
# their history, 1,000 needs) plus 3,000 projects and some text to match, in a temporary SQLite database
# (and in the PostgreSQL database given by --pg, which must exist and be empty: its tables are created
# and dropped), builds the search index and the matching model, then times GET requests to the API's
# lists (filters, sorting, a far page), records, search and figures through the Flask test client, warm,
# ``--runs`` times each. The baseline, in the same run, is the service call behind each list (the query,
# without serialisation or HTTP), and the projects' text filter as it was, folding every row's title and
# summary at query time (the lists now read the folded text stored with each row), and the same for the
# accounts list (the administrators' list of the 10,000 accounts, by e-mail or name). The matching (POST, not a
# read) is timed and reported apart.
# On a shared machine wall-clock times grow with the load; the CPU time (SQLite runs in the process) is
# the figure to compare with the target there. The last line is machine-readable:
#   db=… researchers=… runs=… read_p50_ms=… read_p95_ms=… read_cpu_p95_ms=… worst=<endpoint> worst_p95_ms=…
#   baseline_p95_ms=… projects_text_p95_ms=… projects_text_folded_at_query_time_p95_ms=… accounts_text_p95_ms=…
#   accounts_text_folded_at_query_time_p95_ms=… match_p50_ms=… match_p95_ms=… target_ms=50 within_target=… load_average=… cpus=…
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa
from flask_login import AnonymousUserMixin

sys.path.insert(0, str(Path(__file__).resolve().parent))

from dashboard import FIELDS, TODAY, build  # noqa: E402  (the dashboard bench's city)

from matchmaker import create_app  # noqa: E402
from matchmaker.config import TestConfig, database_url  # noqa: E402
from matchmaker.extensions import db  # noqa: E402
from matchmaker.models import (  # noqa: E402
    Project,
    ProjectStatus,
    Publication,
    ResearcherProfile,
    User,
)
from matchmaker.services import dashboard, stored_text, text_filter  # noqa: E402
from matchmaker.services.accounts import users  # noqa: E402
from matchmaker.services.matching import matches as matching  # noqa: E402
from matchmaker.services.orders import listing  # noqa: E402
from matchmaker.services.pagination import paginate  # noqa: E402
from matchmaker.services.projects import registry  # noqa: E402
from matchmaker.services.researchers import profiles  # noqa: E402
from matchmaker.services.search import index as search  # noqa: E402

TARGET_MS = 50
FOLDED = "projects_text_folded_at_query_time"
VISITOR = AnonymousUserMixin()
TOPICS = [
    "xâm nhập mặn sông Hậu", "nuôi tôm thẻ chân trắng", "giống lúa chịu mặn", "bệnh gan thận mủ cá tra",
    "năng lượng mặt trời áp mái", "trí tuệ nhân tạo nhận dạng sâu bệnh", "xử lý nước thải ao nuôi",
    "bảo quản trái cây sau thu hoạch", "sạt lở bờ sông", "y tế cộng đồng",
]  # fmt: skip
MATCH_TEXT = "Dự báo xâm nhập mặn trên sông Hậu để bảo vệ vùng trồng lúa và nuôi tôm"


def add_texts(researchers: int, projects: int, rng: random.Random) -> None:
    """Give the city's researchers words to match and the registry its projects."""
    db.session.execute(
        sa.update(ResearcherProfile),
        [{"id": n + 1, "summary": f"Nghiên cứu {TOPICS[n % 10]} và {TOPICS[(n * 7) % 10]}.",
          "keywords": [TOPICS[n % 10]]} for n in range(researchers)],
    )  # fmt: skip
    db.session.execute(
        sa.update(Publication),
        [{"id": p.id, "title": f"Đánh giá {TOPICS[p.id % 10]} tại Cần Thơ {p.id}"}
         for p in db.session.execute(sa.select(Publication.id))],
    )  # fmt: skip
    statuses = list(ProjectStatus)
    db.session.execute(sa.insert(Project), [
        {"title": f"Dự án {TOPICS[k % 10]} {k}", "summary": f"Ứng dụng {TOPICS[(k * 3) % 10]}.",
         "pi_id": 100 + rng.randrange(researchers), "pi_name": "", "team": [], "institution_id": 5 + k % 16,
         "field_code": FIELDS[k % 8], "status": statuses[k % len(statuses)], "start_year": 2015 + k % 10,
         "end_year": 2017 + k % 10, "products": "", "ip": "", "applied_at": ""}
        for k in range(projects)
    ])  # fmt: skip
    db.session.commit()


def reads(researcher_id: int, order_id: int, project_id: int) -> dict[str, str]:
    """The read endpoints timed: name → path."""
    return {
        "researchers": "/api/v1/researchers",
        "researchers_field": "/api/v1/researchers?field=101&per_page=50",
        "researchers_text": "/api/v1/researchers?q=xâm nhập mặn",
        "researchers_institution_far": "/api/v1/researchers?institution=7&page=40",
        "researcher": f"/api/v1/researchers/{researcher_id}",
        "orders": "/api/v1/orders",
        "orders_state_deadline": "/api/v1/orders?state=published&sort=deadline",
        "orders_field_title_desc": "/api/v1/orders?field=101&sort=title&dir=desc&per_page=100",
        "orders_text": "/api/v1/orders?q=nhiệm vụ 12",
        "order": f"/api/v1/orders/{order_id}",
        "projects": "/api/v1/projects",
        "projects_status_title": "/api/v1/projects?status=completed&sort=title&page=10",
        "projects_text": "/api/v1/projects?q=xâm nhập mặn",
        "project": f"/api/v1/projects/{project_id}",
        "needs": "/api/v1/needs",
        "institutions": "/api/v1/institutions",
        "results": "/api/v1/results",
        "search": "/api/v1/search?q=xâm nhập mặn",
        "search_researchers": "/api/v1/search?q=nuôi tôm&kind=researcher",
        "figures": "/api/v1/figures?year=2026",
    }


def baselines() -> dict[str, Callable[[], object]]:
    """The service call behind some endpoints: the query alone (no serialisation, no HTTP)."""
    scope = dashboard.Scope(dashboard.Period.year(2026), today=TODAY, public=True)
    return {
        "researchers": lambda: profiles.list_researchers(VISITOR, 1).items,
        "orders": lambda: (
            listing.list_orders(VISITOR, listing.OrderFilters(), 1, 20).rows
        ),
        "projects": lambda: (
            registry.list_projects(registry.ProjectFilters(), 1, 20).items
        ),
        # The text filters as they were: every row's columns folded at query time (now read stored).
        FOLDED: lambda: (
            paginate(
                sa.select(Project)
                .where(
                    text_filter.contains("xam nhap man", Project.title, Project.summary)
                )
                .order_by(*registry.PROJECT_SORTS["recent"]),
                1,
                20,
            ).items
        ),
        "accounts_text": lambda: users.list_users(1, query="khoa học 12").items,
        "accounts_text_folded_at_query_time": lambda: (
            paginate(
                sa.select(User)
                .where(text_filter.contains("khoa hoc 12", User.email, User.full_name))
                .order_by(User.email),
                1,
                25,
            ).items
        ),
        "search": lambda: search.find("xâm nhập mặn", {}, "relevance", 1, 10),
        "figures": lambda: dashboard.build_dashboard(scope),
    }


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


CPU: dict[str, list[float]] = {}


def _time(call: Callable[[], object], runs: int, name: str = "") -> list[float]:
    """Wall-clock milliseconds of ``runs`` warm calls (their CPU times go to ``CPU[name]``)."""
    call()  # warm: the statement cache, the index's readers, the folded names
    times, cpu = [], []
    for _ in range(runs):
        began, began_cpu = time.perf_counter(), time.process_time()
        call()
        times.append(1000 * (time.perf_counter() - began))
        cpu.append(1000 * (time.process_time() - began_cpu))
        db.session.remove()
    CPU[name] = cpu
    return times


def measure(url: str, label: str, runs: int, researchers: int, orders: int) -> None:
    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = url
        MATCHMAKER_DATA_DIR = tempfile.mkdtemp(prefix="bench-api-")
        API_RATE_LIMIT = API_MATCH_RATE_LIMIT = "1000000 per minute"

    app = create_app(Config)
    with app.app_context():
        db.drop_all()
        db.create_all()
        began = time.perf_counter()
        rng = random.Random(57)
        build(researchers, orders, rng)
        add_texts(researchers, 3_000, rng)
        # The bulk statements skip the mapper events that keep the lists' filter text.
        stored_text.refresh(db.session.connection())
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            # The planner's statistics, as autovacuum gathers them soon after a bulk load: without them it
            # guesses one row per table and the figures took 120 ms of PostgreSQL's time instead of 10.
            db.session.execute(sa.text("ANALYZE"))
            db.session.commit()
        indexed = search.rebuild()
        matching.refit()
        print(f"# {label}: built, indexed {indexed} records and fitted the matcher in "
              f"{time.perf_counter() - began:.0f} s")  # fmt: skip
        queries: list[str] = []
        sa.event.listen(db.engine, "before_cursor_execute",
                        lambda _c, _cur, statement, *_a: queries.append(statement))  # fmt: skip
        client = app.test_client()
        order_id = client.get("/api/v1/orders").get_json()["items"][0]["id"]
        project_id = client.get("/api/v1/projects").get_json()["items"][0]["id"]
        endpoints = reads(researchers // 2, order_id, project_id)
        found: dict[str, list[float]] = {}
        for name, path in endpoints.items():
            response = client.get(path)
            assert response.status_code == 200, (
                name,
                response.status_code,
                response.get_data()[:300],
            )
            # A text filter that found nothing would time an empty page.
            if name.endswith("_text"):
                assert response.get_json()["items"], f"{name}: nothing found"
            queries.clear()
            client.get(path)
            per_request = len(queries)
            found[name] = _time(lambda path=path: client.get(path), runs, name)
            print(f"# {label} {name}: p50={statistics.median(found[name]):.1f} ms "
                  f"p95={_pct(found[name], 0.95):.1f} ms cpu_p95={_pct(CPU[name], 0.95):.1f} ms "
                  f"queries={per_request}")  # fmt: skip
        base = {}
        for name, call in baselines().items():
            base[name] = _time(call, runs, f"baseline_{name}")
            print(f"# {label} baseline {name} (service only): p50={statistics.median(base[name]):.1f} ms "
                  f"p95={_pct(base[name], 0.95):.1f} ms cpu_p95={_pct(CPU[f'baseline_{name}'], 0.95):.1f} ms")  # fmt: skip
        body = {"text": MATCH_TEXT, "k": 10}
        first = client.post("/api/v1/matches/researchers", json=body)
        assert first.status_code == 200 and first.get_json()["total"], first.get_data()[
            :300
        ]
        match = _time(
            lambda: client.post("/api/v1/matches/researchers", json=body), runs, "match"
        )
        print(f"# {label} matching (POST, 10 researchers): p50={statistics.median(match):.1f} ms "
              f"cpu_p95={_pct(CPU['match'], 0.95):.1f} ms "
              f"p95={_pct(match, 0.95):.1f} ms")  # fmt: skip
        db.session.remove()
        db.drop_all()
    every = [t for times in found.values() for t in times]
    every_cpu = [t for name in found for t in CPU[name]]
    worst = max(found, key=lambda name: _pct(found[name], 0.95))
    worst_p95 = _pct(found[worst], 0.95)
    print(
        f"db={label} researchers={researchers} orders={orders} runs={runs} endpoints={len(found)} "
        f"read_p50_ms={statistics.median(every):.1f} read_p95_ms={_pct(every, 0.95):.1f} "
        f"read_cpu_p95_ms={_pct(every_cpu, 0.95):.1f} "
        f"worst={worst} worst_p95_ms={worst_p95:.1f} "
        f"baseline_p95_ms={_pct([t for k, v in base.items() if 'folded' not in k for t in v], 0.95):.1f} "
        f"projects_text_p95_ms={_pct(found['projects_text'], 0.95):.1f} "
        f"projects_text_folded_at_query_time_p95_ms={_pct(base[FOLDED], 0.95):.1f} "
        f"accounts_text_p95_ms={_pct(base['accounts_text'], 0.95):.1f} "
        f"accounts_text_folded_at_query_time_p95_ms={_pct(base['accounts_text_folded_at_query_time'], 0.95):.1f} "
        f"match_p50_ms={statistics.median(match):.0f} match_p95_ms={_pct(match, 0.95):.0f} "
        f"target_ms={TARGET_MS} within_target={str(_pct(every, 0.95) <= TARGET_MS).lower()} "
        f"cpu_within_target={str(_pct(every_cpu, 0.95) <= TARGET_MS).lower()} "
        f"every_endpoint_within_target={str(worst_p95 <= TARGET_MS).lower()} "
        f"load_average={os.getloadavg()[0]:.1f} cpus={os.cpu_count()}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--researchers", type=int, default=10_000)
    parser.add_argument("--orders", type=int, default=2_000)
    parser.add_argument("--pg", help="an empty PostgreSQL database to use as well")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        measure(
            f"sqlite:///{tmp}/bench.db",
            "sqlite",
            args.runs,
            args.researchers,
            args.orders,
        )
    if args.pg:
        measure(
            database_url(args.pg),
            "postgresql",
            args.runs,
            args.researchers,
            args.orders,
        )


if __name__ == "__main__":
    main()
