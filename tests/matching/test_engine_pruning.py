"""Safe pruning: few candidates scored exactly, filters and the diversity cap unchanged; fit counting."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfTransformer

from matchmaker.matching import (
    Candidate,
    CandidateMeta,
    Document,
    QueryFilter,
    TfidfMatcher,
)
from matchmaker.matching import vectorizer as vectorizer_module

from .test_exactness import WORDS, assert_same, brute_force, random_corpus, vectors

KINDS = ("university", "enterprise", "institute")


def with_meta(rng: np.random.Generator, candidates: list[Candidate]) -> list[Candidate]:
    return [
        Candidate(
            c.candidate_id,
            c.documents,
            CandidateMeta(
                fields=frozenset({str(rng.choice(["cntt", "thủy sản", "môi trường"]))}),
                institution_id=f"inst{rng.integers(6)}",
                institution_kind=str(rng.choice(KINDS)),
                available=bool(rng.random() < 0.8),
            ),
        )
        for c in candidates
    ]


def filtered_brute_force(
    matcher: TfidfMatcher,
    docs: dict[str, np.ndarray],
    metas: dict[str, CandidateMeta],
    text: str,
    k: int,
    where: QueryFilter,
) -> list[tuple[str, float]]:
    """Brute-force ranking, then the filter, then at most ``cap`` per institution, greedily."""
    ranked = brute_force(matcher, docs, text, len(docs))
    kept: list[tuple[str, float]] = []
    per_institution: dict[str, int] = {}
    for candidate_id, score in ranked:
        meta = metas[candidate_id]
        if where.available_only and not meta.available:
            continue
        if (
            where.institution_kinds
            and meta.institution_kind not in where.institution_kinds
        ):
            continue
        if where.fields and not where.fields & meta.fields:
            continue
        if candidate_id in where.exclude_ids:
            continue
        taken = per_institution.get(meta.institution_id, 0)
        if where.max_per_institution is not None and taken >= where.max_per_institution:
            continue
        per_institution[meta.institution_id] = taken + 1
        kept.append((candidate_id, score))
    return kept[:k]


@pytest.mark.parametrize(
    "where",
    [
        QueryFilter(max_per_institution=1),
        QueryFilter(max_per_institution=2, available_only=True),
        QueryFilter(
            institution_kinds=frozenset({"enterprise"}), fields=frozenset({"cntt"})
        ),
        QueryFilter(exclude_ids=frozenset({"c001", "c002", "c003"})),
    ],
)
def test_pruned_query_with_filters_equals_brute_force(where: QueryFilter) -> None:
    rng = np.random.default_rng(5)
    candidates = with_meta(rng, random_corpus(rng, 120))
    matcher = TfidfMatcher().fit(candidates)
    docs = vectors(matcher, candidates)
    metas = {c.candidate_id: c.meta for c in candidates}
    for _ in range(10):
        text = " ".join(rng.choice(WORDS, int(rng.integers(2, 10))))
        expected = filtered_brute_force(matcher, docs, metas, text, 5, where)
        assert_same(matcher.query(text, k=5, where=where), expected)


def test_score_top_scores_few_candidates_exactly() -> None:
    rng = np.random.default_rng(9)
    candidates = random_corpus(rng, 400)
    matcher = TfidfMatcher().fit(candidates)
    index = matcher.index_

    def anyone(candidates: np.ndarray) -> np.ndarray:
        return np.ones(len(candidates), dtype=bool)

    def tenth(scored):
        return float(np.sort(scored.totals)[-10]) if len(scored.totals) >= 10 else 0.0

    for _ in range(5):
        text = " ".join(rng.choice(WORDS, 8))
        cols, weights = matcher.vectorizer_.transform_query(Document("q", body=text))
        every = index.score_all(cols, weights, anyone)
        top = index.score_top(cols, weights, 10, anyone, tenth)
        assert len(top.candidates) * 10 < len(every.candidates)
        np.testing.assert_allclose(
            np.sort(top.totals)[-10:], np.sort(every.totals)[-10:], rtol=1e-9
        )


def test_fit_counts_the_same_in_chunks_and_in_processes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rng = np.random.default_rng(2)
    candidates = random_corpus(rng, 150)
    whole = TfidfMatcher().fit(candidates)
    monkeypatch.setattr(vectorizer_module, "CHUNK", 37)
    chunked = TfidfMatcher().fit(candidates)
    parallel = TfidfMatcher(n_jobs=2).fit(candidates)
    for other in (chunked, parallel):
        # Columns may come in another order; each feature's column must hold the same values.
        assert sorted(other.vectorizer_.names_) == sorted(whole.vectorizer_.names_)
        at = np.array(
            [other.vectorizer_.vocabulary_[f] for f in whole.vectorizer_.names_]
        )
        assert (other.index_.rows[:, at] != whole.index_.rows).nnz == 0
        np.testing.assert_array_equal(
            other.vectorizer_.idf_[at], whole.vectorizer_.idf_
        )


def test_fit_idf_is_scikit_learns_smooth_idf() -> None:
    rng = np.random.default_rng(4)
    candidates = random_corpus(rng, 40)
    extra = ["nuôi tôm công nghệ cao", "xâm nhập mặn"]
    matcher = TfidfMatcher().fit(candidates, extra_texts=extra)
    vectorizer = matcher.vectorizer_
    # One binary row per candidate (any of its documents has the word) and one per extra text.
    per_candidate = [
        np.asarray(vectorizer.transform(c.documents).sum(axis=0) > 0, dtype=np.float64)
        for c in candidates
    ]
    extras = vectorizer.transform([Document("x", body=text) for text in extra])
    present = np.vstack([*per_candidate, (extras.toarray() > 0).astype(np.float64)])
    expected = TfidfTransformer().fit(present).idf_
    np.testing.assert_allclose(vectorizer.idf_, expected, rtol=1e-6)


def test_transform_gives_the_fitted_rows() -> None:
    rng = np.random.default_rng(6)
    candidates = random_corpus(rng, 30)
    matcher = TfidfMatcher().fit(candidates)
    documents = [doc for c in candidates for doc in c.documents]
    again = matcher.vectorizer_.transform(documents)
    np.testing.assert_allclose(
        again.toarray(), matcher.index_.rows.toarray(), rtol=1e-6
    )
