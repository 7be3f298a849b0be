"""Tests of stop words, abbreviations and synonyms."""

from __future__ import annotations

from pathlib import Path

import pytest

from matchmaker.matching.analysis import Analyzer
from matchmaker.matching.lexicon import Lexicon


@pytest.fixture(scope="module")
def lexicon() -> Lexicon:
    return Lexicon.load()


def test_lexicon_expand_replaces_abbreviations(lexicon: Lexicon) -> None:
    assert lexicon.expand(["CNTT"]) == ["công", "nghệ", "thông", "tin"]


def test_lexicon_expand_appends_synonym_variants(lexicon: Lexicon) -> None:
    expanded = lexicon.expand(["học", "máy"])
    assert expanded[:2] == ["học", "máy"]
    assert {"machine", "learning"} <= set(expanded[2:])


def test_lexicon_expand_ignores_lowercase_stop_word_ai(lexicon: Lexicon) -> None:
    assert lexicon.expand(["ai"]) == ["ai"]
    assert {"trí", "tuệ"} <= set(lexicon.expand(["AI"]))


@pytest.mark.parametrize("word", ["không", "theo", "cần", "nước", "công", "nghệ", "an"])
def test_lexicon_stop_words_keep_domain_words(lexicon: Lexicon, word: str) -> None:
    assert word not in lexicon.stop_words


def test_analyzer_removes_stop_words_but_not_acronyms() -> None:
    features = Analyzer()("Ai cần AI của các trường")
    assert "ai" in features and features.count("ai") == 1
    assert "của" not in features and "các" not in features


def test_analyzer_keeps_an_in_vietnamese_but_drops_it_in_english() -> None:
    assert "an" in Analyzer()("an toàn thực phẩm")
    assert "an" not in Analyzer()("an approach to food safety")


def test_analyzer_marks_synonyms_across_languages() -> None:
    analyse = Analyzer()
    assert "#xâm nhập mặn" in analyse("Salinity intrusion in the delta")
    assert "#xâm nhập mặn" in analyse("xâm nhập mặn")
    assert "#xâm nhập mặn" in analyse("xam nhap man")


def test_lexicon_load_accepts_extra_files(tmp_path: Path) -> None:
    abbreviations = tmp_path / "extra_abbr.tsv"
    abbreviations.write_text("# extra\nTTTH\ttrung tâm tin học\n", encoding="utf-8")
    synonyms = tmp_path / "extra_syn.tsv"
    synonyms.write_text("vi mạch\tmicrochip\tsemiconductor chip\n", encoding="utf-8")
    stop_words = tmp_path / "extra_stop.txt"
    stop_words.write_text("quy\n", encoding="utf-8")
    lexicon = Lexicon.load([abbreviations], [synonyms], [stop_words])
    assert lexicon.expand(["TTTH"]) == ["trung", "tâm", "tin", "học"]
    assert "microchip" in lexicon.expand(["vi", "mạch"])
    assert "quy" in lexicon.stop_words
    assert lexicon.expand(["CNTT"]) == ["công", "nghệ", "thông", "tin"]


def test_lexicon_extended_joins_an_existing_group(lexicon: Lexicon) -> None:
    extended = lexicon.extended(synonyms=[["aquaculture", "aquafarming"]])
    assert "nuôi" in extended.expand(["aquafarming"])
