"""The plan's tasks: register and edit them, report on them, complete them with evidence, and list them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _

from matchmaker.extensions import db
from matchmaker.matching.text import normalise
from matchmaker.models import (
    Institution,
    InstitutionKind,
    PlanTask,
    PlanTaskStatus,
    PlanTaskUpdate,
    ResearchOrder,
    User,
)
from matchmaker.services import events, policy, text_filter
from matchmaker.services.errors import Conflict, NotAllowed
from matchmaker.services.pagination import paginate
from matchmaker.services.plan import evidence as citable
from matchmaker.services.plan import standing as standings
from matchmaker.services.plan.standing import PlanFilters, TaskStanding

CODE_MAX, TITLE_MAX, PLAN_MAX, OBJECTIVE_MAX, TEXT_MAX = 40, 500, 80, 300, 5000
SORTS = ("code", "deadline", "agency", "standing")
PER_PAGE = 25


@dataclass(frozen=True)
class TaskInput:
    """What an official writes about a task (its progress is reported separately)."""

    code: str
    title: str
    lead_agency_id: int
    plan: str = ""
    objective: str = ""
    partner_ids: tuple[int, ...] = ()
    deadline: date | None = None


def _text(value: str, limit: int, field: str, required: bool = False) -> str:
    value = " ".join(normalise(value).split())
    if required and not value:
        raise Conflict(_("This field is required."), field=field)
    if len(value) > limit:
        raise Conflict(_("At most %(n)d characters.", n=limit), field=field)
    return value


def _agency(agency_id: int | None, field: str) -> Institution:
    agency = db.session.get(Institution, agency_id) if agency_id else None
    if agency is None:
        raise Conflict(_("Choose the agency from the list."), field=field)
    return agency


def check_input(data: TaskInput, task: PlanTask | None = None) -> dict:
    """The task's columns from ``data`` after checking every rule; raises Conflict naming the field."""
    code = _text(data.code, CODE_MAX, "code", required=True)
    taken = db.session.scalar(
        sa.select(PlanTask.id).where(text_filter.same_code(PlanTask.code, code))
    )
    if taken is not None and (task is None or taken != task.id):
        raise Conflict(
            _("Another task already has the code %(code)s.", code=code), field="code"
        )
    lead = _agency(data.lead_agency_id, "lead_agency_id")
    partners = [_agency(i, "partner_ids") for i in dict.fromkeys(data.partner_ids)]
    return {
        "code": code,
        "title": _text(data.title, TITLE_MAX, "title", required=True),
        "plan": _text(data.plan, PLAN_MAX, "plan"),
        "objective": _text(data.objective, OBJECTIVE_MAX, "objective"),
        "lead_agency": lead,
        "partners": [p for p in partners if p.id != lead.id],
        "deadline": data.deadline,
    }


def _check_editor(user: User) -> None:
    if not policy.may_edit_plan(user):
        raise NotAllowed(_("Only city officials edit the action plan."))


def create_task(user: User, data: TaskInput) -> PlanTask:
    """Register a task of the plan (not started)."""
    _check_editor(user)
    task = PlanTask(status=PlanTaskStatus.NOT_STARTED, evidence="", **check_input(data))
    db.session.add(task)
    events.commit()
    return task


def update_task(user: User, task: PlanTask, data: TaskInput) -> PlanTask:
    """Change what the task is, who leads it and by when; its progress is left as it is."""
    _check_editor(user)
    fields = check_input(data, task)
    for name, value in fields.items():
        setattr(task, name, value)
    events.commit()
    return task


def _check_reporter(user: User, task: PlanTask) -> None:
    if not policy.may_record_plan_update(user, task):
        raise NotAllowed(_("Only the lead agency's officials report on this task."))


def _report_date(on: date | None, today: date | None) -> date:
    if on is None:
        raise Conflict(_("Enter the date."), field="reported_on")
    if on > standings.reference_day(today):
        raise Conflict(_("The date cannot be in the future."), field="reported_on")
    return on


def record_update(
    user: User,
    task: PlanTask,
    on: date | None,
    text: str,
    status_after: PlanTaskStatus,
    today: date | None = None,
) -> PlanTaskUpdate:
    """Add a periodic report and set the task's progress; completing goes through :func:`complete_task`."""
    _check_reporter(user, task)
    if status_after == PlanTaskStatus.COMPLETED:
        raise Conflict(
            _("To complete a task, record its evidence."), field="status_after"
        )
    on = _report_date(on, today)
    text = _text(text, TEXT_MAX, "text", required=True)
    update = PlanTaskUpdate(
        task=task,
        author_id=user.id,
        reported_on=on,
        text=text,
        status_after=status_after,
    )
    if (
        task.status == PlanTaskStatus.COMPLETED
    ):  # reopened: the completion no longer holds
        task.completed_on = None
    task.status = status_after
    db.session.add(update)
    events.commit()
    return update


def complete_task(
    user: User,
    task: PlanTask,
    completed_on: date | None,
    evidence: str,
    evidence_order_id: int | None = None,
    evidence_project_id: int | None = None,
    today: date | None = None,
) -> PlanTask:
    """Mark the task completed on ``completed_on`` with its evidence (a decision, a document...), which
    is required; optionally a research order and a project it cites, any that ``user`` may see."""
    _check_reporter(user, task)
    if completed_on is None:
        raise Conflict(_("Enter the date of completion."), field="completed_on")
    if completed_on > standings.reference_day(today):
        raise Conflict(_("The date cannot be in the future."), field="completed_on")
    evidence = _text(evidence, TEXT_MAX, "evidence", required=True)
    # Any order or project the official may see, not only those linked to the task; nothing else.
    if evidence_order_id and citable.visible_order(user, evidence_order_id) is None:
        raise Conflict(
            _(
                "This research order cannot be cited: choose one you may see from the list."
            ),
            field="evidence_order_id",
        )
    if (
        evidence_project_id
        and citable.visible_project(user, evidence_project_id) is None
    ):
        raise Conflict(
            _("This project cannot be cited: choose one you may see from the list."),
            field="evidence_project_id",
        )
    task.status, task.completed_on, task.evidence = (
        PlanTaskStatus.COMPLETED,
        completed_on,
        evidence,
    )
    task.evidence_order_id = evidence_order_id or None
    task.evidence_project_id = evidence_project_id or None
    db.session.add(
        PlanTaskUpdate(
            task=task, author_id=user.id, reported_on=completed_on, text=evidence,
            status_after=PlanTaskStatus.COMPLETED,
        )
    )  # fmt: skip
    events.commit()
    return task


def _sort(key: str, descending: bool, today: date | None) -> list:
    column = {
        "code": PlanTask.code,
        "deadline": PlanTask.deadline,
        "agency": Institution.name_vi,
        "standing": standings.standing_rank(today),
    }[key]
    ordered = column.desc() if descending else column.asc()
    nulls_last = PlanTask.deadline.is_(None) if key == "deadline" else sa.literal(0)
    return [nulls_last, ordered, PlanTask.deadline, PlanTask.code]


def list_tasks(
    filters: PlanFilters,
    sort: str = "code",
    descending: bool = False,
    page: object = 1,
    today: date | None = None,
):
    """A page of the tasks matching ``filters`` (``sort``: code, deadline, agency or standing)."""
    stmt = sa.select(PlanTask).join(
        Institution, Institution.id == PlanTask.lead_agency_id
    )
    stmt = standings.filtered(stmt, filters, today)
    key = sort if sort in SORTS else "code"
    return paginate(stmt.order_by(*_sort(key, descending, today)), page, PER_PAGE)


def standing_of(task: PlanTask, today: date | None = None) -> TaskStanding:
    """The standing of one task (from the same SQL as the lists)."""
    return standings.standings_of([task.id], today)[task.id]


def is_completed_on_time(task: PlanTask) -> bool:
    """Whether a completed task was completed on time."""
    return bool(
        db.session.scalar(
            sa.select(standings.is_completed_on_time()).where(PlanTask.id == task.id)
        )
    )


def linked_orders(task: PlanTask) -> list[ResearchOrder]:
    """The research orders that name ``task`` as the task they serve, newest first."""
    return list(
        db.session.scalars(
            sa.select(ResearchOrder)
            .where(ResearchOrder.plan_task_id == task.id)
            .order_by(ResearchOrder.id.desc())
        )
    )


def plan_names() -> list[str]:
    """The plans the tasks belong to, for a filter."""
    return list(
        db.session.scalars(
            sa.select(PlanTask.plan)
            .where(PlanTask.plan != "")
            .distinct()
            .order_by(PlanTask.plan)
        )
    )


def objectives(plan: str = "") -> list[str]:
    """The objectives or groups of the tasks (of one plan when given), for a filter."""
    stmt = sa.select(PlanTask.objective).where(PlanTask.objective != "")
    if plan:
        stmt = stmt.where(PlanTask.plan == plan)
    return list(db.session.scalars(stmt.distinct().order_by(PlanTask.objective)))


def agencies() -> list[Institution]:
    """Agencies that may lead or cooperate on a task: city agencies first, then the others."""
    return list(
        db.session.scalars(
            sa.select(Institution).order_by(
                Institution.kind != InstitutionKind.AGENCY, Institution.name_vi
            )
        )
    )


def lead_agencies() -> list[Institution]:
    """Agencies that lead at least one task, for a filter."""
    return list(
        db.session.scalars(
            sa.select(Institution)
            .where(Institution.id.in_(sa.select(PlanTask.lead_agency_id)))
            .order_by(Institution.name_vi)
        )
    )


def task_choices() -> list[PlanTask]:
    """Every task, by code, for the order form's select."""
    return list(db.session.scalars(sa.select(PlanTask).order_by(PlanTask.code)))
