"""Staff list CSV: encodings, delimiters, header aliases and every reason a row is rejected."""

from __future__ import annotations

import unicodedata

import pytest

from matchmaker.services.institutions import staff_csv
from matchmaker.services.institutions.staff_csv import MAX_ROWS, StaffRow

HEADER = "full_name,email,department,position,academic_title,degree\n"


def _problems(result) -> list[tuple[int, str]]:
    return [(p.position, str(p.message)) for p in result.problems]


def test_parse_staff_csv_reads_utf8_with_bom():
    data = (
        "\ufeff"
        + HEADER
        + "Nguyễn Văn An,An.Nguyen@CTU.edu.vn,Khoa CNTT,Giảng viên,PGS,TS\n"
    ).encode()

    result = staff_csv.parse_staff_csv(data)

    assert result.problems == []
    assert result.rows == [
        StaffRow(
            2,
            "Nguyễn Văn An",
            "an.nguyen@ctu.edu.vn",
            "Khoa CNTT",
            "Giảng viên",
            "PGS",
            "TS",
        )
    ]


def test_parse_staff_csv_reads_semicolons_and_vietnamese_headers():
    data = "HỌ VÀ TÊN;E-mail;Đơn vị;Chức vụ;Học hàm;Học vị\nTrần Thị Bình;binh@ctu.edu.vn;Khoa Thủy sản;Trưởng khoa;;ThS\n"

    result = staff_csv.parse_staff_csv(data.encode())

    assert result.problems == []
    (row,) = result.rows
    assert (row.full_name, row.department, row.position, row.degree) == (
        "Trần Thị Bình",
        "Khoa Thủy sản",
        "Trưởng khoa",
        "ThS",
    )


def test_parse_staff_csv_accepts_khoa_and_unaccented_headers():
    result = staff_csv.parse_staff_csv(
        b"ho va ten,email,khoa\nLe Minh,minh@ctu.edu.vn,CNTT\n"
    )

    assert [(r.full_name, r.department) for r in result.rows] == [("Le Minh", "CNTT")]


def test_parse_staff_csv_normalises_names_to_nfc_and_emails_to_lower_case():
    name = unicodedata.normalize("NFD", "Phạm  Thị   Hoa")
    result = staff_csv.parse_staff_csv(
        (HEADER + f"{name},HOA@Ctu.Edu.Vn,,,,\n").encode()
    )

    (row,) = result.rows
    assert row.full_name == "Phạm Thị Hoa" and unicodedata.is_normalized(
        "NFC", row.full_name
    )
    assert row.email == "hoa@ctu.edu.vn"


def test_parse_staff_csv_spells_titles_and_degrees_canonically():
    rows = "A,a@ctu.edu.vn,,,pgs.,ths\nB,b@ctu.edu.vn,,,gs,Th.S\nC,c@ctu.edu.vn,,,Phó Giáo sư,Tiến sỹ\n"

    result = staff_csv.parse_staff_csv((HEADER + rows).encode())

    assert [(r.academic_title, r.degree) for r in result.rows] == [
        ("PGS", "ThS"),
        ("GS", "ThS"),
        ("PGS", "TS"),
    ]


@pytest.mark.parametrize(
    ("row", "fragment"),
    [
        (",nobody@ctu.edu.vn,,,,", "no name"),
        ("Le Van,not-an-email,,,,", "not a valid e-mail"),
        ("Le Van,,,,,", "no e-mail"),
        ("Le Van,le@ctu.edu.vn,,,Professor,", "academic title"),
        ("Le Van,le@ctu.edu.vn,,,,PhD", "degree"),
        ("Le Van,le@ctu.edu.vn,,,,,extra", "more columns"),
        ("X" * 201 + ",le@ctu.edu.vn,,,,", "200 characters"),
        ("Le Van,le@ctu.edu.vn," + "D" * 201 + ",,,", "department"),
    ],
)
def test_parse_staff_csv_reports_invalid_row_with_its_line(row, fragment):
    data = (
        HEADER
        + "Good One,good@ctu.edu.vn,,,,\n\n"
        + row
        + "\nGood Two,two@ctu.edu.vn,,,,\n"
    )

    result = staff_csv.parse_staff_csv(data.encode())

    assert [r.line for r in result.rows] == [2, 5]
    assert len(result.problems) == 1
    line, message = _problems(result)[0]
    assert line == 4 and "Line 4" in message and fragment in message


def test_parse_staff_csv_reports_duplicate_email_case_insensitively():
    data = (
        HEADER
        + "A,same@ctu.edu.vn,,,,\nB,other@ctu.edu.vn,,,,\nC,SAME@ctu.edu.vn,,,,\n"
    )

    result = staff_csv.parse_staff_csv(data.encode())

    assert [r.line for r in result.rows] == [2, 3]
    assert _problems(result) == [
        (4, "Line 4: the e-mail same@ctu.edu.vn is already on line 2.")
    ]


def test_parse_staff_csv_reports_every_reason_of_one_row():
    result = staff_csv.parse_staff_csv((HEADER + ",bad,,,Dr,PhD\n").encode())

    assert result.rows == []
    assert [line for line, _ in _problems(result)] == [2, 2, 2, 2]


def test_parse_staff_csv_counts_lines_of_multi_line_cells():
    data = HEADER + '"Nguyễn\nVăn An",an@ctu.edu.vn,,,,\nB,bad,,,,\n'

    result = staff_csv.parse_staff_csv(data.encode())

    assert result.rows[0].full_name == "Nguyễn Văn An"
    assert [p.position for p in result.problems] == [4]


@pytest.mark.parametrize(
    ("encoding", "name"), [("cp1258", "Văn Đông"), ("latin-1", "Müller Zoë")]
)
def test_parse_staff_csv_reports_non_utf8_file_once(encoding, name):
    data = HEADER + "Ana,ana@ctu.edu.vn,,,,\n" + name + ",x@ctu.edu.vn,,,,\n"

    result = staff_csv.parse_staff_csv(data.encode(encoding))

    assert result.rows == []
    ((line, message),) = _problems(result)
    assert line == 3 and "UTF-8" in message


@pytest.mark.parametrize("data", [b"", b"\xef\xbb\xbf", b"  \n\n"])
def test_parse_staff_csv_reports_empty_file(data):
    result = staff_csv.parse_staff_csv(data)

    assert result.rows == []
    assert _problems(result) == [(1, "The file is empty.")]


def test_parse_staff_csv_reports_header_without_rows():
    assert _problems(staff_csv.parse_staff_csv(HEADER.encode())) == [
        (1, "The file has no staff rows.")
    ]


def test_parse_staff_csv_requires_a_header_with_name_and_email():
    result = staff_csv.parse_staff_csv(b"Nguyen Van An,an@ctu.edu.vn\n")

    assert result.rows == []
    assert [p.position for p in result.problems] == [1, 1]
    assert "unknown column" in str(result.problems[0].message)


def test_parse_staff_csv_reports_missing_email_column():
    assert _problems(staff_csv.parse_staff_csv(b"full_name,department\nA,B\n")) == [
        (1, "The header has no “email” column.")
    ]


def test_parse_staff_csv_refuses_more_than_max_rows():
    rows = "".join(f"Person {i},p{i}@ctu.edu.vn,,,,\n" for i in range(MAX_ROWS + 1))

    result = staff_csv.parse_staff_csv((HEADER + rows).encode())

    assert result.rows == []
    assert len(result.problems) == 1
    assert str(MAX_ROWS) in str(result.problems[0].message)


def test_parse_staff_csv_accepts_exactly_max_rows():
    rows = "".join(f"Person {i},p{i}@ctu.edu.vn,,,,\n" for i in range(MAX_ROWS))

    result = staff_csv.parse_staff_csv((HEADER + rows).encode())

    assert result.problems == [] and len(result.rows) == MAX_ROWS
