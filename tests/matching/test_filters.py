"""Query-time filters and the diversity cap."""

from __future__ import annotations

from matchmaker.matching import Document, QueryFilter, TfidfMatcher
from tests.fixtures.matching import researcher

QUERY = "công nghệ thông tin học máy nuôi tôm xâm nhập mặn renewable energy"


def ids(matches: list) -> list[str]:
    return [m.candidate_id for m in matches]


def test_filter_none_returns_every_matching_candidate(matcher: TfidfMatcher) -> None:
    assert sorted(ids(matcher.query(QUERY))) == ["aqua", "it", "ml", "salt", "solar"]


def test_filter_by_research_field(matcher: TfidfMatcher) -> None:
    where = QueryFilter(fields=frozenset({"cntt"}))
    assert sorted(ids(matcher.query(QUERY, where=where))) == ["it", "ml"]


def test_filter_by_institution_kind(matcher: TfidfMatcher) -> None:
    where = QueryFilter(institution_kinds=frozenset({"enterprise"}))
    assert sorted(ids(matcher.query(QUERY, where=where))) == ["ml", "solar"]


def test_filter_available_only(matcher: TfidfMatcher) -> None:
    assert "solar" not in ids(
        matcher.query(QUERY, where=QueryFilter(available_only=True))
    )


def test_filter_public_only(matcher: TfidfMatcher) -> None:
    assert "it" not in ids(matcher.query(QUERY, where=QueryFilter(public_only=True)))


def test_filter_excludes_conflicting_ids(matcher: TfidfMatcher) -> None:
    where = QueryFilter(exclude_ids=frozenset({"aqua", "salt", "unknown"}))
    assert sorted(ids(matcher.query(QUERY, where=where))) == ["it", "ml", "solar"]


def test_filter_caps_candidates_per_institution() -> None:
    words = "cá tra lúa mặn gió nắng".split()
    names = ["a1", "a2", "a3", "b1", "b2"]
    corpus = [
        researcher(
            cid, Document(cid, body=" ".join(words[: i + 2])), institution_id=cid[0]
        )
        for i, cid in enumerate(names)
    ]
    matcher = TfidfMatcher().fit(corpus)
    capped = ids(matcher.query("cá tra", k=3, where=QueryFilter(max_per_institution=1)))
    assert ids(matcher.query("cá tra", k=5)) == names
    assert capped == ["a1", "b1"]


def test_filter_cap_fills_k_from_other_institutions() -> None:
    words = "điện gió biển xa bờ nam".split()
    names = ["x0", "x1", "x2", "x3", "y0"]
    corpus = [
        researcher(
            cid, Document(cid, body=" ".join(words[: i + 2])), institution_id=cid[0]
        )
        for i, cid in enumerate(names)
    ]
    matcher = TfidfMatcher().fit(corpus)
    where = QueryFilter(max_per_institution=2)
    assert ids(matcher.query("điện gió", k=3, where=where)) == ["x0", "x1", "y0"]
