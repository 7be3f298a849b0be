"""The contract's money: tranches from the award's payment schedule, disbursements (giải ngân), totals."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from matchmaker import lifecycle
from matchmaker.extensions import db
from matchmaker.lifecycle import Action
from matchmaker.matching.text import normalise
from matchmaker.models import Disbursement, OrderEvent, ResearchOrder, Tranche, User
from matchmaker.services import events, locking, policy
from matchmaker.services.errors import Conflict
from matchmaker.services.orders.work.common import (
    AMOUNT_MAX,
    PAYING_STATES,
    REFERENCE_MAX,
    TEXT_MAX,
    check_staff,
    check_state,
    clean_text,
    get_order,
    money,
    notify_people,
    past_date,
    pi_concerned,
)


@dataclass(frozen=True)
class Contract:
    """What the award recorded: number, value, dates and payment schedule."""

    number: str
    value: int | None
    start_date: date | None
    end_date: date | None
    schedule: tuple[lifecycle.Tranche, ...]


def as_date(value: object) -> date | None:
    """An ISO date written in an award step's fields, or None if it is not one."""
    try:
        return date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def contract(order: ResearchOrder) -> Contract | None:
    """The contract recorded by the order's award step, or None before the award."""
    return contracts([order.id]).get(order.id)


def contracts(order_ids: Collection[int]) -> dict[int, Contract]:
    """The contract recorded by each order's last award step, for many orders in one query."""
    if not order_ids:
        return {}
    last_award = (
        sa.select(sa.func.max(OrderEvent.id))
        .where(
            OrderEvent.order_id.in_(order_ids),
            OrderEvent.action == Action.AWARD.value,
        )
        .group_by(OrderEvent.order_id)
    )
    awards = db.session.execute(
        sa.select(OrderEvent.order_id, OrderEvent.fields).where(
            OrderEvent.id.in_(last_award)
        )
    )  # columns, not events: the schedule of every running order is read at once (the dashboard)
    return {order_id: contract_of(fields) for order_id, fields in awards}


def contract_of(fields: dict | None) -> Contract:
    """The contract an award step's fields record."""
    fields = fields or {}
    schedule = tuple(
        lifecycle.Tranche(
            amount=item["amount"],
            due_date=as_date(item.get("due_date")),
            label=str(item.get("label") or ""),
        )
        for item in fields.get("payment_schedule") or []
        if isinstance(item, dict) and isinstance(item.get("amount"), int)
    )
    value = fields.get("contract_value")
    return Contract(
        number=str(fields.get("contract_number") or ""),
        value=value if isinstance(value, int) else None,
        start_date=as_date(fields.get("start_date")),
        end_date=as_date(fields.get("end_date")),
        schedule=schedule,
    )


def _tranches(order_id: int) -> list[Tranche]:
    stmt = (
        sa.select(Tranche).where(Tranche.order_id == order_id).order_by(Tranche.number)
    )
    return list(db.session.scalars(stmt))


def ensure_tranches(order: ResearchOrder) -> list[Tranche]:
    """The order's tranches, created from the award's payment schedule the first time (idempotent)."""
    existing = _tranches(order.id)
    terms = None if existing else contract(order)
    if terms is None or not terms.schedule:
        return existing
    for number, planned in enumerate(terms.schedule, start=1):
        db.session.add(
            Tranche(
                order_id=order.id, number=number, label=normalise(planned.label)[:200],
                planned_amount=planned.amount, due_date=planned.due_date,
            )
        )  # fmt: skip
    try:
        events.commit()
    except IntegrityError:  # another request created them first
        db.session.rollback()
    return _tranches(order.id)


def _disbursed_by_tranche(order_id: int) -> dict[int, int]:
    rows = db.session.execute(
        sa.select(Disbursement.tranche_id, sa.func.sum(Disbursement.amount))
        .join(Tranche)
        .where(Tranche.order_id == order_id)
        .group_by(Disbursement.tranche_id)
    )
    return {tranche_id: int(total or 0) for tranche_id, total in rows}


def disbursed_total() -> sa.ScalarSelect:
    """What has been disbursed to an order so far (VND), as a column of a query over ``ResearchOrder``.

    The one definition of "disbursed" for lists, sorting and sums over many orders.
    """
    return (
        sa.select(sa.func.coalesce(sa.func.sum(Disbursement.amount), 0))
        .join(Tranche, Tranche.id == Disbursement.tranche_id)
        .where(Tranche.order_id == ResearchOrder.id)
        .correlate(ResearchOrder)
        .scalar_subquery()
    )


@dataclass(frozen=True)
class TrancheLine:
    """A tranche with what has been paid against it."""

    tranche: Tranche
    disbursed: int

    @property
    def remaining(self) -> int:
        return self.tranche.planned_amount - self.disbursed


@dataclass(frozen=True)
class Totals:
    """The money of one order, in VND."""

    contract_value: int
    planned: int
    disbursed: int

    @property
    def remaining(self) -> int:
        return self.contract_value - self.disbursed


def tranche_lines(order: ResearchOrder) -> list[TrancheLine]:
    """Every tranche of the order with the amount disbursed against it."""
    paid = _disbursed_by_tranche(order.id)
    return [TrancheLine(t, paid.get(t.id, 0)) for t in ensure_tranches(order)]


def totals(order: ResearchOrder) -> Totals:
    """Contract value, planned tranches, disbursed so far (remaining = value - disbursed)."""
    lines = tranche_lines(order)
    planned = sum(line.tranche.planned_amount for line in lines)
    return Totals(
        contract_value=order.contract_value or planned,
        planned=planned,
        disbursed=sum(line.disbursed for line in lines),
    )


@dataclass(frozen=True)
class DisbursementInput:
    """A payment an official records against one tranche."""

    tranche_id: int
    amount: int
    disbursed_on: date | None
    reference: str
    note: str = ""


def _check_within_plan(
    order: ResearchOrder, tranches: list[Tranche], data: DisbursementInput
) -> Tranche:
    """The tranche paid against, if the payment keeps it and the contract within their amounts."""
    tranche = next((t for t in tranches if t.id == data.tranche_id), None)
    if tranche is None:
        raise Conflict(_("Choose a tranche of this order."), field="tranche")
    paid = _disbursed_by_tranche(order.id)
    after = paid.get(tranche.id, 0) + data.amount
    if after > tranche.planned_amount:
        raise Conflict(
            _(
                "This would bring tranche %(n)d to %(after)s, above its planned %(planned)s.",
                n=tranche.number, after=money(after), planned=money(tranche.planned_amount),
            ),
            field="amount",
        )  # fmt: skip
    total = sum(paid.values()) + data.amount
    if order.contract_value is not None and total > order.contract_value:
        raise Conflict(
            _(
                "This would bring the disbursements to %(total)s, above the contract value %(value)s.",
                total=money(total), value=money(order.contract_value),
            ),
            field="amount",
        )  # fmt: skip
    return tranche


def record_disbursement(
    user: User, order_id: int, data: DisbursementInput, now: datetime | None = None
) -> Disbursement:
    """Record money paid against a tranche; never more than the tranche, nor than the contract value."""
    check_staff(user, _l("Only city officials record disbursements."))
    order = get_order(order_id)
    # Two officials paying at once take turns (PostgreSQL and SQLite): the checks below read what is committed.
    locking.lock_object(order)
    check_state(
        order, PAYING_STATES, _("Disbursements are recorded once the order is awarded.")
    )
    if isinstance(data.amount, bool) or not isinstance(data.amount, int):
        raise Conflict(_("The amount is a whole number of đồng."), field="amount")
    if not 0 < data.amount <= AMOUNT_MAX:
        raise Conflict(_("The amount must be a positive sum."), field="amount")
    day = past_date(data.disbursed_on, "disbursed_on", now)
    reference = clean_text(
        data.reference, "reference", REFERENCE_MAX, _("Enter the payment's reference.")
    )
    note = clean_text(data.note, "note", TEXT_MAX)
    try:
        tranche = _check_within_plan(order, _tranches(order.id), data)
    except Conflict:
        db.session.rollback()  # release the lock
        raise
    entry = Disbursement(
        tranche_id=tranche.id, amount=data.amount, disbursed_on=day, reference=reference, note=note,
        recorded_by_id=user.id,
    )  # fmt: skip
    db.session.add(entry)
    # The amount only to people who may see the order's budget figures.
    people = pi_concerned(order, user)
    sized = [p for p in people if policy.may_see_budget(p, order)]
    notify_people(sized, "disbursement_recorded", order, user, amount=data.amount)
    notify_people(
        [p for p in people if p not in sized], "disbursement_recorded_unsized", order, user
    )  # fmt: skip
    events.commit()
    return entry
