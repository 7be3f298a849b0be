"""The one way a service pages a list: the page number is clamped before it reaches the database."""

from __future__ import annotations

from typing import Any

from flask_sqlalchemy.pagination import Pagination, SelectPagination

from matchmaker.extensions import db
from matchmaker.inputs import page_number


def paginate(stmt: Any, page: object, per_page: int) -> Pagination:
    """Page ``page`` of ``stmt``; a missing, negative or absurd page number is page 1 or the last allowed page.

    A page past the end of the list is empty (never an error), so a stale link shows "nothing here".
    """
    return db.paginate(stmt, page=page_number(page), per_page=per_page, error_out=False)


class _RowPagination(SelectPagination):
    """A page of a select of several columns: each item is a row (``row.ResearchOrder``, ``row.label``)."""

    def _query_items(self) -> list[Any]:
        select = self._query_args["select"]
        select = select.limit(self.per_page).offset(self._query_offset)
        return list(self._query_args["session"].execute(select).all())


def paginate_rows(stmt: Any, page: object, per_page: int) -> Pagination:
    """As :func:`paginate`, for a select of an entity with more columns (a figure computed in SQL)."""
    return _RowPagination(
        select=stmt,
        session=db.session(),
        page=page_number(page),
        per_page=per_page,
        error_out=False,
    )
