"""The records a completed task may cite as evidence: any research order or project its official may see.

The completion form's picker looks them up by a few typed characters of the title (case and accents
ignored, the same on SQLite and PostgreSQL); a record is named in the form by a key, ``order-12`` or
``project-5``. What the form sends is checked again here, against the same policy, before anything is written.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _

from matchmaker.extensions import db
from matchmaker.models import PlanTask, Project, ResearchOrder, User
from matchmaker.services import policy, text_filter
from matchmaker.services.errors import Conflict

MIN_CHARS = 3  # a shorter query finds nothing
LIMIT = 8  # at most this many orders, and as many projects, per look-up
MAX_ID = 2_147_483_647  # ids beyond PostgreSQL's integer are no record
ORDER, PROJECT = "order", "project"


@dataclass(frozen=True)
class EvidenceRecord:
    """An order or a project as the picker shows it: its key (what the form sends), title and kind."""

    key: str
    kind: str
    id: int
    name: str
    detail: str


@dataclass(frozen=True)
class Lookup:
    """What a look-up found: the records, whether more matched, whether the query was too short."""

    records: list[EvidenceRecord]
    more: bool = False
    too_short: bool = False


def key_of(kind: str, record_id: int) -> str:
    return f"{kind}-{record_id}"


def parse_key(key: str) -> tuple[str, int] | None:
    """``(kind, id)`` of a key such as ``order-12``; None for anything else."""
    kind, _sep, number = (key or "").partition("-")
    if kind not in (ORDER, PROJECT) or not number.isdigit() or len(number) > 10:
        return None
    record_id = int(number)
    return (kind, record_id) if 0 < record_id <= MAX_ID else None


def _order(order: ResearchOrder) -> EvidenceRecord:
    return EvidenceRecord(
        key_of(ORDER, order.id), ORDER, order.id, order.title, _("Research order")
    )


def _project(project: Project) -> EvidenceRecord:
    years = "–".join(str(y) for y in (project.start_year, project.end_year) if y)
    detail = _("Project") + (f" · {years}" if years else "")
    return EvidenceRecord(
        key_of(PROJECT, project.id), PROJECT, project.id, project.title, detail
    )


def is_long_enough(query: str | None) -> bool:
    return len(text_filter.query_text(query).replace(" ", "")) >= MIN_CHARS


def find(user: User, query: str | None, limit: int = LIMIT) -> Lookup:
    """Orders and projects ``user`` may see whose title contains ``query`` (case and accents ignored):
    at most ``limit`` of each, orders first, by title; nothing for a query shorter than ``MIN_CHARS``."""
    if not is_long_enough(query):
        return Lookup([], too_short=True)
    text = text_filter.query_text(query)
    orders = list(
        db.session.scalars(
            sa.select(ResearchOrder)
            .where(
                policy.visible_orders(user),
                text_filter.contains(text, ResearchOrder.title),
            )
            .order_by(text_filter.folded(ResearchOrder.title), ResearchOrder.id)
            .limit(limit + 1)
        )
    )
    projects = list(
        db.session.scalars(
            sa.select(Project)
            .where(
                policy.visible_projects(user),
                text_filter.contains(text, Project.title),
            )
            .order_by(text_filter.folded(Project.title), Project.id)
            .limit(limit + 1)
        )
    )
    records = [_order(o) for o in orders[:limit]] + [
        _project(p) for p in projects[:limit]
    ]
    return Lookup(records, more=len(orders) > limit or len(projects) > limit)


def visible_order(user: User, order_id: int | None) -> ResearchOrder | None:
    """The order ``order_id`` when ``user`` may see it, else None."""
    order = db.session.get(ResearchOrder, order_id) if order_id else None
    return order if order is not None and policy.may_view_order(user, order) else None


def visible_project(user: User, project_id: int | None) -> Project | None:
    """The project ``project_id`` when ``user`` may see it, else None."""
    project = db.session.get(Project, project_id) if project_id else None
    if project is not None and policy.may_view_project(user, project):
        return project
    return None


def records(user: User, keys: Iterable[str]) -> list[EvidenceRecord]:
    """The records named by ``keys`` that ``user`` may see (the others are left out), in that order."""
    found = []
    for parsed in dict.fromkeys(filter(None, map(parse_key, keys))):
        kind, record_id = parsed
        if kind == ORDER and (order := visible_order(user, record_id)):
            found.append(_order(order))
        elif kind == PROJECT and (project := visible_project(user, record_id)):
            found.append(_project(project))
    return found


def suggestions(task: PlanTask) -> list[EvidenceRecord]:
    """What the form offers before any search: the orders that serve ``task`` and their projects."""
    orders = db.session.scalars(
        sa.select(ResearchOrder)
        .where(ResearchOrder.plan_task_id == task.id)
        .order_by(ResearchOrder.id.desc())
    )
    projects = db.session.scalars(
        sa.select(Project)
        .join(ResearchOrder, ResearchOrder.id == Project.order_id)
        .where(ResearchOrder.plan_task_id == task.id)
        .order_by(Project.id.desc())
    )
    return [_order(o) for o in orders] + [_project(p) for p in projects]


def chosen_ids(keys: Iterable[str]) -> tuple[int | None, int | None]:
    """``(order id, project id)`` named by the form's ``keys``; Conflict when they name more than one of
    either kind or something that is no record's key."""
    chosen: dict[str, list[int]] = {ORDER: [], PROJECT: []}
    for key in dict.fromkeys(keys):
        parsed = parse_key(key)
        if parsed is None:
            raise Conflict(
                _("Choose the research order or project from the list."),
                field="evidence_records",
            )
        chosen[parsed[0]].append(parsed[1])
    if len(chosen[ORDER]) > 1 or len(chosen[PROJECT]) > 1:
        raise Conflict(
            _("Cite at most one research order and one project."),
            field="evidence_records",
        )
    return (chosen[ORDER] or [None])[0], (chosen[PROJECT] or [None])[0]
