"""Research projects: done or under way, with what came of them."""

from __future__ import annotations

from pydantic import Field

from matchmaker.models import Project as ProjectRow
from matchmaker.models import User
from matchmaker.services import policy
from matchmaker.services.serialise.common import (
    InstitutionRef,
    Record,
    Timestamp,
    institution_ref,
)


class Project(Record):
    """A research project. Team members count once they confirmed; the order is named once it is public."""

    id: int
    title: str
    summary: str
    status: str = Field(
        description="in_progress, completed, in_application or terminated."
    )
    principal_investigator: str
    team: list[str]
    institution: InstitutionRef | None
    field_code: str | None
    priority_area: str | None
    start_year: int | None
    end_year: int | None
    budget: int | None = Field(description="In đồng.")
    products: str
    ip: str
    applied_at: str
    order_id: int | None
    updated_at: Timestamp


def project(row: ProjectRow, viewer: User | None = None) -> Project:
    """``row`` as ``viewer`` may read it: a PI still asked to confirm is not named by account."""
    order_visible = row.order is not None and policy.may_view_order(viewer, row.order)
    team = [m.user.full_name for m in row.confirmed_members] + list(row.team or ())
    return Project(
        id=row.id, title=row.title, summary=row.summary or "", status=row.status.value,
        principal_investigator=row.pi_display or "", team=team, institution=institution_ref(row.institution),
        field_code=row.field_code, priority_area=row.priority_area, start_year=row.start_year,
        end_year=row.end_year, budget=row.budget, products=row.products or "", ip=row.ip or "",
        applied_at=row.applied_at or "", order_id=row.order_id if order_visible else None,
        updated_at=row.updated_at,
    )  # fmt: skip
