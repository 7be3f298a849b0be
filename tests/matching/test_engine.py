"""Exact rankings of TfidfMatcher on a five-researcher corpus."""

from __future__ import annotations

import pytest

from matchmaker.matching import Candidate, Document, NotFittedError, TfidfMatcher
from tests.fixtures.matching import researcher


def ids(matches: list) -> list[str]:
    return [m.candidate_id for m in matches]


def test_query_ranks_vietnamese_text_exactly(matcher: TfidfMatcher) -> None:
    assert ids(matcher.query("nuôi tôm và cá tra", k=3)) == ["aqua"]


def test_query_matches_text_typed_without_diacritics(matcher: TfidfMatcher) -> None:
    assert ids(matcher.query("xam nhap man dong bang song Cuu Long", k=2)) == ["salt"]


def test_query_prefers_accented_over_folded_only_match() -> None:
    corpus = [
        researcher("exact", Document("e", title="Nghiên cứu về mặn")),
        researcher("folded", Document("f", title="Nghiên cứu về mận")),
    ]
    matcher = TfidfMatcher().fit(corpus)
    first, second = matcher.query("mặn")
    assert (first.candidate_id, second.candidate_id) == ("exact", "folded")
    assert first.score > second.score > 0


def test_query_matches_english_query_to_vietnamese_profile_via_synonyms(
    matcher: TfidfMatcher,
) -> None:
    assert ids(matcher.query("salinity intrusion", k=2)) == ["salt"]


def test_query_matches_vietnamese_query_to_english_profile_via_synonyms(
    matcher: TfidfMatcher,
) -> None:
    assert ids(matcher.query("năng lượng tái tạo", k=1)) == ["solar"]


def test_query_ranks_mixed_language_query(matcher: TfidfMatcher) -> None:
    assert ids(matcher.query("học máy machine learning cho lúa", k=3)) == ["ml", "salt"]


def test_query_expands_abbreviations(matcher: TfidfMatcher) -> None:
    assert ids(matcher.query("CNTT", k=2)) == ["it"]
    assert ids(matcher.query("ĐBSCL", k=2)) == ["salt"]


def test_query_reports_best_document_and_accented_terms(matcher: TfidfMatcher) -> None:
    (match,) = matcher.query("dich benh ca tra", k=1)
    assert match.best_doc_id == "aqua:2"
    assert set(match.top_terms[:2]) == {"dịch bệnh", "cá tra"}


def test_query_returns_empty_list_for_empty_or_stop_word_query(
    matcher: TfidfMatcher,
) -> None:
    assert matcher.query("") == []
    assert matcher.query("của và các những") == []
    assert matcher.query("zzzz qqqq") == []


def test_query_many_equals_repeated_query(matcher: TfidfMatcher) -> None:
    texts = ["nuôi tôm", "solar energy", "học máy"]
    assert matcher.query_many(texts, k=2) == [matcher.query(t, k=2) for t in texts]


def test_query_accepts_a_document_with_fields(matcher: TfidfMatcher) -> None:
    order = Document("order", title="Dự báo năng suất lúa", body="ứng dụng học máy")
    assert ids(matcher.query(order, k=1)) == ["ml"]


def test_query_breaks_ties_by_candidate_id() -> None:
    doc = Document("d", title="cá tra")
    matcher = TfidfMatcher().fit([researcher(name, doc) for name in ("b", "c", "a")])
    assert ids(matcher.query("cá tra")) == ["a", "b", "c"]


def test_query_before_fit_raises_not_fitted() -> None:
    with pytest.raises(NotFittedError):
        TfidfMatcher().query("cá tra")


def test_init_only_stores_parameters() -> None:
    matcher = TfidfMatcher(top_docs=3, stem_weight=2.0)
    assert (matcher.top_docs, matcher.stem_weight) == (3, 2.0)
    assert not [name for name in vars(matcher) if name.endswith("_")]


def test_fit_rejects_duplicate_candidate_ids(corpus: list[Candidate]) -> None:
    with pytest.raises(ValueError, match="duplicate candidate"):
        TfidfMatcher().fit([*corpus, corpus[0]])


def test_upsert_reflects_a_profile_change_at_once(matcher: TfidfMatcher) -> None:
    matcher.upsert(
        researcher("salt", Document("salt:9", title="Nuôi tôm công nghệ cao"))
    )
    assert "salt" not in ids(matcher.query("xâm nhập mặn"))
    assert ids(matcher.query("nuôi tôm công nghệ cao", k=2))[0] == "salt"


def test_upsert_adds_a_new_candidate(matcher: TfidfMatcher) -> None:
    matcher.upsert(researcher("new", Document("new:1", title="Xâm nhập mặn và lúa")))
    assert ids(matcher.query("xâm nhập mặn lúa", k=2)) == ["new", "salt"]


def test_remove_hides_a_candidate(matcher: TfidfMatcher) -> None:
    matcher.remove("aqua")
    assert "aqua" not in ids(matcher.query("nuôi tôm cá tra"))
    with pytest.raises(KeyError):
        matcher.remove("nobody")
