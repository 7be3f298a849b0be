"""Who hears the events of :mod:`matchmaker.services.events`, connected once per app in ``init_app``.

The search index follows every committed change of a record (a background job: on Redis when configured,
at once in this process otherwise); committed notifications are mailed (each mail a job of its own).
"""

from __future__ import annotations

from flask import Flask

from matchmaker.extensions import db
from matchmaker.models import Notification
from matchmaker.services import events, jobs
from matchmaker.services.messaging import notifications


def init_app(app: Flask) -> None:
    """Subscribe ``app``'s search index and mail to the domain events of ``app``."""
    events.records_changed.connect(_reindex, sender=app)
    events.notifications_recorded.connect(_mail, sender=app)


def _reindex(app: Flask, keys: list[tuple[str, int]]) -> None:
    jobs.enqueue("search.update", "matchmaker.services.search.index.sync", list(keys))


def _mail(app: Flask, ids: list[int]) -> None:
    notes = [db.session.get(Notification, i) for i in ids]
    notifications.deliver(note for note in notes if note is not None)
