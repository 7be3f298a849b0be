"""Text filters of the lists (researchers, needs, orders, enterprises, accounts): case and accents ignored.

A list filtered by "Đồng", "đồng" or "dong" finds "Viện Đồng bằng" on SQLite and on PostgreSQL alike, as the
search index does. The database compares the folded forms: ``folded(column)`` is the search index's own
folding (NFC, lower case, accents off, đ → d) as an SQL expression. SQLite runs that very Python function,
registered on each connection (its ``lower()`` knows only ASCII); PostgreSQL runs ``translate()`` with a table
built from the same function, so no extension (``unaccent``) and no locale is needed.
"""

from __future__ import annotations

import functools
import re
import sqlite3
import unicodedata
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from matchmaker.search_index.analysis import fold_prepared, prepare

SQLITE_FUNCTION = "mm_fold"
MAX_FILTER_CHARS = 200
_LIKE_ESCAPE = "\\"
_SEPARATOR = (
    "\n"  # a line break: no filter query holds one (query_text turns it into a space)
)


def fold(text: str | None) -> str:
    """``text`` as the filters compare it: NFC, lower case, no accents, đ → d."""
    return fold_prepared(prepare(text or ""))


def _translation() -> tuple[str, str]:
    """Every letter Vietnamese uses whose folded lower-case form is one other character."""
    source, target = [], []
    for start, end in ((0x00C0, 0x0250), (0x1E00, 0x1F00), (0x0041, 0x005B)):
        for code in range(start, end):
            char = chr(code)
            folded = fold(char)
            if len(folded) == 1 and folded != char:
                source.append(char)
                target.append(folded)
    return "".join(source), "".join(target)


_SOURCE, _TARGET = _translation()
# PostgreSQL strips the accents itself (decomposed, combining marks 0300-036F removed, recomposed), which is
# quick, then ``translate()`` maps only what that leaves unlike ``fold`` (đ, ð, upper case beyond ASCII):
# a translate() over the whole table above cost 0.3 ms a row, 3 s to filter 10,000 researchers.
_COMBINING = "[\u0300-\u036f]"


def _postgresql_strip(char: str) -> str:
    """What PostgreSQL's accent stripping makes of ``char`` (before ``translate`` and ``lower``)."""
    decomposed = unicodedata.normalize("NFD", char)
    return unicodedata.normalize("NFC", re.sub(_COMBINING, "", decomposed))


def _residual() -> tuple[str, str]:
    """The characters accent stripping and ASCII ``lower()`` leave unlike ``fold``, and their folds."""
    table: dict[str, str] = {}
    for source, target in zip(_SOURCE, _TARGET, strict=True):
        stripped = _postgresql_strip(source)
        if (stripped.lower() if stripped.isascii() else stripped) != target and len(
            stripped
        ) == 1:
            table[stripped] = target
    return "".join(table), "".join(table.values())


_RESIDUAL_SOURCE, _RESIDUAL_TARGET = _residual()


class folded(FunctionElement):  # noqa: N801 - an SQL function, named like sa.func ones
    """``fold(column)`` in SQL (see the module docstring)."""

    type = sa.Text()
    name = "folded"
    inherit_cache = True


@compiles(folded)
def _folded_default(element: folded, compiler: Any, **kw: Any) -> str:
    return f"lower({compiler.process(element.clauses, **kw)})"


@compiles(folded, "sqlite")
def _folded_sqlite(element: folded, compiler: Any, **kw: Any) -> str:
    return f"{SQLITE_FUNCTION}({compiler.process(element.clauses, **kw)})"


@compiles(folded, "postgresql")
def _folded_postgresql(element: folded, compiler: Any, **kw: Any) -> str:
    column = compiler.process(element.clauses, **kw)
    combining = compiler.process(sa.literal(_COMBINING), **kw)
    source = compiler.process(sa.literal(_RESIDUAL_SOURCE), **kw)
    target = compiler.process(sa.literal(_RESIDUAL_TARGET), **kw)
    stripped = f"normalize(regexp_replace(normalize({column}, NFD), {combining}, '', 'g'), NFC)"
    return f"lower(translate({stripped}, {source}, {target}))"


def _escape_like(text: str) -> str:
    return (
        text.replace(_LIKE_ESCAPE, _LIKE_ESCAPE * 2)
        .replace("%", _LIKE_ESCAPE + "%")
        .replace("_", _LIKE_ESCAPE + "_")
    )


def query_text(query: str | None) -> str:
    """The folded filter text, cut to a sane length ("" means no filter)."""
    return fold(query).replace(_SEPARATOR, " ").strip()[:MAX_FILTER_CHARS]


def contains(query: str, *columns: sa.ColumnElement[Any]) -> sa.ColumnElement[bool]:
    """Whether any of ``columns`` contains ``query`` (already through :func:`query_text`), case and
    accents ignored. ``%`` and ``_`` typed by the user are plain characters."""
    pattern = f"%{_escape_like(query)}%"
    if len(columns) == 1:
        return folded(columns[0]).like(pattern, escape=_LIKE_ESCAPE)
    # The columns folded as one text (one call per row on SQLite, not one per column), kept apart by a
    # character no query holds, so a match never spans two of them.
    joined = sa.func.coalesce(sa.cast(columns[0], sa.Text), "")
    for column in columns[1:]:
        joined = joined + _SEPARATOR + sa.func.coalesce(sa.cast(column, sa.Text), "")
    return folded(joined).like(pattern, escape=_LIKE_ESCAPE)


def stored(*values: str | None) -> str:
    """``values`` folded as one text the way :func:`contains` folds its columns, to be kept in a column
    that :func:`stored_contains` then reads without folding every row at query time."""
    return fold(_SEPARATOR.join(value or "" for value in values))


def stored_contains(
    query: str, column: sa.ColumnElement[Any]
) -> sa.ColumnElement[bool]:
    """:func:`contains` against a column that already holds :func:`stored` text."""
    return column.like(f"%{_escape_like(query)}%", escape=_LIKE_ESCAPE)


def same_code(column: sa.ColumnElement[Any], code: str) -> sa.ColumnElement[bool]:
    """Whether ``column`` holds ``code``, case and accents ignored (a register's codes: "kh22-051" is KH22-051)."""
    return folded(column) == fold(code)


@functools.lru_cache(maxsize=1 << 16)
def _fold_or_none(value: Any) -> str | None:
    # Remembered: a filtered list folds the same names and keywords on every request (SQLite calls this
    # once per row and column; a page of researchers filtered by text at 10,000 of them took 300 ms).
    return None if value is None else fold(str(value))


@sa.event.listens_for(Engine, "connect")
def _register_sqlite_function(dbapi_connection: Any, _record: Any) -> None:
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.create_function(
            SQLITE_FUNCTION, 1, _fold_or_none, deterministic=True
        )
