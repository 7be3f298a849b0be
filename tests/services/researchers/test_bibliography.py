"""Publication list import: BibTeX and RIS parsing, per-entry problems, duplicates and progress."""

from __future__ import annotations

import pytest

from matchmaker.services.researchers import bibliography
from matchmaker.services.researchers.bibliography import PublicationDraft
from matchmaker.validators import title_key

VIETNAMESE_BIBTEX = r"""% Exported from JabRef
@article{nguyen2020,
  Title   = {Nu{\^o}i t{\^o}m {\DJ}{\`{\^o}}ng b{\`{\u{a}}}ng s{\^o}ng H{\d{\^a}}u},
  author  = {Nguy{\~{\^e}}n, V{\u{a}}n An and Tr{\`{\^a}}n, Th{\d{i}} B{\`i}nh},
  journal = {T{\d{a}}p ch{\'i} Khoa h{\d{o}}c},
  year    = 2020,
  doi     = {https://doi.org/10.1000/ABC.2020},
  abstract = {M{\d{\^o}}t   b{\`a}i
              v{\`{\^e}} t{\^o}m.}
}
"""

MALFORMED_IN_THE_MIDDLE = r"""@article{first,
  title = {Rice yields in the Mekong Delta},
  year = {2019}
}

@article{broken,
  title = {Salinity intrusion
  author = {Smith, John},

@inproceedings{third,
  title = {Solar power on rooftops},
  booktitle = {Proc. Energy Conference},
  year = {2021}
}
"""

RIS = """TY  - JOUR
TI  - Rice in Cần Thơ
AU  - Lê, Thị Hoa
AU  - Doe, Jane
PY  - 2021///
JO  - Mekong Journal
DO  - 10.5555/ABC
AB  - A two-line
  abstract.
ER  -

TY  - CONF
T1  - Floating markets
A1  - Smith, John
Y1  - 2018
T2  - Tourism Conference
ER  -
"""


def _entry(key: str, title: str, extra: str = "") -> str:
    return f"@article{{{key},\n  title = {{{title}}},{extra}\n}}\n"


def _draft(title: str, doi: str | None = None, position: int = 1) -> PublicationDraft:
    return PublicationDraft(title, "", 2020, "", doi, "", position)


def test_parse_bibliography_decodes_vietnamese_latex():
    (entry,) = bibliography.parse_bibliography(VIETNAMESE_BIBTEX).entries

    assert entry.title == "Nuôi tôm Đồng bằng sông Hậu"
    assert entry.authors == "Nguyễn Văn An, Trần Thị Bình"
    assert entry.venue == "Tạp chí Khoa học"
    assert (entry.year, entry.doi, entry.position) == (2020, "10.1000/abc.2020", 2)
    assert entry.abstract == "Một bài về tôm."


def test_parse_bibliography_keeps_good_entries_around_a_malformed_one():
    result = bibliography.parse_bibliography(MALFORMED_IN_THE_MIDDLE)

    assert [(e.title, e.position) for e in result.entries] == [
        ("Rice yields in the Mekong Delta", 1),
        ("Solar power on rooftops", 10),
    ]
    assert [p.position for p in result.problems] == [6]
    assert "line 6" in str(result.problems[0].message)


def test_parse_bibliography_decodes_vntex_horn_and_hook_macros():
    text = _entry(
        "a",
        r"C{\^a}n Th{\ohorn}, s{\^o}ng C{\h{\uhorn}}u Long, th{\h a}o, {\h{\^a}}m, \horn{u}",
    )

    (entry,) = bibliography.parse_bibliography(text).entries

    assert entry.title == "Cân Thơ, sông Cửu Long, thảo, ẩm, ư"


def test_parse_bibliography_keeps_text_after_a_bare_percent_sign():
    text = _entry("a", r"Yields up 50% and costs down 30\% in C{\^a}n Tho")

    (entry,) = bibliography.parse_bibliography(text).entries

    assert entry.title == "Yields up 50% and costs down 30% in Cân Tho"


def test_parse_bibliography_reads_entries_with_a_repeated_citation_key():
    text = (
        _entry("same", "First")
        + '@article{same,\n  Title = "Second",\n  YEAR = 2020\n}\n'
    )

    result = bibliography.parse_bibliography(text)

    assert [(e.title, e.year, e.position) for e in result.entries] == [
        ("First", None, 1),
        ("Second", 2020, 4),
    ]


def test_parse_bibliography_reports_entry_without_title():
    text = _entry("a", "Kept") + "@misc{b,\n  author = {Nobody},\n  year = {2020}\n}\n"

    result = bibliography.parse_bibliography(text)

    assert [e.title for e in result.entries] == ["Kept"]
    assert [p.position for p in result.problems] == [4]
    assert "no title" in str(result.problems[0].message)


def test_parse_bibliography_skips_entry_with_invalid_doi():
    text = _entry("a", "Bad DOI", "\n  doi = {11.1/x y}") + _entry(
        "b", "Good", "\n  doi = {10.1000/ok}"
    )

    result = bibliography.parse_bibliography(text)

    assert [(e.title, e.doi) for e in result.entries] == [("Good", "10.1000/ok")]
    assert [p.position for p in result.problems] == [1]
    assert "DOI" in str(result.problems[0].message)


@pytest.mark.parametrize("year", ["1899", "two years on", "soon"])
def test_parse_bibliography_rejects_year_out_of_range(today, year):
    year = str(today.year + 2) if year == "two years on" else year
    result = bibliography.parse_bibliography(
        _entry("a", "Old", f"\n  year = {{{year}}}")
    )

    assert result.entries == []
    assert "year" in str(result.problems[0].message)


def test_parse_bibliography_reports_too_long_title_instead_of_truncating():
    result = bibliography.parse_bibliography(
        _entry("a", "x" * 501) + _entry("b", "y" * 500)
    )

    assert [len(e.title) for e in result.entries] == [500]
    assert [p.position for p in result.problems] == [1]
    assert "500" in str(result.problems[0].message)


def test_parse_bibliography_puts_western_names_first_name_first():
    text = _entry(
        "a",
        "T",
        "\n  author = {Smith, John and Nguyen, Van An and Le Thi Mai and others}",
    )

    (entry,) = bibliography.parse_bibliography(text).entries

    assert entry.authors == "John Smith, Nguyen Van An, Le Thi Mai, et al."


def test_parse_bibliography_reads_ris():
    result = bibliography.parse_bibliography(RIS)

    assert result.problems == []
    first, second = result.entries
    assert first == PublicationDraft(
        "Rice in Cần Thơ",
        "Lê Thị Hoa, Jane Doe",
        2021,
        "Mekong Journal",
        "10.5555/abc",
        "A two-line abstract.",
        1,
    )
    assert (
        second.title,
        second.authors,
        second.year,
        second.venue,
        second.position,
    ) == (
        "Floating markets",
        "John Smith",
        2018,
        "Tourism Conference",
        12,
    )


def test_parse_bibliography_reports_truncated_ris():
    text = RIS + "\nTY  - JOUR\nTI  - Cut off mid-way\nAU  - Pham, Van"

    result = bibliography.parse_bibliography(text)

    assert [e.title for e in result.entries] == ["Rice in Cần Thơ", "Floating markets"]
    assert [p.position for p in result.problems] == [19]
    assert "line 19" in str(result.problems[0].message)


def test_parse_bibliography_reports_ris_record_without_er():
    text = "TY  - JOUR\nTI  - Never closed\nTY  - JOUR\nTI  - Closed\nER  -\n"

    result = bibliography.parse_bibliography(text, fmt="ris")

    assert [(e.title, e.position) for e in result.entries] == [("Closed", 3)]
    assert [p.position for p in result.problems] == [1]


def test_parse_bibliography_reports_ris_record_without_title():
    result = bibliography.parse_bibliography("TY  - JOUR\nAU  - Nobody\nER  -\n")

    assert result.entries == []
    assert [p.position for p in result.problems] == [1]


def test_parse_bibliography_reports_unknown_format():
    result = bibliography.parse_bibliography("just some words\n")

    assert result.entries == []
    assert len(result.problems) == 1


def test_parse_bibliography_refuses_unknown_fmt_argument():
    with pytest.raises(ValueError, match="endnote"):
        bibliography.parse_bibliography(RIS, fmt="endnote")


def test_split_duplicates_finds_known_doi_and_accent_free_title():
    drafts = [
        _draft("Nuôi tôm ở Đồng bằng", position=1),
        _draft("A new title", doi="10.1000/known", position=2),
        _draft("Something else", doi="10.1000/new", position=3),
    ]

    new, duplicates = bibliography.split_duplicates(
        drafts, {"10.1000/KNOWN"}, {title_key("Nuoi tom o Dong Bang!")}
    )

    assert [d.position for d in new] == [3]
    assert [d.position for d in duplicates] == [1, 2]


def test_split_duplicates_finds_repeats_within_the_file():
    drafts = [
        _draft("Solar {Power}", doi="10.1000/a", position=1),
        _draft("solar power", position=2),
        _draft("Different", doi="10.1000/a", position=3),
        _draft("Other", position=4),
    ]

    new, duplicates = bibliography.split_duplicates(drafts, set(), set())

    assert [d.position for d in new] == [1, 4]
    assert [d.position for d in duplicates] == [2, 3]


def test_parse_with_progress_reports_increasing_counts():
    text = (
        "".join(_entry(f"k{i}", f"Title {i}") for i in range(5))
        + "@misc{bad,\n title = {x\n"
    )
    calls: list[tuple[int, int]] = []

    result = bibliography.parse_with_progress(
        text, "bibtex", lambda done, total: calls.append((done, total))
    )

    assert calls == [(n, 6) for n in range(1, 7)]
    assert len(result.entries) == 5


def test_parse_bibliography_handles_three_thousand_entries():
    text = "".join(
        _entry(
            f"k{i}",
            f"Study number {i}",
            "\n  author = {Nguy{\\~{\\^e}}n, An},\n  year = {2020}",
        )
        for i in range(3000)
    )

    result = bibliography.parse_bibliography(text)

    assert result.problems == []
    assert len(result.entries) == 3000
    assert result.entries[-1].authors == "Nguyễn An"
    assert result.entries[-1].position == 2999 * 5 + 1
