"""Tests of Vietnamese text analysis: NFC, case and accent folding, bigrams."""

from __future__ import annotations

import unicodedata

from matchmaker.search_index.analysis import (
    fold_prepared,
    folded_words,
    index_terms,
    pair_terms,
    prepare,
)


def test_fold_prepared_maps_d_stroke_to_d() -> None:
    assert fold_prepared("đường điện") == "duong dien"


def test_folded_words_same_for_accented_unaccented_and_caps() -> None:
    expected = ["dien", "mat", "troi"]
    assert folded_words("điện mặt trời") == expected
    assert folded_words("ĐIỆN MẶT TRỜI") == expected
    assert folded_words("dien mat troi") == expected


def test_folded_words_nfd_input_equals_nfc() -> None:
    nfd = unicodedata.normalize("NFD", "Thủy sản Cần Thơ")
    assert (
        folded_words(nfd)
        == folded_words("Thủy sản Cần Thơ")
        == ["thuy", "san", "can", "tho"]
    )


def test_prepare_nfd_input_gives_nfc_lower_case() -> None:
    assert prepare(unicodedata.normalize("NFD", "ĐIỆN")) == "điện"


def test_index_terms_keep_accented_and_folded_forms() -> None:
    assert index_terms("Mặt trời cho") == ["mặt", "mat", "trời", "troi", "cho"]


def test_pair_terms_are_folded_bigrams_within_lines() -> None:
    assert pair_terms("Công nghệ sinh\nhọc") == ["cong_nghe", "nghe_sinh"]
