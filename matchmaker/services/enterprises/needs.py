"""Technology needs: creating, editing and listing them (who may read them is the policy's rule)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import contains_eager

from matchmaker.extensions import db
from matchmaker.matching.text import normalise
from matchmaker.models import (
    Confidentiality,
    Enterprise,
    NeedStatus,
    Role,
    TechNeed,
    User,
)
from matchmaker.services import events, policy, reference, text_filter
from matchmaker.services.enterprises import companies as enterprises
from matchmaker.services.errors import NotAllowed, ServiceError
from matchmaker.services.pagination import paginate

TITLE_MAX = 300
TEXT_MAX = 5000
BUDGET_MAX = (
    10**15
)  # a million billion đồng: far above any real need, well inside BIGINT


@dataclass(frozen=True)
class NeedInput:
    """What a representative types on the need form."""

    title: str
    description: str
    desired_outcome: str = ""
    targets: str = ""
    trl: int | None = None
    field_code: str | None = None
    priority_area: str | None = None
    budget_min: int | None = None
    budget_max: int | None = None
    deadline: date | None = None
    cofund: bool = False
    confidentiality: Confidentiality = Confidentiality.PUBLIC
    status: NeedStatus | None = (
        None  # None keeps the current status (open for a new need)
    )


@dataclass(frozen=True)
class NeedFilters:
    """The filters of the public list of needs."""

    field_code: str = ""
    priority_area: str = ""
    status: NeedStatus | None = None
    query: str = ""
    enterprise_id: int | None = None


def _visible_to(stmt: sa.Select, user: User | None) -> sa.Select:
    return stmt.where(policy.visible_needs(user))


def _text_clause(query: str, user: User | None) -> sa.ColumnElement[bool]:
    in_title = text_filter.contains(query, TechNeed.title)
    in_text = text_filter.contains(
        query, TechNeed.description, TechNeed.desired_outcome
    )
    if user is None or not user.is_authenticated:
        # A visitor must not learn hidden text by searching for it: only public needs match on it.
        in_text = sa.and_(TechNeed.confidentiality == Confidentiality.PUBLIC, in_text)
    return sa.or_(in_title, in_text)


NEED_SORTS = {
    "newest": (TechNeed.created_at.desc(), TechNeed.id.desc()),
    "title": (TechNeed.title, TechNeed.id),
}


def list_needs(
    user: User | None,
    filters: NeedFilters,
    page: int,
    per_page: int = 20,
    sort: str = "newest",
):
    """The needs ``user`` may see, newest first (or by ``sort``, a key of ``NEED_SORTS``), filtered and paginated."""
    stmt = (
        sa.select(TechNeed)
        .join(TechNeed.enterprise)
        .options(contains_eager(TechNeed.enterprise))
    )
    stmt = _visible_to(stmt, user).order_by(*NEED_SORTS.get(sort, NEED_SORTS["newest"]))
    if filters.field_code:
        stmt = stmt.where(TechNeed.field_code == filters.field_code)
    if filters.priority_area:
        stmt = stmt.where(TechNeed.priority_area == filters.priority_area)
    if filters.status is not None:
        stmt = stmt.where(TechNeed.status == filters.status)
    if filters.enterprise_id is not None:
        stmt = stmt.where(TechNeed.enterprise_id == filters.enterprise_id)
    if query := text_filter.query_text(filters.query):
        stmt = stmt.where(_text_clause(query, user))
    return paginate(stmt, page, per_page)


def _bounded(text: str, limit: int, field: str, required: bool = False) -> str:
    value = normalise(text)
    if required and not value:
        raise ServiceError(_("This field is required."), field=field)
    if len(value) > limit:
        raise ServiceError(_("At most %(n)d characters.", n=limit), field=field)
    return value


def _check_budget(low: int | None, high: int | None) -> None:
    for name, value in (("budget_min", low), ("budget_max", high)):
        if value is not None and not 0 <= value <= BUDGET_MAX:
            raise ServiceError(_("Enter an amount in đồng, 0 or more."), field=name)
    if low is not None and high is not None and low > high:
        raise ServiceError(
            _("The maximum budget must not be lower than the minimum."),
            field="budget_max",
        )


def _clean(data: NeedInput, today: date | None) -> dict:
    if data.trl is not None and not 1 <= data.trl <= 9:
        raise ServiceError(_("Choose a readiness level from 1 to 9."), field="trl")
    if data.field_code and data.field_code not in {
        code for code, _label, _group in reference.subfield_choices()
    }:
        raise ServiceError(_("Choose a field from the list."), field="field_code")
    if data.priority_area and data.priority_area not in reference.priority_areas():
        raise ServiceError(
            _("Choose a priority area from the list."), field="priority_area"
        )
    _check_budget(data.budget_min, data.budget_max)
    if today is not None and data.deadline is not None and data.deadline < today:
        raise ServiceError(_("The deadline cannot be in the past."), field="deadline")
    return {
        "title": _bounded(data.title, TITLE_MAX, "title", required=True),
        "description": _bounded(
            data.description, TEXT_MAX, "description", required=True
        ),
        "desired_outcome": _bounded(data.desired_outcome, TEXT_MAX, "desired_outcome"),
        "targets": _bounded(data.targets, TEXT_MAX, "targets"),
        "trl": data.trl,
        "field_code": data.field_code or None,
        "priority_area": data.priority_area or None,
        "budget_min": data.budget_min,
        "budget_max": data.budget_max,
        "deadline": data.deadline,
        "cofund": data.cofund,
        "confidentiality": data.confidentiality,
    }


def create_need(user: User, data: NeedInput, today: date | None = None) -> TechNeed:
    """Post a need for the representative's enterprise; the deadline may not be in the past."""
    enterprise = db.session.get(Enterprise, user.enterprise_id or 0)
    if enterprise is None or user.role != Role.ENTERPRISE:
        raise NotAllowed(_("Create your enterprise's profile before posting a need."))
    values = _clean(data, today or date.today())
    need = TechNeed(
        enterprise=enterprise,
        created_by_id=user.id,
        status=data.status or NeedStatus.OPEN,
        **values,
    )
    db.session.add(need)
    db.session.flush()
    events.changed("need", need.id)
    events.commit()
    return need


def update_need(user: User, need: TechNeed, data: NeedInput) -> None:
    """Change a need and its status (the enterprise's representatives or an administrator)."""
    enterprises.ensure_can_manage(user, need.enterprise)
    for key, value in _clean(data, today=None).items():
        setattr(need, key, value)
    if data.status is not None:
        need.status = data.status
    events.changed("need", need.id)
    events.commit()
