"""Enterprises' technology needs: the summary for everyone, the details as their confidentiality allows."""

from __future__ import annotations

from datetime import date

from pydantic import Field

from matchmaker.models import TechNeed, User
from matchmaker.services import policy
from matchmaker.services.serialise.common import Record, Timestamp


class EnterpriseRef(Record):
    """The enterprise that posted a need."""

    id: int
    slug: str
    name: str


class Need(Record):
    """A technology need. With ``details`` false, only the summary is given and the rest is ``null``."""

    id: int
    title: str
    enterprise: EnterpriseRef
    field_code: str | None
    priority_area: str | None
    status: str = Field(description="open, in_discussion, fulfilled or withdrawn.")
    confidentiality: str = Field(
        description="public (all of it) or summary (title, field, status)."
    )
    details: bool
    description: str | None
    desired_outcome: str | None
    targets: str | None
    trl: int | None
    budget_min: int | None
    budget_max: int | None
    deadline: date | None
    cofund: bool | None
    created_at: Timestamp


def need(row: TechNeed, viewer: User | None = None) -> Need:
    """``row`` as ``viewer`` may read it; raises ``LookupError`` for a need hidden from ``viewer``."""
    if not policy.may_view_need(viewer, row):
        raise LookupError(row.id)
    details = policy.may_read_need_details(viewer, row)

    def shown(value):
        return value if details else None

    firm = row.enterprise
    return Need(
        id=row.id, title=row.title, enterprise=EnterpriseRef(id=firm.id, slug=firm.slug, name=firm.name),
        field_code=row.field_code, priority_area=row.priority_area, status=row.status.value,
        confidentiality=row.confidentiality.value, details=details, description=shown(row.description or ""),
        desired_outcome=shown(row.desired_outcome or ""), targets=shown(row.targets or ""), trl=shown(row.trl),
        budget_min=shown(row.budget_min), budget_max=shown(row.budget_max), deadline=shown(row.deadline),
        cofund=shown(row.cofund), created_at=row.created_at,
    )  # fmt: skip
