"""Who hears the events of :mod:`matchmaker.services.events`, connected once per app in ``init_app``.

The search index follows every committed change of a record; committed notifications are mailed.
"""

from __future__ import annotations

from flask import Flask

from matchmaker.extensions import db
from matchmaker.models import Notification
from matchmaker.services import events
from matchmaker.services.messaging import notifications
from matchmaker.services.search import index as search


def init_app(app: Flask) -> None:
    """Subscribe ``app``'s search index and mail to the domain events of ``app``."""
    events.records_changed.connect(_reindex, sender=app)
    events.notifications_recorded.connect(_mail, sender=app)


def _reindex(app: Flask, keys: list[tuple[str, int]]) -> None:
    search.sync(keys)


def _mail(app: Flask, ids: list[int]) -> None:
    notes = [db.session.get(Notification, i) for i in ids]
    notifications.deliver(note for note in notes if note is not None)
