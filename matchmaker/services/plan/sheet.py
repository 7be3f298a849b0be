"""A spreadsheet upload (CSV or XLSX) as numbered rows of text cells, or why it cannot be read."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date, datetime

from flask_babel import lazy_gettext as _l

from matchmaker.services.imports import (
    ImportProblem,
    csv_error,
    csv_reader,
    csv_text,
    numbered_rows,
)

MAX_ROWS = 2000
Rows = list[tuple[int, list[str]]]


def is_xlsx(data: bytes) -> bool:
    """An XLSX workbook is a zip archive; a CSV file never starts like one."""
    return data[:4] == b"PK\x03\x04"


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _too_long(line: int) -> ImportProblem:
    return ImportProblem(
        line,
        _l(
            "The file has more than %(n)d rows; split it into smaller files.",
            n=MAX_ROWS,
        ),
    )


def _xlsx_rows(data: bytes) -> tuple[Rows, list[ImportProblem]]:
    from openpyxl import load_workbook  # only imported for an XLSX upload

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError):
        return [], [
            ImportProblem(1, _l("The file is not a readable Excel workbook (.xlsx)."))
        ]
    try:
        rows: Rows = []
        for line, values in enumerate(
            workbook.worksheets[0].iter_rows(values_only=True), 1
        ):
            cells = [_cell(v) for v in values]
            if any(c.strip() for c in cells):
                if len(rows) > MAX_ROWS:
                    return [], [_too_long(line)]
                rows.append((line, cells))
        return rows, []
    finally:
        workbook.close()


def _csv_rows(data: bytes) -> tuple[Rows, list[ImportProblem]]:
    text, problems = csv_text(data)
    if problems:
        return [], problems
    reader = csv_reader(text)
    rows: Rows = []
    try:
        for line, cells in numbered_rows(reader):
            if len(rows) > MAX_ROWS:
                return [], [_too_long(line)]
            rows.append((line, cells))
    except csv.Error:
        return [], [csv_error(reader)]
    return rows, []


def read_rows(data: bytes) -> tuple[Rows, list[ImportProblem]]:
    """The non-blank rows of the upload with their row numbers (the header is the first one)."""
    rows, problems = _xlsx_rows(data) if is_xlsx(data) else _csv_rows(data)
    if not problems and not rows:
        problems = [ImportProblem(1, _l("The file is empty."))]
    return rows, problems
