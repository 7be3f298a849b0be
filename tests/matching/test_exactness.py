"""The sparse, pruned scoring gives exactly the brute-force cosine ranking of the same vectors."""

from __future__ import annotations

import numpy as np
import pytest

from matchmaker.matching import Candidate, Document, TfidfMatcher
from matchmaker.matching import index as index_module

WORDS = (
    "nuôi tôm cá tra lúa mặn nước đất phèn điện gió mặt trời học máy dữ liệu cảm biến "
    "vi sinh phân bón thủy sản năng lượng machine learning sensor network aquaculture rice "
    "salinity solar drone robot enzyme protein"
).split()


def random_corpus(rng: np.random.Generator, n: int) -> list[Candidate]:
    def text(size: int) -> str:
        return " ".join(rng.choice(WORDS, size))

    return [
        Candidate(
            f"c{i:03d}",
            tuple(
                Document(
                    f"c{i}:{j}", title=text(4), body=text(int(rng.integers(5, 30)))
                )
                for j in range(int(rng.integers(1, 6)))
            ),
        )
        for i in range(n)
    ]


def brute_force(
    matcher: TfidfMatcher, doc_vectors: dict[str, np.ndarray], text: str, k: int
) -> list[tuple[str, float]]:
    """Dense cosine of the query with every document vector, then the same aggregation."""
    query = matcher.vectorizer_.transform([Document("q", body=text)]).toarray().ravel()
    ranked = []
    for candidate_id, docs in doc_vectors.items():
        sims = np.sort(docs @ query.astype(np.float64))[::-1]
        m = len(sims) if matcher.top_docs is None else min(matcher.top_docs, len(sims))
        score = sims[:m].sum() / m
        if score > 0:
            ranked.append((candidate_id, score))
    ranked.sort(key=lambda item: (-item[1], item[0]))
    return ranked[:k]


def vectors(
    matcher: TfidfMatcher, candidates: list[Candidate]
) -> dict[str, np.ndarray]:
    transform = matcher.vectorizer_.transform
    return {
        c.candidate_id: transform(c.documents).toarray().astype(np.float64)
        for c in candidates
    }


def assert_same(got: list, expected: list[tuple[str, float]]) -> None:
    assert [m.candidate_id for m in got] == [c for c, _ in expected]
    np.testing.assert_allclose(
        [m.score for m in got], [s for _, s in expected], rtol=1e-5
    )


# Pruning settings: few seeds and much slack (tight, often wrong first guesses), and the defaults.
PRUNING = [(1, 1, 0.9), (128, 64, 0.35)]


def prune(
    monkeypatch: pytest.MonkeyPatch, depth: int, units: int, slack: float
) -> None:
    monkeypatch.setattr(index_module, "SEED_DEPTH", depth)
    monkeypatch.setattr(index_module, "SEED_UNITS", units)
    monkeypatch.setattr(index_module, "SLACK", slack)


@pytest.mark.parametrize("pruning", PRUNING)
@pytest.mark.parametrize("top_docs", [None, 1, 2])
def test_query_equals_brute_force_on_random_corpora(
    monkeypatch: pytest.MonkeyPatch,
    pruning: tuple[int, int, float],
    top_docs: int | None,
) -> None:
    prune(monkeypatch, *pruning)
    rng = np.random.default_rng(pruning[0] + (top_docs or 0))
    candidates = random_corpus(rng, 60)
    matcher = TfidfMatcher(top_docs=top_docs).fit(candidates)
    docs = vectors(matcher, candidates)
    for _ in range(15):
        text = " ".join(rng.choice(WORDS, int(rng.integers(1, 12))))
        k = int(rng.integers(1, 8))
        assert_same(matcher.query(text, k=k), brute_force(matcher, docs, text, k))


def test_query_equals_brute_force_after_upserts(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    prune(monkeypatch, *PRUNING[0])
    rng = np.random.default_rng(7)
    candidates = random_corpus(rng, 40)
    matcher = TfidfMatcher().fit(candidates)
    changed = random_corpus(rng, 50)[30:]
    for candidate in changed:
        matcher.upsert(candidate)
    current = {c.candidate_id: c for c in candidates} | {
        c.candidate_id: c for c in changed
    }
    docs = vectors(matcher, list(current.values()))
    for _ in range(10):
        text = " ".join(rng.choice(WORDS, 6))
        assert_same(matcher.query(text, k=5), brute_force(matcher, docs, text, 5))


def test_query_all_candidates_equals_brute_force() -> None:
    rng = np.random.default_rng(3)
    candidates = random_corpus(rng, 30)
    matcher = TfidfMatcher().fit(candidates)
    docs = vectors(matcher, candidates)
    text = " ".join(rng.choice(WORDS, 8))
    assert_same(matcher.query(text, k=None), brute_force(matcher, docs, text, 1000))


def test_fit_in_parallel_gives_the_same_matches() -> None:
    rng = np.random.default_rng(11)
    candidates = random_corpus(rng, 400)
    serial = TfidfMatcher().fit(candidates)
    parallel = TfidfMatcher(n_jobs=2).fit(candidates)
    assert len(serial.doc_ids_) > 1000
    for _ in range(5):
        text = " ".join(rng.choice(WORDS, 6))
        expected = serial.query(text, k=5)
        got = parallel.query(text, k=5)
        assert [m.candidate_id for m in got] == [m.candidate_id for m in expected]
        np.testing.assert_allclose(
            [m.score for m in got], [m.score for m in expected], rtol=1e-5
        )


@pytest.mark.parametrize("top_docs", [None, 1, 2])
def test_affinity_gives_each_named_candidate_its_brute_force_score(top_docs):
    rng = np.random.default_rng(7)
    corpus = random_corpus(rng, 40)
    matcher = TfidfMatcher(top_docs=top_docs).fit(corpus)
    matcher.remove("c005")
    doc_vectors = vectors(matcher, corpus)
    del doc_vectors["c005"]
    texts = [" ".join(rng.choice(WORDS, 8)) for _ in range(5)] + ["và của"]
    named = ["c030", "c005", "nobody", "c001", "c030"]
    grid = matcher.affinity(texts, named)
    assert grid.shape == (len(texts), len(named))
    for line, text in enumerate(texts):
        expected = dict(brute_force(matcher, doc_vectors, text, len(corpus)))
        for column, candidate_id in enumerate(named):
            assert grid[line, column] == pytest.approx(
                expected.get(candidate_id, 0.0), rel=1e-5, abs=1e-9
            )
    assert (grid[:, 1] == 0).all() and (grid[:, 2] == 0).all()
    assert (grid[-1] == 0).all()
    assert grid[:5, 0].max() > 0
