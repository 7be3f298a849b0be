"""Tests of the forgiving query parser."""

from __future__ import annotations

import pytest

from matchmaker.matching import Lexicon
from matchmaker.search_index.lexicon import QueryLexicon
from matchmaker.search_index.query import (
    MAX_QUERY_CHARS,
    Unit,
    normalise_filters,
    parse,
)


def test_parse_bare_words_become_units_without_stop_words() -> None:
    assert parse("nuôi tôm và cá").units == [
        Unit(("nuôi",)),
        Unit(("tôm",)),
        Unit(("cá",)),
    ]


def test_parse_quoted_phrase_is_one_unit() -> None:
    assert parse('"Công nghệ sinh học" cá').units == [
        Unit(("công", "nghệ", "sinh", "học")),
        Unit(("cá",)),
    ]


def test_parse_trailing_star_is_prefix() -> None:
    assert parse("thủy*").units == [Unit(("thủy",), prefix=True)]


def test_parse_minus_excludes() -> None:
    assert parse("lúa -tôm").units == [Unit(("lúa",)), Unit(("tôm",), negated=True)]


def test_parse_whitelisted_facet_becomes_filter() -> None:
    parsed = parse('lúa kind:order institution:"Đại học Cần Thơ"')
    assert parsed.filters == {"kind": ["order"], "institution": ["Đại học Cần Thơ"]}
    assert parsed.units == [Unit(("lúa",))]


def test_parse_unknown_field_name_is_dropped() -> None:
    assert parse("password:secret").units == [Unit(("secret",))]


def test_parse_stop_words_only_is_empty() -> None:
    assert parse("và của the").is_empty


def test_parse_overlong_query_is_truncated() -> None:
    parsed = parse("lúa " * 5000)
    assert parsed.truncated
    assert len(parsed.text) <= MAX_QUERY_CHARS


@pytest.mark.parametrize(
    "raw",
    [
        '"công nghệ',
        "((lúa",
        "lúa)",
        "kind:",
        "title:",
        "\x00\x1blúa\x7f",
        '"',
        "-",
        "*",
        ":::",
        "lúa" * 4000,
    ],
)
def test_parse_malformed_input_never_raises(raw: str) -> None:
    parse(raw)


def test_parse_expand_groups_known_ngram() -> None:
    lexicon = QueryLexicon(Lexicon().extended(synonyms=[["trí tuệ nhân tạo", "AI"]]))
    parsed = parse("trí tuệ nhân tạo y tế", lexicon)
    assert parsed.units[0] == Unit(
        ("trí", "tuệ", "nhân", "tạo"), alternatives=(("ai",),)
    )


@pytest.fixture(scope="module")
def shipped() -> QueryLexicon:
    """The query lexicon of the shipped matching data files."""
    return QueryLexicon(Lexicon.load())


@pytest.mark.parametrize(
    ("query", "other"),
    [
        ("ĐBSCL", ("đồng", "bằng", "sông", "cửu", "long")),
        ("dbscl", ("đồng", "bằng", "sông", "cửu", "long")),
        ("đồng bằng sông Cửu Long", ("đbscl",)),
        ("dong bang song cuu long", ("đbscl",)),
        ("dong bang song cuu long", ("mekong", "delta")),
        ("Mekong Delta", ("đbscl",)),
        ("nông nghiệp và phát triển nông thôn", ("nn", "ptnt")),
        ("NN&PTNT", ("nông", "nghiệp", "và", "phát", "triển", "nông", "thôn")),
        ("trí tuệ nhân tạo", ("ai",)),
        ("AI", ("trí", "tuệ", "nhân", "tạo")),
    ],
)
def test_parse_expands_abbreviations_and_synonyms_both_ways_at_any_length(
    shipped: QueryLexicon, query: str, other: tuple[str, ...]
) -> None:
    (unit,) = parse(query, shipped).units
    assert other in unit.alternatives


def test_parse_lower_case_ai_with_accents_is_the_stop_word_not_the_acronym(
    shipped: QueryLexicon,
) -> None:
    assert parse("ai nông", shipped).units == [Unit(("nông",))]
    assert parse("ai nghiên cứu lúa", shipped).units[0].words == ("nghiên",)
    assert parse("AI nông", shipped).units[0].words == ("ai",)


def test_parse_lower_case_ai_without_accents_is_the_acronym(
    shipped: QueryLexicon,
) -> None:
    """Whoever types without diacritics types without capitals: "ai nong nghiep" means AI."""
    first, *rest = parse("ai nong nghiep", shipped).units
    assert first.words == ("ai",)
    assert ("trí", "tuệ", "nhân", "tạo") in first.alternatives
    assert [unit.words for unit in rest] == [("nong",), ("nghiep",)]


def test_only_ai_is_both_a_stop_word_and_a_lexicon_form(shipped: QueryLexicon) -> None:
    """The unaccented exception reaches no other stop word (e.g. English "it", "an", "to")."""
    lexicon = shipped.lexicon
    stop = set(lexicon.stop_words) | set(lexicon.english_stop_words)
    both = {word for word in stop if not shipped.is_stop(word, vietnamese=False)}
    assert both == {"ai"}


def test_parse_uses_the_matching_lexicon_stop_words() -> None:
    lexicon = Lexicon.load()
    assert {"những", "được", "với"} <= lexicon.stop_words
    assert parse("những được với").is_empty


def test_parse_english_stop_words_only_in_english_queries() -> None:
    assert parse("an toàn").units == [Unit(("an",)), Unit(("toàn",))]
    assert parse("solar energy for the city").units == [
        Unit(("solar",)),
        Unit(("energy",)),
        Unit(("city",)),
    ]


def test_parse_records_adjacent_word_pairs_for_the_phrase_bonus() -> None:
    assert parse("nuôi tôm và cá").pairs == ["nuoi_tom", "tom_va", "va_ca"]


def test_normalise_filters_drops_unknown_facets_and_bad_years() -> None:
    assert normalise_filters(
        {"year": ["2024", "x"], "secret": "1", "kind": "order"}
    ) == {
        "year": ["2024"],
        "kind": ["order"],
    }
