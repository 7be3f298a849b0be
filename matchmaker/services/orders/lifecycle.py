"""City research orders: drafting and moving through the lifecycle with an append-only history."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import asdict, dataclass, is_dataclass
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from matchmaker import lifecycle
from matchmaker.extensions import db
from matchmaker.lifecycle import Action, OrderState, TransitionRefused
from matchmaker.matching.text import normalise
from matchmaker.models import (
    Institution,
    InstitutionKind,
    NeedStatus,
    OrderEvent,
    Project,
    Proposal,
    ProposalMember,
    ProposalStatus,
    ResearchOrder,
    TechNeed,
    User,
    utcnow,
)
from matchmaker.services import events, policy, text_filter
from matchmaker.services.errors import Conflict, NotAllowed
from matchmaker.services.messaging import notifications
from matchmaker.services.orders import attachments
from matchmaker.services.pagination import paginate
from matchmaker.services.projects import registry as projects

# Recorded transition fields that are also kept on the order itself, for lists and filters.
_ORDER_COLUMNS = (
    "selection_method", "application_deadline", "decision_number", "decision_date", "contract_number",
    "contract_value", "assignee_organisation",
)  # fmt: skip

REFUSALS = {
    "wrong_state": _l(
        "This step is not possible while the order is in its current state."
    ),
    "not_allowed_role": _l("Your role does not allow this step."),
    "missing_field": _l("Fill in every required field: %(field)s."),
    "invalid_field": _l("A field is not valid: %(field)s."),
    "deadline_not_passed": _l("The application deadline has not passed yet."),
    "steps_missing": _l("Some required steps are not on record: %(steps)s."),
}


@dataclass(frozen=True)
class OrderInput:
    """What an official writes in a draft order."""

    title: str
    agency_id: int
    beneficiary: str = ""
    necessity: str = ""
    objectives: str = ""
    main_content: str = ""
    expected_products: str = ""
    trl: int | None = None
    field_code: str | None = None
    priority_area: str | None = None
    duration_months: int | None = None
    state_budget: int | None = None
    cofunding: int | None = None
    need_id: int | None = None
    internal_parts: tuple[str, ...] = ()


def _checked_fields(data: OrderInput) -> dict:
    """The draft's columns, normalised, after checking the agency, the linked need and the internal parts."""
    agency = db.session.get(Institution, data.agency_id)
    if agency is None or agency.kind != InstitutionKind.AGENCY:
        raise Conflict(
            _("Choose the ordering agency from the list."), field="agency_id"
        )
    if data.need_id is not None and db.session.get(TechNeed, data.need_id) is None:
        raise Conflict(_("Choose the enterprise need from the list."), field="need_id")
    if unknown := set(data.internal_parts) - set(policy.ORDER_PARTS):
        raise Conflict(
            _("Unknown parts: %(parts)s.", parts=", ".join(sorted(unknown))),
            field="internal_parts",
        )
    fields = {
        k: normalise(v) if isinstance(v, str) else v for k, v in asdict(data).items()
    }
    fields["internal_parts"] = [
        p for p in policy.ORDER_PARTS if p in data.internal_parts
    ]
    return fields


def _attach(
    order: ResearchOrder, user: User, uploads: Sequence = (), public: bool = False
) -> None:
    """Keep the uploaded PDFs with ``order`` before the commit; one bad file refuses them all."""
    try:
        for upload in uploads:
            if getattr(upload, "filename", ""):
                attachments.store_pdf(upload, order=order, uploader=user, public=public)
    except Conflict:
        db.session.rollback()
        raise


def create_order(
    user: User, data: OrderInput, uploads: Sequence = (), public_files: bool = False
) -> ResearchOrder:
    """Start a draft order for a city agency; its creation is the first line of its history.

    ``uploads`` are PDF files kept with the order (``public_files``: published with it); a file that is not
    a PDF or is too large refuses the whole draft.
    """
    if not policy.is_staff(user):
        raise NotAllowed(_l("Only city officials place research orders."))
    fields = _checked_fields(data)
    order = ResearchOrder(created_by_id=user.id, state=OrderState.DRAFT.value, **fields)
    db.session.add(order)
    db.session.flush()
    db.session.add(
        OrderEvent(
            order_id=order.id, actor_id=user.id, action="create", to_state=order.state
        )
    )
    _attach(order, user, uploads, public_files)
    events.changed("order", order.id)
    events.commit()
    return order


def history(order: ResearchOrder) -> list[OrderEvent]:
    """Every recorded step of ``order``, oldest first."""
    return list(
        db.session.scalars(
            sa.select(OrderEvent)
            .where(OrderEvent.order_id == order.id)
            .order_by(OrderEvent.id)
        )
    )


def _as_utc(moment: datetime | None) -> datetime | None:
    """An aware UTC datetime; SQLite hands back stored UTC values without their offset."""
    if moment is None:
        return None
    return (
        moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    )


def _column_value(value: Any) -> Any:
    """A recorded field as the order's column keeps it: enum values, datetimes in UTC."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC)
    return value


def _jsonable(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, date | datetime):
        return value.isoformat()
    if is_dataclass(value):
        return _jsonable(asdict(value))
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def refusal_message(error: TransitionRefused) -> str:
    """The refusal in the user's language."""
    params = {
        k: ", ".join(map(str, v)) if isinstance(v, list | tuple) else v
        for k, v in error.params.items()
    }
    try:
        return str(REFUSALS[error.code]) % params
    except (KeyError, TypeError, ValueError):
        return str(REFUSALS.get(error.code, _l("This step is not possible.")))


def apply_action(
    order_id: int,
    user: User,
    action: Action,
    data: dict,
    expected_version: int,
    now: datetime | None = None,
    notify: bool = True,
    attachment=None,
) -> OrderEvent:
    """Move an order one step, if the lifecycle allows it and nobody changed the order meanwhile.

    Raises Conflict (HTTP 409 for an API) with the state left exactly as it was. ``now`` is when the step
    happens (the clock by default); ``notify=False`` records it without telling anyone (loading history).
    ``attachment`` (an uploaded PDF) is kept with the step, or the whole step is refused.
    """
    entry = record_step(
        order_id, user, action, data, expected_version, now, notify, attachment
    )
    events.commit()
    return entry


def record_step(
    order_id: int,
    user: User,
    action: Action,
    data: dict,
    expected_version: int,
    now: datetime | None = None,
    notify: bool = True,
    attachment=None,
) -> OrderEvent:
    """:func:`apply_action` without its commit, for use cases that move the order as one of their changes.

    Flushes only; a refused step rolls the whole session back and raises Conflict.
    """
    now = now or utcnow()
    order = db.session.get(ResearchOrder, order_id)
    if order is None:
        raise NotAllowed(_l("This order does not exist."))
    steps = [event.action for event in history(order)]
    if action == Action.CLOSE_APPLICATIONS:
        # The deadline that counts is the one published, not one typed now.
        data = {**data, "selection_method": order.selection_method,
                "application_deadline": _as_utc(order.application_deadline)}  # fmt: skip
    try:
        planned = lifecycle.plan(
            order.state,
            action,
            policy.lifecycle_role(user, order),
            data,
            now or utcnow(),
            history=steps,
        )
    except TransitionRefused as refused:
        raise Conflict(refusal_message(refused)) from refused
    recorded = {
        k: _column_value(v) for k, v in planned.fields.items() if k in _ORDER_COLUMNS
    }
    # Compare-and-set: only one of two officials acting on the same version wins.
    result = db.session.execute(
        sa.update(ResearchOrder)
        .where(
            ResearchOrder.id == order.id,
            ResearchOrder.version == expected_version,
            ResearchOrder.state == planned.from_state.value,
        )
        .values(
            state=planned.to_state.value,
            version=ResearchOrder.version + 1,
            updated_at=utcnow(),
            **recorded,
        )
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        db.session.rollback()
        raise Conflict(
            _(
                "Someone else changed this order in the meantime. Reload it and try again."
            )
        )
    note = str(planned.fields.get("reason") or planned.fields.get("note") or "")
    entry = OrderEvent(
        order_id=order.id, actor_id=user.id, action=planned.action.value, from_state=planned.from_state.value,
        to_state=planned.to_state.value, fields=_jsonable(dict(planned.fields)), note=note, created_at=now,
    )  # fmt: skip
    db.session.add(entry)
    if attachment is not None:
        db.session.flush()
        try:
            attachments.store_pdf(attachment, order=order, uploader=user, event=entry)
        except Conflict:
            db.session.rollback()
            raise
    for person in _people_concerned(order, user) if notify else []:
        notifications.notify(
            person,
            "order_stage_changed",
            {"who": user.full_name, "title": order.title},
            "orders.detail",
            order_id=order.id,
        )
    if planned.to_state == OrderState.ACCEPTED:
        _project_of(order)
    events.changed("order", order.id)
    return entry


def _project_of(order: ResearchOrder) -> Project:
    """An accepted order joins the catalogue of projects in the same transaction as its acceptance:
    if the project cannot be recorded, the order is not accepted either (flushes only)."""
    db.session.refresh(order)  # the columns the compare-and-set above has just written
    try:
        return projects.from_order(order)
    except sa.exc.IntegrityError as error:
        db.session.rollback()
        raise Conflict(
            _(
                "The order could not be accepted because its project could not be "
                "recorded. Nothing was changed; check the dates of its steps and try again."
            )
        ) from error


def _people_concerned(order: ResearchOrder, actor: User) -> list[User]:
    """Who hears of a stage change: the order's author and the ordering agency's officials; before the
    award, every applicant whose proposal is still in the running; from the award on, the awarded team
    (principal investigator and members) only, never the applicants who were declined or withdrew."""
    if order.pi_id is None:
        applicants = sa.select(Proposal.pi_id).where(
            Proposal.order_id == order.id, Proposal.status == ProposalStatus.SUBMITTED
        )
    else:
        awarded = sa.select(Proposal.id).where(
            Proposal.order_id == order.id, Proposal.status == ProposalStatus.AWARDED
        )
        applicants = sa.select(ProposalMember.user_id).where(
            ProposalMember.proposal_id.in_(awarded)
        )
    stmt = sa.select(User).where(
        User.active.is_(True),
        User.id != actor.id,
        sa.or_(
            User.id == order.created_by_id,
            User.id == order.pi_id,
            User.id.in_(applicants),
            policy.agency_officials(order.agency_id),
        ),
    )
    return list(db.session.scalars(stmt.order_by(User.id)))


def record_mid_term_check(
    order_id: int, user: User, result: str, now: datetime | None = None
) -> OrderEvent:
    """Record the mid-term check (kiểm tra giữa kỳ) of a task in progress; the state does not change."""
    entry = add_mid_term_check(order_id, user, result, now)
    events.commit()
    return entry


def add_mid_term_check(
    order_id: int, user: User, result: str, now: datetime | None = None
) -> OrderEvent:
    """:func:`record_mid_term_check` without its commit (flushes only)."""
    order = db.session.get(ResearchOrder, order_id)
    if order is None or not policy.is_staff(user):
        raise NotAllowed(_l("Only city officials record the mid-term check."))
    if order.state != OrderState.IN_PROGRESS.value:
        raise Conflict(
            _("The mid-term check is recorded while the task is in progress.")
        )
    if not normalise(result):
        raise Conflict(_("Write the result of the mid-term check."), field="result")
    entry = OrderEvent(
        order_id=order.id, actor_id=user.id, action=lifecycle.Step.MID_TERM_CHECK.value,
        from_state=order.state, to_state=order.state, note=normalise(result), created_at=now or utcnow(),
    )  # fmt: skip
    db.session.add(entry)
    db.session.flush()
    return entry


# The orders of a list in the order asked for: by deadline (open calls first, as the web list), newest, title.
ORDER_SORTS = {
    "deadline": (
        ResearchOrder.application_deadline.is_(None),
        ResearchOrder.application_deadline,
        ResearchOrder.id.desc(),
    ),
    "newest": (ResearchOrder.created_at.desc(), ResearchOrder.id.desc()),
    "title": (ResearchOrder.title, ResearchOrder.id),
}


def list_orders(
    user: User,
    page: int,
    state: str = "",
    query: str = "",
    per_page: int = 20,
    field_code: str = "",
    sort: str = "deadline",
):
    """Orders ``user`` may see, by deadline (open calls first) unless ``sort`` names another order
    (``ORDER_SORTS``); filtered by state, research field (a code or its prefix) and words of the title."""
    stmt = sa.select(ResearchOrder)
    if not policy.is_staff(user):
        stmt = stmt.where(ResearchOrder.state.in_(policy.PUBLIC_STATES))
    if state in {s.value for s in OrderState}:
        stmt = stmt.where(ResearchOrder.state == state)
    if field_code:
        stmt = stmt.where(ResearchOrder.field_code.like(f"{field_code[:8]}%"))
    if query := text_filter.query_text(query):
        stmt = stmt.where(text_filter.contains(query, ResearchOrder.title))
    stmt = stmt.order_by(*ORDER_SORTS.get(sort, ORDER_SORTS["deadline"]))
    return paginate(stmt, page, per_page)


def update_draft(
    user: User,
    order: ResearchOrder,
    data: OrderInput,
    uploads: Sequence = (),
    public_files: bool = False,
) -> ResearchOrder:
    """Change a draft; once submitted, an order changes only through lifecycle steps."""
    if not policy.is_staff(user):
        raise NotAllowed(_l("Only city officials edit research orders."))
    if order.state != OrderState.DRAFT.value:
        raise Conflict(_("Only a draft can be edited."))
    for name, value in _checked_fields(data).items():
        setattr(order, name, value)
    order.version += 1
    db.session.add(
        OrderEvent(
            order_id=order.id,
            actor_id=user.id,
            action="edit",
            from_state=order.state,
            to_state=order.state,
        )
    )
    _attach(order, user, uploads, public_files)
    events.changed("order", order.id)
    events.commit()
    return order


def linkable_needs(user: User, current_id: int | None = None) -> list[TechNeed]:
    """Enterprise needs an official may link to a draft: the open ones, and the one already linked."""
    if not policy.is_staff(user):
        return []
    stmt = (
        sa.select(TechNeed)
        .where(sa.or_(TechNeed.status == NeedStatus.OPEN, TechNeed.id == current_id))
        .order_by(TechNeed.title)
    )
    return list(db.session.scalars(stmt))


def linked_need(user: User, order: ResearchOrder) -> TechNeed | None:
    """The enterprise need the order answers, when ``user`` may know that need exists."""
    need = db.session.get(TechNeed, order.need_id) if order.need_id else None
    if need is None or not policy.may_view_need(user, need):
        return None
    return need
