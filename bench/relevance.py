"""Vietnamese relevance benchmark: nDCG@10 and MRR of matching and search on the demo data, against hand judgments.

The demo data is loaded as ``matchmaker demo-data`` loads it, into a temporary SQLite database, search index
and matching model. Matching: each judged demo order or need is the query, and the researchers the matching
service returns for it (as the demo official sees them: every researcher, the order's full text) are scored
against the judgments. Search: each judged free-text query is run twice, with and without diacritics, on
projects, orders and needs (the search service's first page of 10).

    python bench/relevance.py [--judgments bench/relevance/judgments.json] [--quiet | --ranked]

The judgments (``bench/relevance/judgments.json``) were written from the demo data before the engine was run
on these queries. Gain is 2^grade - 1 with a log2 discount; the ideal ranking is every judged record, best
first. MRR counts the first result graded 2 or 3. The last line is machine-readable:
``queries=… matching_ndcg10=… matching_mrr=… search_ndcg10=… search_mrr=… search_accented_ndcg10=… …``.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import sqlalchemy as sa  # noqa: E402

from matchmaker import create_app  # noqa: E402
from matchmaker.config import TestConfig  # noqa: E402
from matchmaker.demo import loader as demo  # noqa: E402
from matchmaker.demo import orders as demo_orders  # noqa: E402
from matchmaker.extensions import db  # noqa: E402
from matchmaker.matching import normalise  # noqa: E402
from matchmaker.models import (  # noqa: E402
    Project,
    ResearcherProfile,
    ResearchOrder,
    TechNeed,
    User,
)
from matchmaker.services.matching import matches  # noqa: E402
from matchmaker.services.search import index as search  # noqa: E402

JUDGMENTS = REPO / "bench" / "relevance" / "judgments.json"
K = 10
RELEVANT = 2  # MRR: the first result at least this relevant
KINDS = ["project", "order", "need"]


@dataclass(frozen=True)
class Scored:
    """One query's ranking scored against its judgments."""

    group: str  # "matching", "accented" or "unaccented"
    label: str
    ranked: list[str]
    grades: list[int]
    ndcg: float
    rr: float


def dcg(grades: list[int]) -> float:
    return sum((2**g - 1) / math.log2(rank + 2) for rank, g in enumerate(grades[:K]))


def score(group: str, label: str, ranked: list[str], judged: dict[str, list]) -> Scored:
    """nDCG@10 and reciprocal rank of ``ranked`` against ``judged`` (key -> [grade, reason])."""
    grades = [judged[key][0] if key in judged else 0 for key in ranked]
    ideal = dcg(sorted((g for g, _ in judged.values()), reverse=True))
    first = next((i for i, g in enumerate(grades[:K]) if g >= RELEVANT), None)
    return Scored(
        group,
        label,
        ranked,
        grades,
        dcg(grades) / ideal,
        0.0 if first is None else 1 / (first + 1),
    )


def bench_app(tmp: str):
    """A throwaway app on a SQLite file, with its index and model under ``tmp``."""

    # The test settings keep mail in memory and need no secret-key file; the database is a file.
    class BenchConfig(TestConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp}/relevance.db"
        MATCHMAKER_DATA_DIR = tmp

    return create_app(BenchConfig)


def researcher_ranking(kind: str, key: str, official: User) -> list[str]:
    """E-mails of the researchers the matching service returns for a demo order (by key) or need (by title)."""
    if kind == "order":
        title = next(o["title"] for o in demo_orders.rows() if o["key"] == key)
        order = db.session.scalar(
            sa.select(ResearchOrder).where(ResearchOrder.title == normalise(title))
        )
        found = matches.matches_for_order(order, official, k=K)
    else:
        need = db.session.scalar(
            sa.select(TechNeed).where(TechNeed.title == normalise(key))
        )
        found = matches.matches_for_need(need, official, k=K)
    ids = [view.key for view in found.researchers]
    emails = dict(
        db.session.execute(
            sa.select(ResearcherProfile.id, User.email)
            .join(User, ResearcherProfile.user_id == User.id)
            .where(ResearcherProfile.id.in_(ids))
        ).all()
    )
    return [emails[i] for i in ids]


def record_keys() -> dict[tuple[str, str], str]:
    """The judgments' key of every searchable record, by (kind, id): order:<demo key>, need:/project:<title>."""
    order_keys = {normalise(o["title"]): o["key"] for o in demo_orders.rows()}
    rows = db.session.execute(sa.select(ResearchOrder.id, ResearchOrder.title))
    keys = {("order", str(pk)): f"order:{order_keys[title]}" for pk, title in rows}
    for kind, model in (("need", TechNeed), ("project", Project)):
        rows = db.session.execute(sa.select(model.id, model.title))
        keys.update({(kind, str(pk)): f"{kind}:{title}" for pk, title in rows})
    return keys


def search_ranking(text: str, keys: dict[tuple[str, str], str]) -> list[str]:
    """Judgment keys of the search service's first page for ``text`` over projects, orders and needs."""
    outcome = search.find(text, {"kind": KINDS}, per_page=K)
    if outcome.result is None:
        raise RuntimeError(f"search failed for {text!r}: {outcome}")
    return [keys[hit.kind, hit.id] for hit in outcome.result.hits]


def run(judgments: dict) -> list[Scored]:
    """Load the demo data into a temporary app and score every judged query."""
    with tempfile.TemporaryDirectory() as tmp:
        app = bench_app(tmp)
        with app.app_context():
            db.create_all()
            began = time.perf_counter()
            demo.load_demo_data()
            matches.refit()
            matches.wait_for_refit(app)
            print(
                f"demo data, index and model ready in {time.perf_counter() - began:.1f} s"
            )
            official = db.session.scalar(
                sa.select(User).where(User.email == demo.APPROVING_OFFICIAL)
            )
            results = [
                score(
                    "matching",
                    f"{q['kind']} {q['key'][:60]}",
                    researcher_ranking(q["kind"], q["key"], official),
                    q["judgments"],
                )
                for q in judgments["matching"]
            ]
            keys = record_keys()
            for q in judgments["search"]:
                for group, text in (
                    ("accented", q["query"]),
                    ("unaccented", q["unaccented"]),
                ):
                    results.append(
                        score(group, text, search_ranking(text, keys), q["judgments"])
                    )
            db.session.remove()
            db.engine.dispose()
    return results


def mean(values: list[float]) -> float:
    return statistics.fmean(values) if values else 0.0


def report(results: list[Scored], quiet: bool, ranked: bool) -> str:
    """Print the per-query table (with each ranking if ``ranked``) and the means; return the summary line."""
    if not quiet:
        print(f"{'group':<10} {'nDCG@10':>7} {'RR':>5} {'hits':>4}  query")
        for r in results:
            print(
                f"{r.group:<10} {r.ndcg:7.3f} {r.rr:5.2f} {len(r.ranked):4d}  {r.label}"
            )
            if ranked:
                for key, grade in zip(r.ranked, r.grades, strict=True):
                    print(f"{'':<30}{grade}  {key[:90]}")
    groups = {
        "matching": [r for r in results if r.group == "matching"],
        "search": [r for r in results if r.group != "matching"],
        "search_accented": [r for r in results if r.group == "accented"],
        "search_unaccented": [r for r in results if r.group == "unaccented"],
    }
    print(f"\n| {'queries':<18} | {'n':>3} | nDCG@10 | MRR   |")
    print(f"| {'-' * 18} | --: | ------: | ----: |")
    for name, rows in groups.items():
        ndcg, mrr = mean([r.ndcg for r in rows]), mean([r.rr for r in rows])
        print(f"| {name:<18} | {len(rows):>3} | {ndcg:7.3f} | {mrr:.3f} |")
    empty = sum(1 for r in groups["search"] if not r.ranked)
    fields = [f"queries={len(results)}"]
    for name, rows in groups.items():
        fields.append(f"{name}_ndcg10={mean([r.ndcg for r in rows]):.3f}")
        fields.append(f"{name}_mrr={mean([r.rr for r in rows]):.3f}")
    fields.append(f"search_empty={empty}")
    return " ".join(fields)


def main() -> None:
    """Parse arguments, run the benchmark and print its summary line last."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--judgments", type=Path, default=JUDGMENTS)
    parser.add_argument(
        "--quiet", action="store_true", help="only the means and the summary"
    )
    parser.add_argument(
        "--ranked",
        action="store_true",
        help="list each query's results with their grades",
    )
    args = parser.parse_args()
    judgments = json.loads(args.judgments.read_text(encoding="utf-8"))
    began = time.perf_counter()
    results = run(judgments)
    summary = report(results, args.quiet, args.ranked)
    print(f"\nran in {time.perf_counter() - began:.0f} s")
    print(summary)


if __name__ == "__main__":
    main()
