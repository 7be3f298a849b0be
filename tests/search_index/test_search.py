"""Tests of SearchIndex.search: folding, ranking, phrases, prefixes, facets, sorting, paging, snippets."""

from __future__ import annotations

import unicodedata
from datetime import UTC, date, datetime

import markupsafe
import pytest

from matchmaker.matching import Lexicon
from matchmaker.search_index import IndexDoc, SearchIndex
from tests.fixtures.search_index import MakeDoc


def ids(result) -> list[str]:  # type: ignore[no-untyped-def]
    return [hit.id for hit in result.hits]


@pytest.fixture
def solar(index: SearchIndex, make_doc: MakeDoc) -> SearchIndex:
    index.upsert_many(
        [
            make_doc(
                id="solar",
                title="Điện mặt trời áp mái",
                body="Lắp đặt tấm pin cho hộ gia đình.",
            ),
            make_doc(
                id="rice", title="Giống lúa chịu mặn", body="Thích ứng xâm nhập mặn."
            ),
        ]
    )
    return index


@pytest.mark.parametrize(
    "query",
    [
        "điện mặt trời",
        "dien mat troi",
        "ĐIỆN MẶT TRỜI",
        unicodedata.normalize("NFD", "điện mặt trời"),
    ],
)
def test_search_finds_same_record_with_or_without_diacritics(
    solar: SearchIndex, query: str
) -> None:
    assert ids(solar.search(query)) == ["solar"]


def test_search_d_stroke_matches_plain_d(solar: SearchIndex) -> None:
    assert ids(solar.search("dien")) == ["solar"]


def test_search_exact_accents_rank_above_folded_only(
    index: SearchIndex, make_doc: MakeDoc
) -> None:
    index.upsert_many(
        [
            make_doc(id="cool", title="Trời mát", body="Gió mát ven sông."),
            make_doc(id="face", title="Trời mặt", body="Gió mặt ven sông."),
        ]
    )
    assert ids(index.search("mặt")) == ["face", "cool"]
    assert ids(index.search("mát")) == ["cool", "face"]


def test_search_quoted_phrase_requires_adjacent_syllables(
    index: SearchIndex, make_doc: MakeDoc
) -> None:
    index.upsert_many(
        [
            make_doc(id="bio", title="Ứng dụng công nghệ sinh học", body=""),
            make_doc(id="apart", title="Sinh viên học công nghệ", body=""),
        ]
    )
    assert ids(index.search('"công nghệ sinh học"')) == ["bio"]
    assert ids(index.search('"cong nghe sinh hoc"')) == ["bio"]
    assert sorted(ids(index.search("công nghệ sinh học"))) == ["apart", "bio"]


def test_search_prefix_matches_as_user_types(solar: SearchIndex) -> None:
    assert ids(solar.search("gian*")) == []
    assert ids(solar.search("giố*")) == ["rice"]


def test_suggest_completes_last_word_of_title(solar: SearchIndex) -> None:
    assert [s.id for s in solar.suggest("dien mat tr")] == ["solar"]
    assert solar.suggest("") == []


def test_search_expand_finds_abbreviation(
    index: SearchIndex, make_doc: MakeDoc
) -> None:
    index.upsert(make_doc(id="ai", title="Trí tuệ nhân tạo cho y tế", body=""))
    lexicon = Lexicon().extended(abbreviations={"AI": "trí tuệ nhân tạo"})
    expanding = SearchIndex(index.path, lexicon)
    assert ids(index.search("AI")) == []
    assert ids(expanding.search("AI")) == ["ai"]


def test_search_facets_count_whole_result_set(
    index: SearchIndex, make_doc: MakeDoc
) -> None:
    index.upsert_many(
        [
            make_doc(title=f"Nuôi tôm {i}", kind="order" if i % 3 == 0 else "project")
            for i in range(30)
        ]
    )
    result = index.search("tôm", limit=5)
    assert result.total == 30
    assert [(f.value, f.count) for f in result.facets["kind"]] == [
        ("project", 20),
        ("order", 10),
    ]
    assert [(f.value, f.count) for f in result.facets["year"]] == [("2024", 30)]


def test_search_filters_by_facet_values(index: SearchIndex, make_doc: MakeDoc) -> None:
    index.upsert_many(
        [
            make_doc(id="a", title="Nuôi tôm", year=2023, kind="need"),
            make_doc(id="b", title="Nuôi tôm", year=2024, kind="need"),
            make_doc(id="c", title="Nuôi tôm", year=2024, kind="order"),
        ]
    )
    assert ids(index.search("tôm", filters={"year": 2024}, kinds=["need"])) == ["b"]
    assert sorted(ids(index.search("tôm kind:need"))) == ["a", "b"]


def test_search_sorts_by_date_newest_first_undated_last(
    index: SearchIndex, make_doc: MakeDoc
) -> None:
    index.upsert_many(
        [
            make_doc(id="old", title="Cá tra", date=datetime(2020, 5, 1)),
            make_doc(id="none", title="Cá tra cá tra", date=None),
            make_doc(id="new", title="Cá tra", date=datetime(2025, 5, 1)),
        ]
    )
    assert ids(index.search("cá tra", sort="date")) == ["new", "old", "none"]


def test_search_paginates_without_overlap(
    index: SearchIndex, make_doc: MakeDoc
) -> None:
    index.upsert_many([make_doc(id=str(i), title="Xâm nhập mặn") for i in range(25)])
    pages = [index.search("mặn", page=p, limit=10) for p in (1, 2, 3)]
    assert [len(p.hits) for p in pages] == [10, 10, 5]
    assert len({hit.id for p in pages for hit in p.hits}) == 25
    assert (pages[0].pages, pages[0].has_next, pages[2].has_next) == (3, True, False)


def test_search_snippet_escapes_html_and_marks_match(
    index: SearchIndex, make_doc: MakeDoc
) -> None:
    index.upsert(
        make_doc(
            title="Cảm biến <b>mặn</b>",
            body='Đo độ mặn <script>alert("x")</script> tại sông.',
        )
    )
    hit = index.search("mặn").hits[0]
    assert "<script>" not in hit.snippet
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in hit.snippet
    assert "<mark>mặn</mark>" in hit.snippet
    assert hit.title_html == "Cảm biến &lt;b&gt;<mark>mặn</mark>&lt;/b&gt;"
    assert markupsafe.escape(hit.snippet) == str(
        hit.snippet
    )  # Jinja will not escape it twice


def test_search_did_you_mean_suggests_known_word(
    index: SearchIndex, make_doc: MakeDoc
) -> None:
    index.upsert(make_doc(title="Nuôi trồng thủy sản", body=""))
    result = index.search("nuoi trong thuy sam")
    assert result.complete == 0
    assert result.suggestion == "nuoi trong thuy san"


def test_search_no_suggestion_when_words_are_known(solar: SearchIndex) -> None:
    assert solar.search("điện mặt trời").suggestion is None


@pytest.mark.parametrize("query", ["", "   ", "và của", "the and of", "-lúa"])
def test_a_query_with_no_searchable_word_lists_every_record_newest_first(
    index: SearchIndex, make_doc: MakeDoc, query: str
) -> None:
    index.upsert_many(
        [
            make_doc(
                id="old",
                title="Giống lúa chịu mặn",
                date=datetime(2021, 5, 1),
                year=2021,
            ),
            make_doc(
                id="new",
                title="Điện mặt trời áp mái",
                date=datetime(2025, 3, 1),
                year=2025,
            ),
            make_doc(
                id="mid", title="Cá tra giống", date=datetime(2023, 7, 1), year=2023
            ),
        ]
    )
    result = index.search(query, limit=2)
    assert result.browsing
    assert result.empty_query == bool(
        query.strip()
    )  # words typed, none searchable: say so
    assert result.total == 3
    assert ids(result) == ["new", "mid"]
    assert ids(index.search(query, page=2, limit=2)) == ["old"]
    assert {f.value: f.count for f in result.facets["year"]} == {
        "2021": 1,
        "2023": 1,
        "2025": 1,
    }


def test_browsing_by_facet_lists_that_facet_newest_first(
    index: SearchIndex, make_doc: MakeDoc
) -> None:
    index.upsert_many(
        [
            make_doc(id="p1", kind="project", date=datetime(2021, 1, 1)),
            make_doc(id="n1", kind="need", date=datetime(2024, 1, 1)),
            make_doc(id="p2", kind="project", date=datetime(2025, 1, 1)),
        ]
    )
    result = index.search("", filters={"kind": ["project"]})
    assert ids(result) == ["p2", "p1"]
    assert result.total == 2 and not result.empty_query


@pytest.mark.parametrize(
    "query",
    [
        '"điện mặt',
        "(điện mặt",
        "điện)) mặt",
        "kind: điện mặt",
        "title:điện mặt",
        "điện\x00mặt\x1b",
    ],
)
def test_search_malformed_query_falls_back_to_words(
    solar: SearchIndex, query: str
) -> None:
    assert ids(solar.search(query)) == ["solar"]


def test_search_overlong_query_is_cut_to_leading_words(solar: SearchIndex) -> None:
    result = solar.search("điện mặt trời " + "x" * 10_000)
    assert result.truncated
    assert [hit.id for hit in result.hits] == ["solar"]


def test_search_delete_removes_document(solar: SearchIndex) -> None:
    solar.delete("project", "solar")
    assert solar.search("điện").total == 0


def test_upsert_replaces_document_with_same_key(
    solar: SearchIndex, make_doc: MakeDoc
) -> None:
    solar.upsert(make_doc(id="solar", title="Pin lưu trữ", body=""))
    assert ids(solar.search("pin lưu trữ")) == ["solar"]
    assert solar.search("điện mặt trời").total == 0


def test_index_doc_rejects_unknown_kind() -> None:
    with pytest.raises(ValueError):
        IndexDoc(kind="secret", id="1", title="x")  # type: ignore[arg-type]


def test_search_sorts_plain_dates_like_datetimes(
    index: SearchIndex, make_doc: MakeDoc
) -> None:
    index.upsert_many(
        [
            make_doc(id="a", title="Cá tra", date=date(2021, 1, 1)),
            make_doc(id="b", title="Cá tra", date=datetime(2022, 1, 1, tzinfo=UTC)),
        ]
    )
    hits = index.search("cá tra", sort="date").hits
    assert [hit.id for hit in hits] == ["b", "a"]
    assert hits[1].date == datetime(2021, 1, 1, tzinfo=UTC)
