"""Expertise gold-standard benchmark (Stelmakh et al. 2023) of TfidfMatcher with its default settings.

Researchers are candidates whose documents are their profile papers (title + abstract); each rated paper
is a query. Predictions for the 10 profile variants are scored by the benchmark's own ``evaluate.py``
(imported from the benchmark directory, never copied), with 1,000 bootstrap resamples (seed 0).

    python bench/goldstandard.py [--data DIR] [--variants 1-10]
    python bench/goldstandard.py --top-docs 1,3,5,10,20,all   # compare aggregations (how the default was chosen)

The data directory defaults to ``<repo>/../shared/benchmarks/expertise-goldstandard`` or
``$MATCHMAKER_GOLDSTANDARD``. It ends with one machine-readable line per aggregation: ``top_docs=… loss=… ci_low=… ci_high=…``.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import io
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from types import ModuleType

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from matchmaker.matching import Candidate, Document, TfidfMatcher  # noqa: E402

DEFAULT_DATA = REPO.parent / "shared" / "benchmarks" / "expertise-goldstandard"
PUBLISHED = (("TF-IDF (TPMS)", 0.2811), ("SPECTER", 0.2689), ("SPECTER+MFR", 0.2384))


def read_jsonl(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def load_evaluate(data: Path) -> ModuleType:
    """Import the benchmark's own evaluate.py from its directory."""
    spec = importlib.util.spec_from_file_location(
        "goldstandard_evaluate", data / "evaluate.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def text_of(paper: dict) -> str:
    return ". ".join(
        part for part in (paper.get("title"), paper.get("abstract")) if part
    )


def document_of(paper_id: str, paper: dict) -> Document:
    """A paper as a document: its title and its abstract as the body."""
    return Document(
        paper_id, title=paper.get("title") or "", body=paper.get("abstract") or ""
    )


def predict(matcher: TfidfMatcher, data: dict, variant: int) -> list[dict]:
    """Scores of every rated (researcher, paper) pair for one profile variant."""
    pool, papers, rated = data["pool"], data["papers"], data["rated"]
    candidates = [
        Candidate(
            researcher,
            tuple(document_of(pid, pool[pid]) for pid in paper_ids),
        )
        for researcher, paper_ids in sorted(data["variants"][variant].items())
    ]
    query_ids = sorted({pid for pids in rated.values() for pid in pids})
    matcher.fit(candidates, extra_texts=[text_of(papers[pid]) for pid in query_ids])
    queries = [document_of(pid, papers[pid]) for pid in query_ids]
    results = matcher.query_many(queries, k=None)
    score = {
        pid: {m.candidate_id: m.score for m in matches}
        for pid, matches in zip(query_ids, results, strict=True)
    }
    return [
        {"researcher": r, "paper": pid, "score": score[pid].get(r, 0.0)}
        for r, pids in sorted(rated.items())
        for pid in pids
    ]


def load_data(data: Path) -> dict:
    rated: dict[str, list[str]] = {}
    for rec in read_jsonl(data / "ratings.jsonl"):
        rated.setdefault(rec["researcher"], []).append(rec["paper"])
    variants: dict[int, dict[str, list[str]]] = {}
    for rec in read_jsonl(data / "profile_variants.jsonl"):
        variants.setdefault(rec["variant"], {})[rec["researcher"]] = rec["paper_ids"]
    return {
        "papers": {d["id"]: d for d in read_jsonl(data / "papers.jsonl")},
        "pool": {d["id"]: d for d in read_jsonl(data / "profile_papers.jsonl")},
        "rated": rated,
        "variants": variants,
    }


def score_files(
    data: dict,
    evaluate: ModuleType,
    variants: range,
    top_docs: int | None,
    bootstrap: int,
) -> tuple[dict, list[str]]:
    """Evaluate one aggregation on the profile variants: the summary and the report lines."""
    with tempfile.TemporaryDirectory() as tmp:
        files = []
        for variant in variants:
            path = Path(tmp) / f"matcher_v{variant}.jsonl"
            rows = predict(TfidfMatcher(top_docs=top_docs), data, variant)
            path.write_text(
                "".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8"
            )
            files.append(str(path))
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            evaluate.main(
                [*files, "--bootstrap", str(bootstrap), "--seed", "0", "--json"]
            )
    report = out.getvalue().splitlines()
    return json.loads(report[-1]), report[:-1]


def top_docs_values(text: str) -> list[int | None]:
    """``"1,5,all"`` → ``[1, 5, None]``; ``"default"`` → the engine's default."""
    if text == "default":
        return [TfidfMatcher().top_docs]
    return [None if part == "all" else int(part) for part in text.split(",")]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    env = os.environ.get("MATCHMAKER_GOLDSTANDARD")
    parser.add_argument("--data", type=Path, default=Path(env) if env else DEFAULT_DATA)
    parser.add_argument("--variants", default="1-10", help="e.g. 1 or 1-10")
    parser.add_argument("--bootstrap", type=int, default=1000)
    parser.add_argument(
        "--top-docs",
        default="default",
        help="aggregations to compare, e.g. 1,3,5,10,20,all (mean of the best N documents)",
    )
    args = parser.parse_args(argv)
    low, _, high = args.variants.partition("-")
    variants = range(int(low), int(high or low) + 1)
    data = load_data(args.data)
    evaluate = load_evaluate(args.data)
    default = TfidfMatcher().top_docs
    lines = []
    for top_docs in top_docs_values(args.top_docs):
        started = time.perf_counter()
        summary, report = score_files(
            data, evaluate, variants, top_docs, args.bootstrap
        )
        print("\n".join(line for line in report if not line.startswith("  ")))
        loss, (ci_low, ci_high) = (
            summary["mean"]["loss"],
            summary["ci95"].get("loss", (float("nan"),) * 2),
        )
        shown = "all" if top_docs is None else top_docs
        label = "defaults" if top_docs == default else f"top_docs={shown}"
        print(
            f"\nTfidfMatcher ({label}), {len(variants)} variants: loss {loss:.4f}  "
            f"95% CI [{ci_low:.4f}; {ci_high:.4f}]"
        )
        for name, published in PUBLISHED:
            print(f"  published {name:<14} loss {published:.4f}")
        met = "met" if loss < PUBLISHED[-1][1] else "NOT met"
        print(f"  target: below {PUBLISHED[-1][1]:.3f} -> {met}\n")
        hard, easy = 1 - summary["mean"]["hard_acc"], 1 - summary["mean"]["easy_acc"]
        lines.append(
            f"variants={len(variants)} top_docs={shown} "
            f"default={'yes' if top_docs == default else 'no'} loss={loss:.4f} "
            f"ci_low={ci_low:.4f} ci_high={ci_high:.4f} hard_err={hard:.4f} easy_err={easy:.4f} "
            f"seconds={time.perf_counter() - started:.1f}"
        )
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
