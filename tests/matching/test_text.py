"""Tests of Vietnamese-aware text preparation."""

from __future__ import annotations

import pytest

from matchmaker.matching.stemmer import stem
from matchmaker.matching.text import fold, loose, normalise, tokenise


def words(text: str) -> list[str]:
    return [token.text for phrase in tokenise(text) for token in phrase]


def test_normalise_returns_nfc() -> None:
    assert normalise(" Cần Thơ ") == "Cần Thơ"
    assert normalise("Ca\u0302\u0300n") == "Cần"


def test_fold_removes_diacritics_and_d_stroke() -> None:
    assert fold("Điện mặt trời đồng bằng") == "Dien mat troi dong bang"


def test_tokenise_keeps_syllables_with_diacritics() -> None:
    assert words("Nuôi trồng thủy sản") == ["nuôi", "trồng", "thủy", "sản"]


def test_tokenise_keeps_acronyms_whole_and_marks_them() -> None:
    tokens = [t for phrase in tokenise("IoT, AI và KH&CN cho PLC") for t in phrase]
    assert [t.text for t in tokens] == ["iot", "ai", "và", "kh&cn", "cho", "plc"]
    assert [t.is_term for t in tokens] == [True, True, False, True, False, True]


def test_tokenise_joins_numbers_with_units() -> None:
    assert words("diện tích 5,5 ha, công suất 10 kW và 30%") == [
        "diện",
        "tích",
        "5,5ha",
        "công",
        "suất",
        "10kw",
        "và",
        "30%",
    ]


def test_tokenise_splits_phrases_at_punctuation() -> None:
    assert [[t.text for t in p] for p in tokenise("học máy. Thủy sản")] == [
        ["học", "máy"],
        ["thủy", "sản"],
    ]


def test_tokenise_unifies_tone_placement() -> None:
    assert words("hoà thuỷ quý") == words("hòa thủy quý") == ["hòa", "thủy", "quý"]


def test_loose_folds_accents_and_stems_english() -> None:
    assert loose("công") == "cong"
    assert loose("networks") == loose("network") == "network"


@pytest.mark.parametrize(
    "syllable",
    ["nghiêng", "thủy", "quý", "khoẻ", "nghe", "truyền", "người", "lý", "mặn"],
)
def test_stem_leaves_vietnamese_syllables_unchanged(syllable: str) -> None:
    assert stem(fold(syllable).lower()) == fold(syllable).lower()


def test_stem_conflates_english_forms() -> None:
    assert stem("learning") == stem("learned") == "learn"
    assert stem("studies") == stem("study") == "study"
