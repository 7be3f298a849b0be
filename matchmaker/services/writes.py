"""Which commits of this process wrote, numbered: what lets a result kept in memory see its own process's
changes at once.

``watch(models)`` returns a :class:`Watch` whose ``last`` moves on every commit (of any session of this
process) that inserted, updated or deleted a row of one of ``models`` (of any table when ``models`` is
``None``). A result computed when ``last`` was N is stale once it is not N any more. Bulk statements
(``update()``, ``delete()``, ``insert()`` through the session) skip the flush, so any of them counts for every
watch. Writes made by other processes, or outside the session, are not seen here: a cache built on this
also bounds its age (the matching model's probe, the dashboard's time to live).
"""

from __future__ import annotations

import itertools
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import ORMExecuteState, Session

_TOUCHED = "matchmaker.writes.touched"


class Watch:
    """The number of the latest commit of this process that wrote to the watched tables (0: none yet)."""

    def __init__(self, models: tuple[type, ...] | None) -> None:
        self.models = models
        self.last = 0
        # next() on a count is atomic: two commits at once never take the same number.
        self._numbers = itertools.count(1)

    def wrote(self, rows: tuple[Any, ...]) -> bool:
        if self.models is None:
            return bool(rows)
        return any(isinstance(row, self.models) for row in rows)

    def committed(self) -> None:
        self.last = next(self._numbers)


_WATCHES: list[Watch] = []


def watch(models: tuple[type, ...] | None = None) -> Watch:
    """A new watch of ``models`` (every table when ``None``); made once, at import."""
    found = Watch(models)
    _WATCHES.append(found)
    return found


def _touched(session: Session) -> set[Watch]:
    return session.info.setdefault(_TOUCHED, set())


@sa.event.listens_for(Session, "after_flush")
def _flushed(session: Session, _context: Any) -> None:
    rows = (*session.new, *session.dirty, *session.deleted)
    if rows:
        _touched(session).update(w for w in _WATCHES if w.wrote(rows))


# An execution option marking a statement as bookkeeping: it writes no data any watch cares about (the time of
# a sign-in), so no watch counts it.
BOOKKEEPING = "matchmaker_bookkeeping"


def bookkeeping(statement: sa.Executable) -> sa.Executable:
    """``statement`` marked as bookkeeping (see ``BOOKKEEPING``)."""
    return statement.execution_options(**{BOOKKEEPING: True})


@sa.event.listens_for(Session, "do_orm_execute")
def _executed(state: ORMExecuteState) -> None:
    if state.execution_options.get(BOOKKEEPING):
        return
    if state.is_insert or state.is_update or state.is_delete:
        _touched(state.session).update(_WATCHES)


@sa.event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    for found in session.info.pop(_TOUCHED, ()):
        found.committed()


@sa.event.listens_for(Session, "after_soft_rollback")
def _rolled_back(session: Session, _previous: Any) -> None:
    if not session.in_transaction():
        session.info.pop(_TOUCHED, None)
