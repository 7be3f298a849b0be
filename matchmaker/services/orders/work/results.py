"""The mid-term check, and the registration of an accepted task's results with its lifecycle step."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from matchmaker.extensions import db
from matchmaker.lifecycle import Action, Entry
from matchmaker.models import (
    IPKind,
    IPStatus,
    OrderEvent,
    ResearchOrder,
    ResultRecord,
    User,
)
from matchmaker.services import events, locking, policy, text_filter
from matchmaker.services.errors import Conflict, NotAllowed
from matchmaker.services.orders import lifecycle as orders
from matchmaker.services.orders.work.common import (
    PRODUCT_MAX,
    REFERENCE_MAX,
    RESULTS_MAX,
    SHORT_MAX,
    TEXT_MAX,
    clean_text,
    get_order,
    notify_people,
    officials_concerned,
    pi_concerned,
    record_entry,
)
from matchmaker.services.pagination import paginate


def record_mid_term_check(
    user: User, order_id: int, result: str, now: datetime | None = None
) -> OrderEvent:
    """Record the mid-term check (orders.record_mid_term_check) and tell the principal investigator."""
    order = get_order(order_id)
    notify_people(pi_concerned(order, user), "mid_term_recorded", order, user)
    try:
        entry = orders.add_mid_term_check(
            order.id, user, clean_text(result, "result", TEXT_MAX), now
        )
    except Exception:
        db.session.rollback()  # nothing of a refused step is kept, its notices included
        raise
    events.commit()
    return entry


@dataclass(frozen=True)
class ResultInput:
    """One result of an accepted task: the product, its IP filing if any, where it is applied."""

    product: str
    description: str = ""
    ip_kind: IPKind | None = None
    ip_number: str = ""
    ip_status: IPStatus | None = None
    applied_at: str = ""
    beneficiary: str = ""
    transferred_to: str = ""


def _result_record(data: ResultInput, order: ResearchOrder, user: User) -> ResultRecord:
    product = clean_text(data.product, "results", PRODUCT_MAX, _("Name every product."))
    number = clean_text(data.ip_number, "results", REFERENCE_MAX)
    if data.ip_kind is not None and not isinstance(data.ip_kind, IPKind):
        raise Conflict(_("Choose the kind of IP from the list."), field="results")
    if (data.ip_kind is None) != (not number):
        raise Conflict(
            _("Give both the kind of IP and its application or grant number."),
            field="results",
        )
    return ResultRecord(
        order_id=order.id, product=product, description=clean_text(data.description, "results", TEXT_MAX),
        ip_kind=data.ip_kind, ip_number=number,
        ip_status=(data.ip_status or IPStatus.FILED) if data.ip_kind else None,
        applied_at=clean_text(data.applied_at, "results", SHORT_MAX),
        beneficiary=clean_text(data.beneficiary, "results", SHORT_MAX), recorded_by_id=user.id,
        transferred_to=clean_text(data.transferred_to, "results", SHORT_MAX),
    )  # fmt: skip


def register_results(
    user: User,
    order_id: int,
    results: Sequence[ResultInput],
    registration_number: str,
    expected_version: int,
    now: datetime | None = None,
) -> list[ResultRecord]:
    """Register an accepted task's results and move it to "results registered", in one transaction.

    If the lifecycle refuses the step (wrong state, role, or someone changed the order), nothing is written.
    """
    order = get_order(order_id)
    if policy.lifecycle_role(user, order) is None:
        raise NotAllowed(
            _l("Only officials and the principal investigator register results.")
        )
    if not results:
        raise Conflict(_("Register at least one result."), field="results")
    if len(results) > RESULTS_MAX:
        raise Conflict(
            _("At most %(n)d results at once.", n=RESULTS_MAX), field="results"
        )
    number = clean_text(registration_number, "registration_number", REFERENCE_MAX)
    records = [_result_record(item, order, user) for item in results]
    db.session.add_all(records)
    people = officials_concerned(order, user) + pi_concerned(order, user)
    notify_people(people, "results_registered", order, user)
    try:
        orders.record_step(
            order.id, user, Action.REGISTER_RESULTS, {"registration_number": number},
            expected_version, now=now, notify=False,
        )  # fmt: skip
    except Exception:
        db.session.rollback()  # the result rows and notices go with the refused step
        raise
    events.commit()
    return records


def add_result(
    user: User, order_id: int, data: ResultInput, now: datetime | None = None
) -> ResultRecord:
    """Register one more result of a task whose results are registered or in application (a patent granted,
    a new place it is applied): checked as at registration, recorded in the history with who and when,
    public like the others; the officials concerned and the principal investigator hear of it."""
    order = get_order(order_id)
    if policy.lifecycle_role(user, order) is None:
        raise NotAllowed(
            _l("Only officials and the principal investigator register results.")
        )
    # A step closing the order at the same moment waits, or is seen here.
    locking.lock_object(order)
    if not policy.may_record_work_step(user, order, Entry.RESULT_ADDED):
        raise Conflict(
            _(
                "A result is added once the results are registered, until the task is closed."
            )
        )
    record = _result_record(data, order, user)
    if now is not None:
        record.created_at = now
    db.session.add(record)
    db.session.flush()
    record_entry(
        order, user, Entry.RESULT_ADDED, record.product, "", now, result_id=record.id
    )
    people = officials_concerned(order, user) + pi_concerned(order, user)
    notify_people(people, "result_added", order, user, product=record.product)
    # As the registration step: the order's public record changed.
    events.changed("order", order.id)
    events.commit()
    return record


def list_results(order: ResearchOrder) -> list[ResultRecord]:
    """The order's registered results, in the order they were recorded."""
    stmt = sa.select(ResultRecord).where(ResultRecord.order_id == order.id)
    return list(db.session.scalars(stmt.order_by(ResultRecord.id)))


def public_results_statement(query: str = "", viewer: User | None = None) -> sa.Select:
    """Results of the published orders whose results are public (``policy.results_are_public``; for staff,
    every order's), newest first, their order loaded; ``query``: words of the product, its description or
    where it is applied."""
    stmt = (
        sa.select(ResultRecord)
        .join(ResearchOrder, ResearchOrder.id == ResultRecord.order_id)
        .where(policy.visible_results(viewer))
        .options(selectinload(ResultRecord.order))
        .order_by(ResultRecord.created_at.desc(), ResultRecord.id.desc())
    )
    if words := text_filter.query_text(query):
        stmt = stmt.where(
            text_filter.contains(
                words,
                ResultRecord.product,
                ResultRecord.description,
                ResultRecord.applied_at,
            )
        )
    return stmt


def list_public_results(
    page: int, query: str = "", per_page: int = 20, viewer: User | None = None
):
    """One page of :func:`public_results_statement`."""
    return paginate(public_results_statement(query, viewer), page, per_page)


def get_public_result(
    result_id: int, viewer: User | None = None
) -> ResultRecord | None:
    """The result ``result_id`` if it is public (or ``viewer`` is staff), its order loaded; else None."""
    return db.session.scalar(
        public_results_statement(viewer=viewer).where(ResultRecord.id == result_id)
    )
