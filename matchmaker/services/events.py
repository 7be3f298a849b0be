"""What a use case changed, announced after the commit that made it true (blinker signals, as Flask uses).

A service records what it changes while it works — :func:`changed` for a record whose public picture
(search entry) may differ, :func:`notified` for notifications to mail — and ends its use case with
:func:`commit`, the one commit of the unit of work. Only once the database has committed are the signals
sent; a rollback forgets what was recorded. The subscribers connect in ``init_app``
(:func:`matchmaker.services.subscribers.init_app`): the search index and the notification mail. A job
queue can subscribe the same way, so no service imports the search or mail services to keep them fresh.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

import sqlalchemy as sa
from blinker import Namespace
from flask import current_app
from sqlalchemy.orm import Session

from matchmaker.extensions import db
from matchmaker.models import Notification

_signals = Namespace()

#: Records whose public picture may have changed. ``keys``: list of ``(kind, id)``, kind one of
#: ``project``, ``order``, ``need``, ``researcher`` (the search index's document kinds).
records_changed = _signals.signal("records-changed")

#: Notifications recorded in the app and committed. ``ids``: list of :class:`Notification` ids.
notifications_recorded = _signals.signal("notifications-recorded")

_PENDING = "matchmaker.events.pending"
_COMMITTED = "matchmaker.events.committed"

_quiet: ContextVar[frozenset[str]] = ContextVar("events_quiet", default=frozenset())


def _bag(session: Session, key: str) -> dict[str, list]:
    return session.info.setdefault(key, {"records": [], "notes": []})


def changed(kind: str, record_id: int) -> None:
    """Record that ``kind`` ``record_id`` changed in the current unit of work (flush new rows first)."""
    if record_id is None:
        raise ValueError(f"a {kind} without an id: flush it before recording it")
    records = _bag(db.session(), _PENDING)["records"]
    if (kind, record_id) not in records:
        records.append((kind, record_id))


def notified(notes: Iterable[Notification]) -> None:
    """Record notifications (flushed) of the current unit of work, to be mailed after its commit."""
    _bag(db.session(), _PENDING)["notes"].extend(note.id for note in notes)


def commit() -> None:
    """End the use case: commit its one transaction, then announce what it changed.

    Subscribers run after the commit: whatever they write (the outbox copy of a mail, a queued index
    retry) is their own transaction, and nothing they do can undo the use case.
    """
    db.session.commit()
    publish()


def publish() -> None:
    """Send the signals for everything committed so far (at most once); never for uncommitted work."""
    session = db.session()
    done = session.info.pop(_COMMITTED, None)
    if not done:
        return
    app = current_app._get_current_object()
    quiet = _quiet.get()
    if done["records"] and "records" not in quiet:
        records_changed.send(app, keys=list(done["records"]))
    if done["notes"] and "notes" not in quiet:
        notifications_recorded.send(app, ids=list(done["notes"]))


@contextmanager
def quiet(*what: str) -> Iterator[None]:
    """Send no signal of the named sorts (``records``, ``notes``) for what is committed meanwhile: loading
    many records at once (the demo data, whose caller rebuilds the index itself), or notifications meant
    for the app only."""
    token = _quiet.set(_quiet.get() | frozenset(what))
    try:
        yield
    finally:
        _quiet.reset(token)


@sa.event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    pending = session.info.pop(_PENDING, None)
    if pending:
        quiet = _quiet.get()  # also for commits that do not publish (a loader's own)
        bag = _bag(session, _COMMITTED)
        if "records" not in quiet:
            bag["records"] += [k for k in pending["records"] if k not in bag["records"]]
        if "notes" not in quiet:
            bag["notes"] += pending["notes"]


@sa.event.listens_for(Session, "after_soft_rollback")
def _rolled_back(session: Session, previous_transaction) -> None:
    if not session.in_transaction():
        session.info.pop(_PENDING, None)
