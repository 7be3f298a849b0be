"""The relevance benchmark's judgments (bench/relevance/judgments.json) are well-formed against the demo data."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "matchmaker" / "demo" / "data"
JUDGMENTS = ROOT / "bench" / "relevance" / "judgments.json"
# Order states with an "accept" step: such an order becomes a project of the same title.
ACCEPTED = {"accepted", "results_registered", "in_application", "closed"}
# Published orders are searchable; these states come before publication or instead of it.
UNPUBLISHED = {"draft", "submitted", "approved", "rejected", "cancelled"}


def _demo(name: str) -> list[dict]:
    return json.loads((DEMO / f"{name}.json").read_text(encoding="utf-8"))


def _fold(text: str) -> str:
    """Lower case without diacritics (đ as d), as a person types without accents."""
    stripped = "".join(
        c
        for c in unicodedata.normalize("NFD", text.lower())
        if not unicodedata.combining(c)
    )
    return stripped.replace("đ", "d")


@pytest.fixture(scope="module")
def judged() -> dict:
    return json.loads(JUDGMENTS.read_text(encoding="utf-8"))


def _grades(judgments: dict) -> list[tuple[int, str]]:
    return [tuple(value) for value in judgments.values()]


def test_relevance_judgments_have_at_least_40_queries(judged):
    assert len(judged["matching"]) + 2 * len(judged["search"]) >= 40
    assert len(judged["matching"]) >= 10 and len(judged["search"]) >= 10


def test_relevance_grades_are_0_to_3_each_with_a_short_reason(judged):
    entries = [q["judgments"] for q in judged["matching"] + judged["search"]]
    for judgments in entries:
        assert max(grade for grade, _ in _grades(judgments)) >= 2
        for grade, reason in _grades(judgments):
            assert isinstance(grade, int) and 0 <= grade <= 3
            assert reason.strip() and len(reason.split()) <= 4


def test_relevance_matching_queries_and_researchers_are_demo_records(judged):
    orders = {o["key"] for o in _demo("orders")}
    needs = {n["title"] for n in _demo("needs")}
    emails = {r["email"] for r in _demo("researchers")}
    for query in judged["matching"]:
        assert query["key"] in (orders if query["kind"] == "order" else needs)
        assert set(query["judgments"]) <= emails


def test_relevance_search_records_are_searchable_demo_records(judged):
    orders = _demo("orders")
    searchable = {
        *(f"order:{o['key']}" for o in orders if o["target_state"] not in UNPUBLISHED),
        *(
            f"need:{n['title']}"
            for n in _demo("needs")
            if n["confidentiality"] != "private"
        ),
        *(f"project:{p['title']}" for p in _demo("projects")),
        *(f"project:{o['title']}" for o in orders if o["target_state"] in ACCEPTED),
    }
    for query in judged["search"]:
        assert set(query["judgments"]) <= searchable, query["query"]


def test_relevance_search_queries_are_typed_with_and_without_diacritics(judged):
    for query in judged["search"]:
        assert query["query"] != query["unaccented"]
        assert _fold(query["query"]) == query["unaccented"]
        assert _fold(query["unaccented"]) == query["unaccented"]
    typed = [q["query"] for q in judged["search"]]
    assert len(set(typed)) == len(typed)
