"""The dashboard as an Excel workbook: one sheet per section, numbers and dates as real cell values."""

from __future__ import annotations

import io
from collections.abc import Mapping
from datetime import date

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from matchmaker.services import reference
from matchmaker.services.dashboard import catalogue
from matchmaker.services.dashboard.types import Dashboard, Section, Table, Value

FORMATS = {
    "vnd": '#,##0" ₫"',
    "count": "#,##0",
    "days": "#,##0.0",
    "percent": '0.0" %"',
    "number": "#,##0.00",
}
BOLD = Font(bold=True)


def workbook(board: Dashboard, state_labels: Mapping[str, object]) -> io.BytesIO:
    """The workbook of ``board`` (``state_labels`` names the funnel's states)."""
    book = Workbook()
    book.remove(book.active)
    for section in board.sections:
        sheet = book.create_sheet(str(catalogue.SECTIONS[section.key])[:31])
        _heading(sheet, board, section)
        _figures(sheet, section)
        for table in section.tables:
            _table(sheet, table, state_labels)
        sheet.column_dimensions["A"].width = 48
        for column in "BCD":
            sheet.column_dimensions[column].width = 22
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    return out


def _heading(sheet, board: Dashboard, section: Section) -> None:
    period = board.scope.period
    sheet.append([str(catalogue.SECTIONS[section.key])])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append([_("Start date"), period.start])
    sheet.append([_("End date"), period.end])
    for row in (2, 3):
        sheet.cell(row, 2).number_format = "dd/mm/yyyy"
    filters = board.scope.filters
    if filters.field_code:
        sheet.append([_("Science field"), reference.field_name(filters.field_code)])
    if filters.priority_area:
        sheet.append(
            [_("Priority area"), reference.priority_area_name(filters.priority_area)]
        )
    if filters.agency_id:
        sheet.append([_("Agency"), filters.agency_id])
    if filters.institution_id:
        sheet.append([_("Institution"), filters.institution_id])
    if filters.province:
        sheet.append([_("Province or city"), filters.province])
    sheet.append([])


def _figures(sheet, section: Section) -> None:
    sheet.append([_("Figure"), _("Value"), _("Unit")])
    for cell in sheet[sheet.max_row]:
        cell.font = BOLD
    for found in section.figures:
        label = str(catalogue.FIGURES[found.key].label)
        sheet.append([label, found.value, str(catalogue.UNITS[found.unit])])
        sheet.cell(sheet.max_row, 2).number_format = FORMATS[found.unit]
    sheet.append([])


def _label(table: Table, label: object, state_labels: Mapping[str, object]) -> object:
    if table.key == "funnel":
        return str(state_labels.get(str(label), label))
    if isinstance(label, date):
        return label
    return str(label) if label else _("Not given")


def _table(sheet, table: Table, state_labels: Mapping[str, object]) -> None:
    sheet.append([str(catalogue.TABLES[table.key])])
    sheet.cell(sheet.max_row, 1).font = BOLD
    sheet.append(["", *(str(catalogue.COLUMNS[c]) for c in table.columns)])
    for row in table.rows:
        values: list[Value | object] = [
            _label(table, row.label, state_labels),
            *row.values,
        ]
        sheet.append(values)
        if isinstance(row.label, date):
            sheet.cell(sheet.max_row, 1).number_format = "mm/yyyy"
        for i, unit in enumerate(table.units, start=2):
            sheet.cell(sheet.max_row, i).number_format = FORMATS[unit]
    sheet.append([])
