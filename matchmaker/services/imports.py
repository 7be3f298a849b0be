"""What every file import shares: the problems it reports and reading CSV text into numbered rows."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

if TYPE_CHECKING:
    from _csv import Reader


@dataclass(frozen=True)
class ImportProblem:
    """Why the entry (or row) starting at line ``position`` was not imported."""

    position: int
    message: str | LazyString


def csv_text(data: bytes | str) -> tuple[str, list[ImportProblem]]:
    """The text of an uploaded CSV file (UTF-8, with or without BOM), or why it cannot be read."""
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            line = data.count(b"\n", 0, error.start) + 1
            message = _l(
                "The file is not UTF-8 text (see line %(line)d). "
                "Save it as “CSV UTF-8” and upload it again.",
                line=line,
            )
            return "", [ImportProblem(line, message)]
    text = data.lstrip("\ufeff")
    if not text.strip():
        return "", [ImportProblem(1, _l("The file is empty."))]
    return text, []


def csv_reader(text: str) -> Reader:
    """A reader for ``text`` separated by ``,`` or ``;`` (whichever the header row uses more)."""
    first_line = text.splitlines()[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    return csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)


def csv_error(reader: Reader) -> ImportProblem:
    """The problem to report when ``reader`` meets invalid CSV."""
    line = reader.line_num
    return ImportProblem(
        line, _l("Line %(line)d is not valid CSV; check its quotes.", line=line)
    )


def numbered_rows(reader: Reader) -> Iterator[tuple[int, list[str]]]:
    """Yield non-blank rows with the line where each starts (a quoted cell may span lines)."""
    line_before = reader.line_num
    for cells in reader:
        line, line_before = line_before + 1, reader.line_num
        if any(cell.strip() for cell in cells):
            yield line, cells
