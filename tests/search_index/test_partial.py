"""Tests of natural queries: partial matches ranked after full ones, both-way expansion, exact marks."""

from __future__ import annotations

import pytest

from matchmaker.matching import Lexicon
from matchmaker.search_index import SearchIndex
from tests.fixtures.search_index import MakeDoc


def ids(result) -> list[str]:  # type: ignore[no-untyped-def]
    return [hit.id for hit in result.hits]


@pytest.fixture
def partial_catalogue(index_path, make_doc: MakeDoc) -> SearchIndex:  # type: ignore[no-untyped-def]
    """Projects indexed with the shipped matching lexicon, as the app does."""
    index = SearchIndex(index_path, Lexicon.load()).create()
    index.upsert_many(
        [
            make_doc(
                id="rice-ai",
                title="Ứng dụng trí tuệ nhân tạo chẩn đoán bệnh trên lúa",
                body="Mô hình học sâu nhận diện bệnh đạo ôn từ ảnh lá lúa.",
                field="Khoa học máy tính",
                priority_area="Chuyển đổi số",
            ),
            make_doc(
                id="farm-ai",
                title="Trí tuệ nhân tạo cho nông nghiệp",
                body="Dự báo năng suất cây trồng.",
            ),
            make_doc(
                id="delta",
                title="Quy hoạch thủy lợi ĐBSCL",
                body="Điều tiết nước mùa khô.",
            ),
            make_doc(
                id="mekong",
                title="Sinh kế nông hộ vùng đồng bằng sông Cửu Long",
                body="Khảo sát hộ gia đình.",
            ),
            make_doc(id="fish", title="Nuôi cá tra", body="Thức ăn cho cá tra."),
        ]
    )
    return index


def test_query_with_a_word_no_record_holds_finds_the_rest(
    partial_catalogue: SearchIndex,
) -> None:
    result = partial_catalogue.search("AI nông nghiệp")
    assert ids(result)[:2] == ["farm-ai", "rice-ai"]
    assert (result.complete, result.hits[0].missing) == (1, ())
    assert result.hits[1].missing == ("nông", "nghiệp")


def test_partial_results_name_the_words_no_record_holds(
    partial_catalogue: SearchIndex,
) -> None:
    result = partial_catalogue.search("cá tra xuất khẩu")
    assert ids(result) == ["fish"]
    assert result.partial
    assert result.absent == ("xuất", "khẩu")
    assert result.hits[0].missing == ("xuất", "khẩu")


def test_records_with_more_query_words_rank_first(
    index: SearchIndex, make_doc: MakeDoc
) -> None:
    index.upsert_many(
        [
            make_doc(id="one", title="Lúa lúa lúa lúa", body="Lúa lúa."),
            make_doc(id="two", title="Lúa chịu mặn", body=""),
            make_doc(id="all", title="Giống lúa chịu mặn", body=""),
        ]
    )
    result = index.search("giống lúa chịu mặn")
    assert ids(result) == ["all", "two", "one"]
    assert [len(hit.missing) for hit in result.hits] == [0, 1, 3]
    assert not result.partial


def test_words_as_a_phrase_rank_first_among_full_matches(
    index: SearchIndex, make_doc: MakeDoc
) -> None:
    index.upsert_many(
        [
            make_doc(id="apart", title="Mặn nước, xâm lấn", body="nhập khẩu"),
            make_doc(id="phrase", title="Xâm nhập mặn", body=""),
        ]
    )
    assert ids(index.search("xâm nhập mặn")) == ["phrase", "apart"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("đồng bằng sông Cửu Long", {"delta", "mekong"}),
        ("dong bang song cuu long", {"delta", "mekong"}),
        ("ĐBSCL", {"delta", "mekong"}),
        ("dbscl", {"delta", "mekong"}),
        ("Mekong Delta", {"delta", "mekong"}),
        ("trí tuệ nhân tạo", {"rice-ai", "farm-ai"}),
    ],
)
def test_abbreviations_and_synonyms_find_each_other_both_ways(
    partial_catalogue: SearchIndex, query: str, expected: set[str]
) -> None:
    result = partial_catalogue.search(query)
    assert {hit.id for hit in result.hits if not hit.missing} == expected


def test_exact_accented_form_is_marked_not_its_folded_twin(
    index: SearchIndex, make_doc: MakeDoc
) -> None:
    index.upsert(make_doc(title="Nhận diện nhân lực", body="Tiếp nhận nhân viên."))
    hit = index.search("nhân").hits[0]
    assert hit.title_html == "Nhận diện <mark>nhân</mark> lực"
    assert hit.snippet == "Tiếp nhận <mark>nhân</mark> viên."


def test_folded_form_is_marked_when_no_exact_form_exists(
    index: SearchIndex, make_doc: MakeDoc
) -> None:
    index.upsert_many(
        [
            make_doc(id="a", title="Nhận diện ảnh", body=""),
            make_doc(id="b", title="Nhận diện nhân lực", body=""),
        ]
    )
    marked = {hit.title_html for hit in index.search("nhân").hits}
    assert "<mark>Nhận</mark> diện ảnh" in marked
    marked = {hit.title_html for hit in index.search("nhan").hits}
    assert "<mark>Nhận</mark> diện <mark>nhân</mark> lực" in marked


def test_only_the_matched_phrase_is_marked(
    partial_catalogue: SearchIndex,
) -> None:
    hit = partial_catalogue.search("AI nông nghiệp").hits[1]
    assert hit.id == "rice-ai"
    assert hit.title_html == (
        "Ứng dụng <mark>trí tuệ nhân tạo</mark> chẩn đoán bệnh trên lúa"
    )
    assert "<mark>nhận</mark>" not in hit.snippet
