"""The one way a service pages a list: the page number is clamped before it reaches the database."""

from __future__ import annotations

from typing import Any

from flask_sqlalchemy.pagination import Pagination

from matchmaker.extensions import db
from matchmaker.inputs import page_number


def paginate(stmt: Any, page: object, per_page: int) -> Pagination:
    """Page ``page`` of ``stmt``; a missing, negative or absurd page number is page 1 or the last allowed page.

    A page past the end of the list is empty (never an error), so a stale link shows "nothing here".
    """
    return db.paginate(stmt, page=page_number(page), per_page=per_page, error_out=False)
