"""Tests of the forgiving query parser."""

from __future__ import annotations

import pytest

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
    lexicon = {"trí tuệ nhân tạo": ["AI"]}
    parsed = parse("trí tuệ nhân tạo y tế", expand=lambda text: lexicon.get(text, []))
    assert parsed.units[0] == Unit(
        ("trí", "tuệ", "nhân", "tạo"), alternatives=(("ai",),)
    )


def test_normalise_filters_drops_unknown_facets_and_bad_years() -> None:
    assert normalise_filters(
        {"year": ["2024", "x"], "secret": "1", "kind": "order"}
    ) == {
        "year": ["2024"],
        "kind": ["order"],
    }
