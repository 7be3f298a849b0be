"""In-app notifications, mirrored by e-mail through the mail service."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from matchmaker import formatting
from matchmaker.extensions import db
from matchmaker.models import Notification, User, utcnow
from matchmaker.services import events
from matchmaker.services.messaging import links, mail
from matchmaker.services.pagination import paginate

# kind -> message template; params fill the placeholders. Rendered in the reader's language when shown.
MESSAGES = {
    "interest_received": _l("%(who)s is interested in your need “%(title)s”."),
    "interest_accepted": _l("%(enterprise)s accepted your interest in “%(title)s”."),
    "interest_declined": _l("%(enterprise)s declined your interest in “%(title)s”."),
    "colleague_invited": _l("%(who)s invited you to manage %(enterprise)s."),
    "order_stage_changed": _l(
        "%(who)s moved the research order “%(title)s” to a new stage."
    ),
    "colleague_accepted_interest": _l(
        "%(who)s accepted the interest of %(researcher)s in “%(title)s”."
    ),
    "colleague_declined_interest": _l(
        "%(who)s declined the interest of %(researcher)s in “%(title)s”."
    ),
    "proposal_declined": _l(
        "Your proposal for “%(title)s” was declined; open the order to see the reason."
    ),
    "council_invited": _l(
        "%(who)s invited you to the selection council of “%(title)s”."
    ),
    "milestone_added": _l(
        "%(who)s added the milestone “%(milestone)s” to “%(title)s”."
    ),
    "deliverable_submitted": _l(
        "%(who)s submitted the deliverable of “%(milestone)s” in “%(title)s”."
    ),
    "deliverable_sent_back": _l(
        "%(who)s sent the deliverable of “%(milestone)s” in “%(title)s” back for revision; "
        "open the work page to read the reason."
    ),
    "milestone_completed": _l(
        "%(who)s confirmed the milestone “%(milestone)s” of “%(title)s” as completed."
    ),
    "disbursement_recorded": _l(
        "%(who)s recorded a disbursement of %(amount)s for “%(title)s”."
    ),
    # For people who may not see the order's budget figures (an internal budget).
    "disbursement_recorded_unsized": _l(
        "%(who)s recorded a disbursement for “%(title)s”."
    ),
    "progress_reported": _l(
        "%(who)s reported progress (%(percent)s%%) on “%(title)s”."
    ),
    "mid_term_recorded": _l("%(who)s recorded the mid-term check of “%(title)s”."),
    "results_registered": _l("%(who)s registered the results of “%(title)s”."),
    "result_added": _l("%(who)s added the result “%(product)s” to “%(title)s”."),
    "lead_reviewer_assigned": _l(
        "%(who)s made you lead reviewer of %(n)s proposal(s) to “%(title)s”."
    ),
    "call_invitation": _l(
        "%(who)s invites you to submit a proposal to the open call “%(title)s”."
    ),
    "project_pi_requested": _l(
        "%(who)s named you principal investigator of the project “%(title)s”. "
        "Open it to confirm or decline."
    ),
    "project_pi_confirmed": _l(
        "%(who)s confirmed being principal investigator of the project “%(title)s”."
    ),
    "project_pi_declined": _l(
        "%(who)s declined being principal investigator of the project “%(title)s”."
    ),
    "project_member_requested": _l(
        "%(who)s named you a team member of the project “%(title)s”. "
        "Open it to confirm or decline."
    ),
    "project_member_confirmed": _l(
        "%(who)s confirmed being a team member of the project “%(title)s”."
    ),
    "project_member_declined": _l(
        "%(who)s declined being a team member of the project “%(title)s”."
    ),
}


# Params kept as numbers and written when the notification is read, in the reader's language.
FORMATS = {"amount": formatting.vnd}


def _written(params: Mapping[str, object]) -> dict[str, object]:
    return {
        name: FORMATS[name](value)
        if name in FORMATS and isinstance(value, int)
        else value
        for name, value in params.items()
    }


def render(notification: Notification) -> str:
    """The notification's text in the current language."""
    template = MESSAGES.get(notification.kind)
    if template is None:
        return notification.kind
    try:
        return str(template) % _written(notification.params)
    except (KeyError, TypeError, ValueError):
        return str(template)


def notify(
    user: User,
    kind: str,
    params: Mapping[str, str | int],
    endpoint: str | None = None,
    **values: int | str,
) -> Notification:
    """Record a notification for ``user``, leading to ``endpoint`` with ``values`` (an endpoint name such as
    ``"orders.detail"``, never a URL); it is mailed once the caller's unit of work commits."""
    note = Notification(
        user_id=user.id,
        kind=kind,
        params=dict(params),
        endpoint=endpoint,
        endpoint_values=values,
    )
    db.session.add(note)
    db.session.flush()
    events.notified([note])
    return note


def deliver(notes: Iterable[Notification]) -> None:
    """Mail committed notifications to their active recipients, in Vietnamese (the platform's language)."""
    for note in notes:
        user = db.session.get(User, note.user_id)
        if user is None or not user.active:
            continue
        with force_locale("vi"):
            text = render(note)
        link = (
            links.absolute_url(note.endpoint, **note.endpoint_values)
            if note.endpoint
            else None
        )
        mail.send_mail(
            user.email, text[:300], "notification", user=user, text=text, link=link
        )


def list_for(user: User, page: int, per_page: int = 20):
    """A user's notifications, newest first."""
    stmt = (
        sa.select(Notification)
        .where(Notification.user_id == user.id)
        .order_by(Notification.id.desc())
    )
    return paginate(stmt, page, per_page)


def unread_count(user: User) -> int:
    """How many notifications ``user`` has not read."""
    stmt = sa.select(sa.func.count(Notification.id)).where(
        Notification.user_id == user.id, Notification.read_at.is_(None)
    )
    return db.session.scalar(stmt) or 0


def mark_all_read(user: User) -> None:
    """Mark every notification of ``user`` as read."""
    db.session.execute(
        sa.update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    events.commit()
