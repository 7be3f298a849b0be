"""The one mail service: renders a message, keeps a copy in the outbox, sends it."""

from __future__ import annotations

import logging

import sqlalchemy as sa
from flask import current_app, render_template
from flask_mailman import EmailMessage

from matchmaker.extensions import db
from matchmaker.models import OutboxMessage
from matchmaker.services.pagination import paginate

log = logging.getLogger(__name__)


def send_mail(
    recipient: str, subject: str, template: str, **context: object
) -> OutboxMessage | None:
    """Render ``templates/mail/<template>.txt`` and send it; a plain function a job queue can run later.

    A delivery failure is logged and recorded, never raised: the action that caused the mail stands.
    """
    body = render_template(f"mail/{template}.txt", **context)
    record = None
    if current_app.config["MAIL_KEEP_OUTBOX"]:
        record = OutboxMessage(recipient=recipient, subject=subject, body=body)
        db.session.add(record)
    try:
        EmailMessage(subject=subject, body=body, to=[recipient]).send()
    except (
        Exception
    ) as exc:  # SMTP errors are many and varied; the outbox row keeps the reason
        log.exception("mail to %s failed", recipient)
        if record is not None:
            record.error = str(exc)[:500]
    else:
        if record is not None:
            record.sent = True
    # The outbox copy is its own transaction: mail goes out after the use case's commit (or without one).
    db.session.commit()
    return record


def list_outbox(page: int, per_page: int = 20):
    """The outbox, newest first, paginated."""
    query = sa.select(OutboxMessage).order_by(OutboxMessage.id.desc())
    return paginate(query, page, per_page)
