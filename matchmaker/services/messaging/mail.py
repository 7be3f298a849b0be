"""The one mail service: renders a message, keeps a copy in the outbox, sends it."""

from __future__ import annotations

import logging

import sqlalchemy as sa
from flask import current_app, render_template
from flask_mailman import EmailMessage

from matchmaker.extensions import db
from matchmaker.models import OutboxMessage
from matchmaker.services import jobs
from matchmaker.services.pagination import paginate

log = logging.getLogger(__name__)


def send_mail(
    recipient: str, subject: str, template: str, **context: object
) -> OutboxMessage | None:
    """Render ``templates/mail/<template>.txt`` now and send it as a background job (:func:`deliver`).

    A delivery failure is logged and recorded on the outbox copy, never raised to the caller: the action
    that caused the mail stands. On Redis the job is retried with back-off.
    """
    body = render_template(f"mail/{template}.txt", **context)
    record = None
    if current_app.config["MAIL_KEEP_OUTBOX"]:
        record = OutboxMessage(recipient=recipient, subject=subject, body=body)
        db.session.add(record)
    # The outbox copy is its own transaction: mail goes out after the use case's commit (or without one).
    db.session.commit()
    jobs.enqueue(
        "mail",
        "matchmaker.services.messaging.mail.deliver",
        recipient,
        subject,
        body,
        record.id if record is not None else None,
    )
    return record


def deliver(
    recipient: str, subject: str, body: str, outbox_id: int | None = None
) -> None:
    """The mail job: send a rendered message and mark its outbox copy; a failure is recorded, then raised."""
    record = db.session.get(OutboxMessage, outbox_id) if outbox_id else None
    try:
        EmailMessage(subject=subject, body=body, to=[recipient]).send()
    except (
        Exception
    ) as exc:  # SMTP errors are many and varied; the outbox row keeps the reason
        log.warning("mail to %s failed: %s", recipient, exc)
        if record is not None:
            record.error = str(exc)[:500]
            db.session.commit()
        raise
    if record is not None:
        record.sent, record.error = True, None
        db.session.commit()


def list_outbox(page: int, per_page: int = 20):
    """The outbox, newest first, paginated."""
    query = sa.select(OutboxMessage).order_by(OutboxMessage.id.desc())
    return paginate(query, page, per_page)
