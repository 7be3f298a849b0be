"""Imports kept between their preview and the user's confirmation."""

from __future__ import annotations

from flask_babel import gettext as _

from matchmaker.extensions import db
from matchmaker.models import ImportBatch, User, utcnow
from matchmaker.services.errors import Conflict, NotAllowed


def pending_batch(batch_id: int, kind: str, user: User, target_id: int) -> ImportBatch:
    """The user's unconfirmed import of ``kind`` for ``target_id``; NotAllowed or Conflict otherwise."""
    batch = db.session.get(ImportBatch, batch_id)
    if batch is None or (batch.kind, batch.user_id, batch.target_id) != (
        kind,
        user.id,
        target_id,
    ):
        raise NotAllowed(_("This import does not belong to you."))
    if batch.confirmed_at is not None:
        raise Conflict(_("This import has already been confirmed."))
    return batch


def mark_confirmed(batch: ImportBatch) -> None:
    """Record that the batch was written; the caller commits with the imported rows."""
    batch.confirmed_at = utcnow()
