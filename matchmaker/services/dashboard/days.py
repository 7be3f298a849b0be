"""Cần Thơ's calendar day of a stored instant, in SQL, so day counts are worked out by the database.

``local_day(column)`` is a day number (days since an origin that differs between databases: only the
difference of two is meaningful) of the date in Cần Thơ (UTC+7 all year, no daylight saving) of the UTC
instant in ``column``: what ``instant.astimezone(VIETNAM_TZ).date()`` gives in Python. SQLite stores an
instant as its UTC text, PostgreSQL as a ``timestamptz``.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from matchmaker.lifecycle import VIETNAM_TZ

_OFFSET_HOURS = int(VIETNAM_TZ.utcoffset(None).total_seconds() // 3600)


class local_day(FunctionElement):  # noqa: N801 - an SQL function, named like sa.func ones
    """The day number of the Cần Thơ date of an instant (see the module docstring)."""

    type = sa.Integer()
    name = "local_day"
    inherit_cache = True


@compiles(local_day, "sqlite")
def _local_day_sqlite(element: local_day, compiler: Any, **kw: Any) -> str:
    instant = compiler.process(element.clauses, **kw)
    return f"CAST(julianday(date({instant}, '{_OFFSET_HOURS:+d} hours')) AS INTEGER)"


@compiles(local_day, "postgresql")
def _local_day_postgresql(element: local_day, compiler: Any, **kw: Any) -> str:
    instant = compiler.process(element.clauses, **kw)
    local = f"(({instant}) AT TIME ZONE 'UTC') + INTERVAL '{_OFFSET_HOURS} hours'"
    return f"(CAST({local} AS DATE) - DATE '2000-01-01')"
