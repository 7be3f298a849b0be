"""Validators: ORCID, DOI, tax code and URL normalisation, amounts in đồng, and title keys for duplicates."""

from __future__ import annotations

import unicodedata

import pytest

from matchmaker.validators import (
    InvalidValue,
    normalise_doi,
    normalise_orcid,
    normalise_tax_code,
    normalise_url,
    parse_amount,
    title_key,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0000-0002-1825-0097", "0000-0002-1825-0097"),
        ("https://orcid.org/0000-0002-1825-0097", "0000-0002-1825-0097"),
        ("http://www.orcid.org/0000-0001-5109-3700", "0000-0001-5109-3700"),
        (" 0000 0002 1694 233x ", "0000-0002-1694-233X"),
        ("0000000218250097", "0000-0002-1825-0097"),
    ],
)
def test_normalise_orcid_accepts_common_spellings(text, expected):
    assert normalise_orcid(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "0000-0002-1825-0098",
        "0000-0002-1825-009",
        "0000-0002-1825-00977",
        "abcd-0002-1825-0097",
        "",
    ],
)
def test_normalise_orcid_rejects_bad_checksum_or_shape(text):
    with pytest.raises(InvalidValue):
        normalise_orcid(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("10.1000/XYZ123", "10.1000/xyz123"),
        ("doi:10.1016/j.aquaculture.2020.735", "10.1016/j.aquaculture.2020.735"),
        ("https://doi.org/10.1038/NATURE12373", "10.1038/nature12373"),
        ("http://dx.doi.org/10.1002/(SICI)1097-0258", "10.1002/(sici)1097-0258"),
        ("https://doi.org/10.1000%2Fabc", "10.1000/abc"),
    ],
)
def test_normalise_doi_returns_lower_case_bare_doi(text, expected):
    assert normalise_doi(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "10.12/abc",
        "10.1000/",
        "10.1000/a b",
        "11.1000/abc",
        "https://example.org/10.1000/x",
        "",
    ],
)
def test_normalise_doi_rejects_bad_shapes(text):
    with pytest.raises(InvalidValue):
        normalise_doi(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0100109106", "0100109106"),
        (" 0100109106-001 ", "0100109106-001"),
        ("0100 109 106", "0100109106"),
    ],
)
def test_normalise_tax_code_accepts_valid_codes(text, expected):
    assert normalise_tax_code(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "0100109107",  # wrong check digit
        "0100109106-000",  # no branch 000
        "0100109106001",  # branch without its hyphen
        "010010910",
        "01001091060",
        "1000000000",  # weighted sum 31, so the check digit must be 10 - 31 % 11 = 1
        "0000000010",  # sum 0 gives check 10, which no code may have
    ],
)
def test_normalise_tax_code_rejects_invalid_codes(text):
    with pytest.raises(InvalidValue):
        normalise_tax_code(text)


def test_normalise_tax_code_error_is_a_value_error():
    with pytest.raises(ValueError, match="check digit"):
        normalise_tax_code("0100109107")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("https://www.ctu.edu.vn/", "https://www.ctu.edu.vn/"),
        ("HTTP://CanTho.GOV.vn/a?b=1#c", "http://cantho.gov.vn/a?b=1#c"),
        ("https://example.vn:8443/x", "https://example.vn:8443/x"),
    ],
)
def test_normalise_url_accepts_http_and_https(text, expected):
    assert normalise_url(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "javascript:alert(1)",
        "JavaScript://example.vn/%0Aalert(1)",
        "data:text/html,<script>alert(1)</script>",
        "ftp://example.vn",
        "www.ctu.edu.vn",
        "https://",
        "https:///path",
        "https://exa mple.vn",
        "https://user:pw@example.vn",
        "https://example.vn:port",
        "",
    ],
)
def test_normalise_url_rejects_other_schemes_and_hostless_urls(text):
    with pytest.raises(InvalidValue):
        normalise_url(text)


def test_title_key_folds_accents_case_punctuation_and_braces():
    assert title_key("Nuôi tôm ở {Đồng bằng} sông Cửu Long: một   nghiên cứu!") == (
        "nuoi tom o dong bang song cuu long mot nghien cuu"
    )


def test_title_key_is_equal_for_nfc_and_nfd_input():
    title = "Điện mặt trời áp mái"
    assert (
        title_key(unicodedata.normalize("NFD", title))
        == title_key(title)
        == "dien mat troi ap mai"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1.500.000.000", 1_500_000_000),
        ("1 500 000 000 đ", 1_500_000_000),
        ("1500000000 VND", 1_500_000_000),
        ("1,5 tỷ", 1_500_000_000),
        ("1,5tỷ đồng", 1_500_000_000),
        ("1.5 tỷ", 1_500_000_000),
        ("1 tỷ 500 triệu", 1_500_000_000),
        ("200tr", 200_000_000),
        ("750 nghìn", 750_000),
        ("1.500.000,00", 1_500_000),
        ("1,500,000", 1_500_000),
        ("1.500", 1_500),  # Vietnamese: the dot groups thousands
        ("0", 0),
    ],
)
def test_parse_amount_reads_what_people_type_in_vietnamese(text, expected):
    assert parse_amount(text, ",") == expected


def test_parse_amount_reads_a_lone_mark_by_the_language():
    assert parse_amount("1,500", ".") == 1_500  # English: the comma groups thousands
    assert parse_amount("2.5 million", ".") == 2_500_000


@pytest.mark.parametrize(
    "text",
    ["", "   ", "abc", "nhiều tiền", "-5", "1..5", "1.50.000", "500 triệu 1 tỷ", "1 tỷ 5",
     "1 tỷ rưỡi", "5 USD", "1.000.000 000"],
)  # fmt: skip
def test_parse_amount_refuses_what_it_cannot_read(text):
    with pytest.raises(InvalidValue, match="Type the amount"):
        parse_amount(text, ",")


@pytest.mark.parametrize("text", ["1,5", "1,500", "0,0005 nghìn đồng"])
def test_parse_amount_refuses_a_fraction_of_a_dong(text):
    with pytest.raises(InvalidValue, match="whole đồng"):
        parse_amount(text, ",")
