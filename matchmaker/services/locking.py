"""Write locks that hold on PostgreSQL and SQLite alike, for the invariants checked before a write.

An invariant such as "never more paid than planned" reads the database, decides, then writes. Two requests
doing that at once both read the old state unless the second waits for the first. ``lock`` makes it wait:

- PostgreSQL: ``SELECT … FOR UPDATE`` locks the rows; a second transaction blocks on them until the first
  ends, and its next statement sees what the first committed (READ COMMITTED).
- SQLite has no row locks and ``FOR UPDATE`` does nothing. Its driver runs reads outside a transaction and
  opens one at the first write, so the lock here *is* a write: an ``UPDATE`` that changes nothing still
  takes the database's write lock, which every other writer waits for (up to the busy timeout).

Call ``lock`` at the start of the unit of work, before reading what the invariant depends on; the lock is
released by the service's commit or rollback.
"""

from __future__ import annotations

import sqlalchemy as sa

from matchmaker.extensions import db


def lock(model: type, *criteria: sa.ColumnElement[bool]) -> None:
    """Hold the write lock on the rows of ``model`` matching ``criteria`` until the transaction ends."""
    (key,) = sa.inspect(model).primary_key
    if db.session.get_bind().dialect.name == "sqlite":
        stmt = sa.update(model).where(*criteria).values({key.name: key})
        db.session.execute(stmt, execution_options={"synchronize_session": False})
        return
    # A stable order, so that two transactions locking overlapping rows cannot deadlock.
    db.session.execute(sa.select(key).where(*criteria).order_by(key).with_for_update())


def lock_row(model: type, row_id: int) -> None:
    """Hold the write lock on one row (by primary key) until the transaction ends."""
    (key,) = sa.inspect(model).primary_key
    lock(model, key == row_id)


def lock_object(obj: object) -> None:
    """Hold the write lock on ``obj``'s row and reload it, so the checks that follow read what is committed."""
    state = sa.inspect(obj)
    lock_row(state.mapper.class_, state.identity[0])
    db.session.refresh(obj)
