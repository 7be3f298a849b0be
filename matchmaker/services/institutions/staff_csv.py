"""Reading an institution's staff list (CSV) into checked rows for bulk account creation."""

from __future__ import annotations

import csv
import unicodedata
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from email_validator import EmailNotValidError, validate_email
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from matchmaker.matching.text import fold
from matchmaker.services.imports import (
    ImportProblem,
    csv_error,
    csv_reader,
    csv_text,
    numbered_rows,
)

if TYPE_CHECKING:
    from _csv import Reader

MAX_ROWS = 5000
COLUMNS = ("full_name", "email", "department", "position", "academic_title", "degree")
REQUIRED = ("full_name", "email")
ACADEMIC_TITLES = ("GS", "PGS")
DEGREES = ("TS", "TSKH", "ThS", "KS", "CN", "BS", "DS")
# Folded spellings accepted for each value: the abbreviation, or the words written out.
_TITLE_SPELLINGS = {v.lower(): v for v in ACADEMIC_TITLES} | {
    "giao su": "GS",
    "pho giao su": "PGS",
}
_DEGREE_SPELLINGS = {value.lower(): value for value in DEGREES} | {
    "tien si": "TS",
    "tien si khoa hoc": "TSKH",
    "thac si": "ThS",
    "ky su": "KS",
    "cu nhan": "CN",
    "bac si": "BS",
    "duoc si": "DS",
}

_LIMITS = {
    "full_name": (200, _l("the name")),
    "department": (200, _l("the department")),
    "position": (200, _l("the position")),
}
# Header names after folding: lower case, no accents, "_" as a space.
_ALIASES = {
    "full name": "full_name",
    "ho va ten": "full_name",
    "ho ten": "full_name",
    "email": "email",
    "e-mail": "email",
    "department": "department",
    "don vi": "department",
    "khoa": "department",
    "position": "position",
    "chuc vu": "position",
    "academic title": "academic_title",
    "hoc ham": "academic_title",
    "degree": "degree",
    "hoc vi": "degree",
}


@dataclass(frozen=True)
class StaffRow:
    """One valid staff member; ``line`` is where the row starts in the file (header = 1)."""

    line: int
    full_name: str
    email: str
    department: str
    position: str
    academic_title: str
    degree: str


@dataclass(frozen=True)
class ParsedStaff:
    """The valid rows and, for every rejected row or the file itself, what is wrong."""

    rows: list[StaffRow] = field(default_factory=list)
    problems: list[ImportProblem] = field(default_factory=list)


def parse_staff_csv(data: bytes | str) -> ParsedStaff:
    """Read a staff list: UTF-8 (BOM or not), ``,`` or ``;`` separated, with a header row."""
    text, problems = csv_text(data)
    if problems:
        return ParsedStaff(problems=problems)
    reader = csv_reader(text)
    try:
        columns, problems = _columns(next(reader))
        return (
            ParsedStaff(problems=problems) if problems else _read_rows(reader, columns)
        )
    except csv.Error:
        return ParsedStaff(problems=[csv_error(reader)])


def _clean(cell: str) -> str:
    return " ".join(unicodedata.normalize("NFC", cell).split())


def _header_key(name: str) -> str:
    return " ".join(fold(name).lower().replace("_", " ").split())


def _columns(header: list[str]) -> tuple[list[str], list[ImportProblem]]:
    """Map each header cell to a column name; empty cells at the end are ignored."""
    while header and not header[-1].strip():
        header.pop()
    columns: list[str] = []
    problems: list[ImportProblem] = []
    for cell in header:
        column = _ALIASES.get(_header_key(cell))
        if column is None:
            message = _l(
                "The header has an unknown column “%(name)s”.", name=cell.strip()
            )
            problems.append(ImportProblem(1, message))
        elif column in columns:
            message = _l(
                "The header has the column “%(name)s” twice.", name=cell.strip()
            )
            problems.append(ImportProblem(1, message))
        else:
            columns.append(column)
    for column in REQUIRED:
        if column not in columns and not problems:
            message = _l("The header has no “%(name)s” column.", name=column)
            problems.append(ImportProblem(1, message))
    return columns, problems


def _read_rows(reader: Reader, columns: list[str]) -> ParsedStaff:
    result = ParsedStaff()
    first_line_of: dict[str, int] = {}
    for count, (line, cells) in enumerate(numbered_rows(reader), start=1):
        if count > MAX_ROWS:
            message = _l(
                "The file has more than %(n)d rows; split it into smaller files.",
                n=MAX_ROWS,
            )
            return ParsedStaff(problems=[ImportProblem(line, message)])
        checked = _check_row(line, cells, columns, first_line_of)
        if isinstance(checked, StaffRow):
            result.rows.append(checked)
        else:
            result.problems.extend(checked)
    if not result.rows and not result.problems:
        result.problems.append(ImportProblem(1, _l("The file has no staff rows.")))
    return result


def _check_row(
    line: int, cells: list[str], columns: list[str], first_line_of: dict[str, int]
) -> StaffRow | list[ImportProblem]:
    """Check one row; every reason it is rejected is reported."""
    if any(cell.strip() for cell in cells[len(columns) :]):
        message = _l("Line %(line)d has more columns than the header.", line=line)
        return [ImportProblem(line, message)]
    values = dict.fromkeys(COLUMNS, "")
    values |= {col: _clean(cell) for col, cell in zip(columns, cells, strict=False)}
    problems = _check_name_and_sizes(line, values)
    email, email_problems = _check_email(line, values["email"], first_line_of)
    problems += email_problems
    for key, spellings in (
        ("academic_title", _TITLE_SPELLINGS),
        ("degree", _DEGREE_SPELLINGS),
    ):
        canonical = _choice(values[key], spellings)
        if canonical is None:
            problems.append(ImportProblem(line, _choice_message(key, line)))
        values[key] = canonical or ""
    if problems:
        return problems
    return StaffRow(line=line, **(values | {"email": email}))


def _check_name_and_sizes(line: int, values: dict[str, str]) -> list[ImportProblem]:
    if not values["full_name"]:
        return [ImportProblem(line, _l("Line %(line)d has no name.", line=line))]
    return [
        ImportProblem(
            line,
            _l(
                "Line %(line)d: %(field)s is over %(n)d characters.",
                line=line,
                field=label,
                n=limit,
            ),
        )
        for key, (limit, label) in _LIMITS.items()
        if len(values[key]) > limit
    ]


def _check_email(
    line: int, raw: str, first_line_of: dict[str, int]
) -> tuple[str, list[ImportProblem]]:
    """Return the lower-case address and its problems; the first line of each address is recorded."""
    if not raw:
        return "", [
            ImportProblem(line, _l("Line %(line)d has no e-mail address.", line=line))
        ]
    try:
        email = validate_email(raw, check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        message = _l(
            "Line %(line)d: “%(email)s” is not a valid e-mail address.",
            line=line,
            email=raw[:80],
        )
        return "", [ImportProblem(line, message)]
    first = first_line_of.setdefault(email, line)
    if first == line:
        return email, []
    message = _l(
        "Line %(line)d: the e-mail %(email)s is already on line %(first)d.",
        line=line,
        email=email,
        first=first,
    )
    return email, [ImportProblem(line, message)]


def _choice(value: str, spellings: dict[str, str]) -> str | None:
    """Return the canonical spelling ("pgs." or "Phó giáo sư" gives "PGS"), "" for empty, else ``None``."""
    words = " ".join(fold(value).lower().replace(".", " ").split()).replace("sy", "si")
    if not words:
        return ""
    return spellings.get(words) or spellings.get(words.replace(" ", ""))


def _choice_message(key: str, line: int) -> LazyString:
    if key == "academic_title":
        return _l(
            "Line %(line)d: the academic title must be GS, PGS or empty.", line=line
        )
    return _l(
        "Line %(line)d: the degree must be TS, TSKH, ThS, KS, CN, BS, DS or empty.",
        line=line,
    )
