"""Shared pieces of the work services: who may see and do what, input checks, and notices."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from matchmaker import formatting, lifecycle
from matchmaker.extensions import db
from matchmaker.lifecycle import Entry, OrderState
from matchmaker.matching.text import normalise
from matchmaker.models import (
    Notification,
    OrderEvent,
    ResearchOrder,
    User,
    utcnow,
)
from matchmaker.services import policy
from matchmaker.services.errors import Conflict, NotAllowed
from matchmaker.services.messaging import notifications
from matchmaker.validators import CONTROL_CHARACTERS

S = OrderState
PLANNING_STATES = frozenset({S.AWARDED.value, S.IN_PROGRESS.value})
WORKING_STATES = frozenset({S.IN_PROGRESS.value})
CONFIRMING_STATES = frozenset({S.IN_PROGRESS.value, S.ACCEPTANCE_REVIEW.value})
# Payments follow the contract until its results are in use; a failed or stopped task is not paid further.
PAYING_STATES = frozenset(
    s.value
    for s in (
        S.AWARDED, S.IN_PROGRESS, S.ACCEPTANCE_REVIEW, S.ACCEPTED, S.RESULTS_REGISTERED, S.IN_APPLICATION,
    )
)  # fmt: skip
SCHEDULED_STATES = frozenset(
    {S.AWARDED.value, S.IN_PROGRESS.value, S.ACCEPTANCE_REVIEW.value}
)

TITLE_MAX = SHORT_MAX = (
    300  # a milestone's title; where a result is applied, its beneficiary
)
REFERENCE_MAX = 100  # payment references, IP numbers, report periods
PRODUCT_MAX = 500
TEXT_MAX = 10_000
REPORT_MAX = 20_000
RESULTS_MAX = 30  # results registered at once
AMOUNT_MAX = 10**13  # VND; far above any city task, below BigInteger's range


def vietnam_today(now: datetime | None = None) -> date:
    """Today's date in Cần Thơ."""
    return (now or utcnow()).astimezone(lifecycle.VIETNAM_TZ).date()


def money(amount: int) -> str:
    """An amount as the pages show it (``1.500.000.000 ₫``), in the current language."""
    return formatting.vnd(amount)


# --- who may see and do what -------------------------------------------------------------------------------


def is_pi(user: User, order: ResearchOrder) -> bool:
    """Whether ``user`` is the order's principal investigator."""
    return user.is_authenticated and order.pi_id is not None and order.pi_id == user.id


@dataclass(frozen=True)
class Permissions:
    """What one viewer may do on the work page of one order."""

    follow: bool
    plan: bool
    confirm: bool
    disburse: bool
    report: bool
    submit: bool
    mid_term: bool
    register: bool
    request_acceptance: bool
    send_back: bool  # a handed-in deliverable, for revision
    add_result: bool  # one more result, once they are registered


def permissions(user: User, order: ResearchOrder) -> Permissions:
    """The viewer's rights on ``order``'s work, from their role and the order's state."""
    staff, pi, state = policy.is_staff(user), is_pi(user, order), order.state
    return Permissions(
        follow=policy.may_follow_work(user, order),
        plan=staff and state in PLANNING_STATES,
        confirm=staff and state in CONFIRMING_STATES,
        disburse=staff and state in PAYING_STATES,
        report=pi and state in WORKING_STATES,
        submit=pi and state in WORKING_STATES,
        mid_term=staff and state == S.IN_PROGRESS.value,
        register=(staff or pi) and state == S.ACCEPTED.value,
        request_acceptance=pi and state == S.IN_PROGRESS.value,
        send_back=policy.may_record_work_step(user, order, Entry.DELIVERABLE_RETURNED),
        add_result=policy.may_record_work_step(user, order, Entry.RESULT_ADDED),
    )


def work_access(user: User, order: ResearchOrder) -> str | None:
    """What the order's page links to: ``"follow"`` (the whole work), ``"results"`` (public results) or None."""
    if order.contract_number and policy.may_follow_work(user, order):
        return "follow"
    return "results" if policy.results_are_public(order) else None


# --- shared checks ---------------------------------------------------------------------------------------------


def get_order(order_id: int) -> ResearchOrder:
    order = db.session.get(ResearchOrder, order_id)
    if order is None:
        raise NotAllowed(_l("This order does not exist."))
    return order


def check_staff(user: User, message) -> None:
    if not policy.is_staff(user):
        raise NotAllowed(message)


def check_pi(user: User, order: ResearchOrder, message) -> None:
    if not is_pi(user, order):
        raise NotAllowed(message)


def check_state(order: ResearchOrder, states: Iterable[str], message: str) -> None:
    if order.state not in states:
        raise Conflict(message)


def clean_text(value: str, field: str, limit: int, required: str | None = None) -> str:
    text = normalise(value)
    if CONTROL_CHARACTERS.search(text):
        raise Conflict(
            _("This text contains invisible control characters: remove them."),
            field=field,
        )
    if required and not text:
        raise Conflict(required, field=field)
    if len(text) > limit:
        raise Conflict(
            _("This text is too long (at most %(n)d characters).", n=limit), field=field
        )
    return text


def past_date(value: date | None, field: str, now: datetime | None) -> date:
    if not isinstance(value, date) or isinstance(value, datetime):
        raise Conflict(_("Enter a date."), field=field)
    if value > vietnam_today(now):
        raise Conflict(_("This date is in the future."), field=field)
    return value


def record_entry(
    order: ResearchOrder,
    user: User,
    entry: Entry,
    subject: str,
    note: str = "",
    now: datetime | None = None,
    **fields: object,
) -> OrderEvent:
    """Add a step of the work that keeps the order's state to its history (flushes): who, when, about
    what (``subject``: a milestone's title, a result's product), the note, and ``fields`` (ids)."""
    event = OrderEvent(
        order_id=order.id, actor_id=user.id, action=entry.value, from_state=order.state,
        to_state=order.state, fields={"subject": subject, **fields}, note=note, created_at=now or utcnow(),
    )  # fmt: skip
    db.session.add(event)
    db.session.flush()
    return event


# --- notifications ---------------------------------------------------------------------------------------------


def kind_for(preferred: str) -> str:
    # Until notifications.MESSAGES has an entry for ``preferred``, the generic stage message is used.
    return preferred if preferred in notifications.MESSAGES else "order_stage_changed"


def officials_concerned(order: ResearchOrder, actor: User) -> list[User]:
    """The order's author and the ordering agency's officials, except ``actor``."""
    stmt = sa.select(User).where(
        User.active.is_(True),
        User.id != actor.id,
        sa.or_(
            User.id == order.created_by_id,
            policy.agency_officials(order.agency_id),
        ),
    )
    return list(db.session.scalars(stmt.order_by(User.id)))


def pi_concerned(order: ResearchOrder, actor: User) -> list[User]:
    pi = db.session.get(User, order.pi_id) if order.pi_id else None
    return [pi] if pi is not None and pi.active and pi.id != actor.id else []


def notify_people(
    people: Sequence[User],
    kind: str,
    order: ResearchOrder,
    actor: User,
    **extra: str | int,
) -> list[Notification]:
    params = {"who": actor.full_name, "title": order.title, **extra}
    return [
        notifications.notify(
            p, kind_for(kind), params, "orders.work.index", order_id=order.id
        )
        for p in people
    ]
