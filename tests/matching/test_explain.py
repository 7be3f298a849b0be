"""Tests of match explanations: whole words and phrases both texts write alike, never noise."""

from __future__ import annotations

import pytest

from matchmaker.matching import TfidfMatcher, occurs


@pytest.mark.parametrize(
    ("query", "text", "wrong", "right"),
    [
        (
            "Tái sử dụng nước thải",
            "Tài nguyên nước. Xử lý nước thải",
            "tài",
            "nước thải",
        ),
        (
            "Gán nhãn dữ liệu ảnh",
            "Bệnh gan trên cá. Dữ liệu ảnh vệ tinh",
            "gan",
            "dữ liệu ảnh",
        ),
        ("Xác định độ mặn", "Kinh tế gia đình. Độ mặn nước sông", "đình", "độ mặn"),
    ],
)
def test_explain_never_mixes_up_accents(
    matcher: TfidfMatcher, query: str, text: str, wrong: str, right: str
) -> None:
    terms = matcher.explain(query, [text])
    assert right in terms
    assert not any(wrong in term.split() for term in terms)


def test_explain_shows_the_whole_phrase_not_its_syllables(
    matcher: TfidfMatcher,
) -> None:
    terms = matcher.explain(
        "Nuôi trồng thủy sản và nuôi cá tra", ["Nuôi trồng thủy sản; cá tra; kiểm tra"]
    )
    assert set(terms) == {"nuôi trồng thủy sản", "cá tra"}


def test_explain_never_shows_stop_words_numbers_or_units(matcher: TfidfMatcher) -> None:
    terms = matcher.explain(
        "Xử lý 50% nước thải, 30 m³/ngày theo quy chuẩn, các g và m",
        ["Giảm 50% nước thải 30 m³/giờ, theo các g và m"],
    )
    assert terms == ("nước thải",)


def test_explain_shows_a_lone_syllable_only_as_a_keyword_acronym_or_foreign_word(
    matcher: TfidfMatcher,
) -> None:
    query = "Giống lúa chịu mặn, cảm biến IoT và chế phẩm probiotic cho nhà máy"
    text = "lúa thơm; IoT; probiotic; nhà kính; mặn"
    assert set(matcher.explain(query, [text])) == {"IoT", "probiotic"}
    assert set(matcher.explain(query, [text], words=["lúa"])) == {
        "IoT",
        "probiotic",
        "lúa",
    }


def test_explain_quotes_the_query_as_written(matcher: TfidfMatcher) -> None:
    terms = matcher.explain("Đọc phim X-quang ngực", ["X-quang ngực; x quang ngực"])
    assert terms == ("X-quang ngực",)


def test_explain_puts_rare_terms_first_and_keeps_a_handful(
    matcher: TfidfMatcher,
) -> None:
    query = "Dịch bệnh trên cá tra; kháng sinh; xâm nhập mặn; học máy; ảnh vệ tinh; năng suất lúa"
    terms = matcher.explain(query, [query], n=3)
    assert len(terms) == 3
    # "Kháng sinh" is written by one candidate of five, "cá tra" by one, "năng suất lúa" only by the query.
    assert "năng suất lúa" not in terms[:1]


def test_occurs_matches_whole_words_with_their_accents() -> None:
    assert occurs("cá tra", "Nuôi cá tra giống")
    assert not occurs("tra", "Kiểm trà")
    assert not occurs("ca tra", "Nuôi cá tra")


def test_explain_leaves_prepositions_off_the_ends(matcher: TfidfMatcher) -> None:
    terms = matcher.explain(
        "Dự báo mặn trên sông Hậu bằng mô hình; theo dõi",
        ["Mặn sông Hậu bằng MIKE 11; theo dõi"],
    )
    assert set(terms) == {"sông hậu", "theo dõi"}


def test_explain_never_ends_a_term_inside_a_word(matcher: TfidfMatcher) -> None:
    # The texts share "phần mềm quản", but one goes on "quản lý" and the other "quản trị".
    terms = matcher.explain(
        "Phần mềm quản lý vùng nuôi", ["Phát triển phần mềm quản trị vùng nuôi"]
    )
    assert "phần mềm quản" not in terms
    assert "phần mềm" in terms


def test_explain_never_starts_a_term_inside_a_word(matcher: TfidfMatcher) -> None:
    terms = matcher.explain(
        "Dư lượng kháng sinh trong sản phẩm cá tra", ["Thủy phân phụ phẩm cá tra"]
    )
    assert terms == ("cá tra",)


def test_explain_never_pairs_the_ends_of_two_words(matcher: TfidfMatcher) -> None:
    # "giảm tăng" is "giảm" beside the first syllable of "tăng trọng" / "tăng trưởng".
    terms = matcher.explain(
        "Cá bỏ ăn, giảm tăng trọng và hao hụt",
        ["Thức ăn thay bột cá không giảm tăng trưởng"],
    )
    assert not any("giảm tăng" in term for term in terms)


def test_explain_keeps_a_declared_term_whole_beside_another_word(
    matcher: TfidfMatcher,
) -> None:
    terms = matcher.explain(
        "Nuôi cá tra thương phẩm", ["Nuôi cá tra giống"], words=["nuôi cá tra"]
    )
    assert terms == ("nuôi cá tra",)


def test_explain_hides_a_phrase_made_only_of_generic_words(
    matcher: TfidfMatcher,
) -> None:
    terms = matcher.explain(
        "Xây dựng quy trình quan trắc liên tục; ứng dụng mô hình",
        ["Xây dựng quy trình; quan trắc liên tục; ứng dụng mô hình"],
    )
    assert terms == ("quan trắc liên tục",)
