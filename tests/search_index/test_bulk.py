"""Tests of batch rebuilds: the bulk writer writes what Whoosh's writer does, in one process or more."""

from __future__ import annotations

import multiprocessing
import unicodedata
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from matchmaker.search_index import IndexDoc, SearchIndex, WorkerFailed, loading
from matchmaker.search_index.analysis import analyse, index_terms, pair_terms
from tests.fixtures.search_index import MakeDoc

TEXTS = [
    "Điện MẶT trời áp mái\nĐÀ NẴNG\r\ncá tra",
    unicodedata.normalize("NFD", "Thủy sản Cần Thơ thủy sản"),
    "a_b 2021-2025 ΣΟΦΟΣ σοφός q\u0301x",
    "trailing\r",
    "\n\nnuôi tôm",
    "",
]


def _docs(make_doc: MakeDoc, count: int) -> list[IndexDoc]:
    """Varied records; "nghiên cứu" is in all of them, so its postings span several blocks."""
    return [
        make_doc(
            id=str(i),
            kind=("project", "order", "need", "researcher")[i % 4],
            title=f"Nghiên cứu {TEXTS[i % len(TEXTS)]} {i}",
            body=" ".join(TEXTS[(i + k) % len(TEXTS)] for k in range(i % 4)),
            keywords=tuple(TEXTS[: i % 3]),
            institution="" if i % 5 == 0 else f"Viện {i % 7}",
            field="" if i % 6 == 0 else "Nông nghiệp",
            status=("", "đề xuất", "đã nghiệm thu")[i % 3],
            year=None if i % 8 == 0 else 2000 + i % 25,
            date=(None, datetime(2021, 3, 4, 5, 6), date(2020, 1, 2))[i % 3]
            if i % 9
            else datetime(2022, 1, 1, 7, tzinfo=UTC),
            url=f"/p/{i}" if i % 2 else "",
        )
        for i in range(count)
    ]


def _contents(index: SearchIndex) -> dict[str, Any]:
    """Everything a single-segment index holds: postings and term statistics, stored fields, columns."""
    reader = index._searcher().reader()  # white-box: compare what was written
    postings = {}
    for field, term in reader.all_terms():
        matcher = reader.postings(field, term)
        found = []
        while matcher.is_active():
            found.append((matcher.id(), matcher.weight(), matcher.value()))
            matcher.next()
        info = reader.term_info(field, term)
        stats = (info.doc_frequency(), info.weight(), info.max_weight(), info.max_id())
        postings[field, term] = (found, stats)
    count = reader.doc_count_all()
    return {
        "postings": postings,
        "stored": [reader.stored_fields(i) for i in range(count)],
        "columns": {
            name: list(reader.column_reader(name))
            for name in reader.schema.names()
            if reader.has_column(name)
        },
    }


def test_analyse_gives_terms_and_pairs_of_the_joined_text() -> None:
    terms, pairs = analyse(TEXTS)
    joined = "\n".join(TEXTS)
    assert sorted(terms) == sorted(index_terms(joined))
    assert pairs == pair_terms(joined)


def test_rebuild_writes_what_whoosh_writer_writes(
    index_path: Path, tmp_path: Path, make_doc: MakeDoc
) -> None:
    docs = _docs(make_doc, 1100)
    rebuilt = SearchIndex(index_path)
    rebuilt.rebuild(docs)
    upserted = SearchIndex(tmp_path / "upserted").create()
    upserted.upsert_many(docs)
    bulk, whoosh = _contents(rebuilt), _contents(upserted)
    assert len(bulk["postings"][("title", b"nghien")][0]) == 1100  # two blocks
    assert bulk["postings"] == whoosh["postings"]
    assert bulk["stored"] == whoosh["stored"]
    assert bulk["columns"] == whoosh["columns"]


def _answers(index: SearchIndex) -> list[tuple[Any, ...]]:
    """Totals, facets and (id, score) of every hit of a few searches, and a date order; ties in any order."""
    found = []
    for query in ("nghiên cứu", "thuy san", '"điện mặt trời"', "cá*", "sigma σοφός"):
        result = index.search(query, limit=100)
        facets = {k: [(f.value, f.count) for f in v] for k, v in result.facets.items()}
        hits = sorted((hit.id, round(hit.score, 9)) for hit in result.hits)
        found.append((result.total, facets, hits))
    by_date = index.search("cá tra", sort="date", limit=100).hits
    found.append([(hit.date, round(hit.score, 9)) for hit in by_date])
    return found


@pytest.fixture
def small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    """Go parallel from 10 records, 7 at a time, so that a test corpus spans several batches."""
    monkeypatch.setattr(loading, "PARALLEL_FROM", 10)
    monkeypatch.setattr(loading, "BATCH_DOCS", 7)


@pytest.mark.usefixtures("small_batches")
def test_rebuild_in_processes_answers_like_one_process(
    index_path: Path, tmp_path: Path, make_doc: MakeDoc
) -> None:
    docs = _docs(make_doc, 60)
    serial, parallel = SearchIndex(tmp_path / "serial"), SearchIndex(index_path)
    assert serial.rebuild(docs) == 60
    assert parallel.rebuild([*docs, docs[0]], procs=2) == 60  # the repeat is skipped
    assert len(list(parallel._searcher().reader().leaf_readers())) == 2
    assert _answers(parallel) == _answers(serial)


@pytest.mark.usefixtures("small_batches")
def test_rebuild_in_processes_failure_leaves_old_index_live(
    index: SearchIndex, make_doc: MakeDoc
) -> None:
    index.upsert(make_doc(id="old", title="Cá tra"))
    docs = _docs(make_doc, 30)
    broken = make_doc(id="broken", title="Cá tra", year="not a year")
    with pytest.raises(WorkerFailed, match="ValueError"):
        index.rebuild([*docs, broken, *docs], procs=2)
    assert [hit.id for hit in index.search("cá tra").hits] == ["old"]
    assert len(list(index.path.glob("v-*"))) == 1
    assert not _rebuild_workers()


@pytest.mark.usefixtures("small_batches")
def test_rebuild_in_processes_stops_workers_when_source_fails(
    index: SearchIndex, make_doc: MakeDoc
) -> None:
    index.upsert(make_doc(id="old", title="Cá tra"))

    def docs() -> Iterator[IndexDoc]:
        yield from _docs(make_doc, 40)
        raise RuntimeError("database went away")

    with pytest.raises(RuntimeError, match="database went away"):
        index.rebuild(docs(), procs=2)
    assert [hit.id for hit in index.search("cá tra").hits] == ["old"]
    assert len(list(index.path.glob("v-*"))) == 1
    assert not _rebuild_workers()


def _rebuild_workers() -> list:
    """Children left by the rebuild (other libraries' pools, e.g. joblib's loky workers, are not ours)."""
    return [
        p for p in multiprocessing.active_children() if "Loky" not in type(p).__name__
    ]
