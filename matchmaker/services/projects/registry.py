"""Research projects: registering and editing them, projects from accepted orders, lists and similar projects."""

# Naming a principal investigator (PI) by their account's e-mail links the project to that researcher.
# The link is made at once when the registrant may vouch for it: city officials and administrators
# (staff, whose registrations are the city's own records), the researcher themselves, or a colleague
# of the same institution. A researcher of another institution is only asked: the link waits in
# pending_pi_id, shown as "awaiting confirmation", until they confirm it (it moves to pi_id) or decline
# it. Everything that counts a project as someone's work reads pi_id only (and, for its team, the confirmed
# links of members.py).

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from matchmaker.extensions import db
from matchmaker.matching import Candidate, Document, QueryFilter, TfidfMatcher
from matchmaker.matching.text import normalise
from matchmaker.models import (
    Institution,
    OrderEvent,
    Project,
    ProjectMember,
    ProjectStatus,
    ResearcherProfile,
    ResearchOrder,
    Role,
    User,
    utcnow,
)
from matchmaker.services import (
    events,
    locking,
    policy,
    reference,
    stored_text,  # noqa: F401 - its mapper events keep the filter's text
    text_filter,
)
from matchmaker.services.errors import NotAllowed, ServiceError
from matchmaker.services.matching import matches as matching
from matchmaker.services.messaging import notifications
from matchmaker.services.pagination import paginate
from matchmaker.services.projects import members

TITLE_MAX = 500
TEXT_MAX = 10_000
NAME_MAX = 200
TEAM_MAX = 50
BUDGET_MAX = 10**15
FIRST_YEAR = 1975  # the city's oldest records of S&T tasks
SIMILAR_CACHE = "matchmaker.similar_projects"


@dataclass(frozen=True)
class ProjectInput:
    """What someone registering a project writes."""

    title: str
    summary: str = ""
    pi_name: str = ""
    pi_email: str = ""  # links the project to the PI's researcher account
    team: tuple[str, ...] = ()  # names of people without an account
    member_ids: tuple[
        int, ...
    ] = ()  # team members with an account (researchers' user ids)
    institution_id: int | None = None
    field_code: str | None = None
    priority_area: str | None = None
    start_year: int | None = None
    end_year: int | None = None
    status: ProjectStatus = ProjectStatus.COMPLETED
    budget: int | None = None
    products: str = ""
    ip: str = ""
    applied_at: str = ""


@dataclass(frozen=True)
class ProjectFilters:
    """The filters of the list of projects."""

    status: ProjectStatus | None = None
    institution_id: int | None = None
    priority_area: str = ""
    field_group: str = ""
    query: str = ""


@dataclass(frozen=True)
class SimilarProject:
    """A project like another one, with the words they share."""

    project: Project
    score: float
    shared: tuple[str, ...] = field(default_factory=tuple)


def is_asked_to_confirm(user: User, project: Project) -> bool:
    """Whether ``user`` is the researcher named as PI who has yet to confirm or decline."""
    return (
        user.is_authenticated
        and project.pending_pi_id is not None
        and project.pending_pi_id == user.id
    )


def institutions_for(user: User) -> list[Institution]:
    """The institutions ``user`` may register projects for."""
    stmt = sa.select(Institution).where(policy.choosable_institutions(user, "project"))
    return list(db.session.scalars(stmt.order_by(Institution.name_vi)))


def _text(value: str, limit: int, name: str, required: bool = False) -> str:
    text = normalise(value)
    if required and not text:
        raise ServiceError(_("This field is required."), field=name)
    if len(text) > limit:
        raise ServiceError(_("At most %(n)d characters.", n=limit), field=name)
    return text


def _check_years(start: int | None, end: int | None) -> None:
    last = date.today().year + 10
    for name, year in (("start_year", start), ("end_year", end)):
        if year is not None and not FIRST_YEAR <= year <= last:
            raise ServiceError(
                _(
                    "Enter a year from %(first)d to %(last)d.",
                    first=FIRST_YEAR,
                    last=last,
                ),
                field=name,
            )
    if start is not None and end is not None and end < start:
        raise ServiceError(
            _("The end year must not be before the start year."), field="end_year"
        )


def _check_codes(data: ProjectInput) -> None:
    fields = reference.science_fields()
    if data.field_code and (
        data.field_code not in fields or fields[data.field_code].parent is None
    ):
        raise ServiceError(_("Choose a field from the list."), field="field_code")
    if data.priority_area and data.priority_area not in reference.priority_areas():
        raise ServiceError(
            _("Choose a priority area from the list."), field="priority_area"
        )
    if data.budget is not None and not 0 <= data.budget <= BUDGET_MAX:
        raise ServiceError(_("Enter an amount in đồng, 0 or more."), field="budget")


def _pi(data: ProjectInput) -> User | None:
    email = normalise(data.pi_email).lower()
    if not email:
        return None
    user = db.session.scalar(sa.select(User).where(User.email == email))
    if user is None or user.role != Role.RESEARCHER or not user.active:
        raise ServiceError(
            _("No active researcher account has this e-mail address."),
            field="pi_email",
        )
    return user


def _institution(
    user: User, institution_id: int | None, project: Project | None
) -> int | None:
    """Staff choose any institution; a researcher keeps the project's (or uses their own)."""
    allowed = project.institution_id if project is not None else user.institution_id
    if not policy.is_staff(user) and institution_id != allowed:
        raise ServiceError(
            _("You can register projects of your own institution only."),
            field="institution_id",
        )
    if (
        institution_id is not None
        and db.session.get(Institution, institution_id) is None
    ):
        raise ServiceError(
            _("Choose an institution from the list."), field="institution_id"
        )
    return institution_id


def check_input(data: ProjectInput) -> dict:
    """Check a project's values (not its institution); return them cleaned, or raise ServiceError."""
    _check_years(data.start_year, data.end_year)
    _check_codes(data)
    team = [normalise(name) for name in data.team if normalise(name)]
    if len(team) > TEAM_MAX or any(len(name) > NAME_MAX for name in team):
        raise ServiceError(
            _("At most %(n)d team members, one short name a line.", n=TEAM_MAX),
            field="team",
        )
    pi = _pi(data)
    pi_name = _text(data.pi_name, NAME_MAX, "pi_name") or (pi.full_name if pi else "")
    if not pi_name:
        raise ServiceError(_("Name the principal investigator."), field="pi_name")
    return {
        "title": _text(data.title, TITLE_MAX, "title", required=True),
        "summary": _text(data.summary, TEXT_MAX, "summary"),
        "pi_id": pi.id if pi else None, "pi_name": pi_name, "team": list(dict.fromkeys(team)),
        "field_code": data.field_code or None, "priority_area": data.priority_area or None,
        "start_year": data.start_year, "end_year": data.end_year, "status": data.status,
        "budget": data.budget, "products": _text(data.products, TEXT_MAX, "products"),
        "ip": _text(data.ip, TEXT_MAX, "ip"), "applied_at": _text(data.applied_at, TEXT_MAX, "applied_at"),
    }  # fmt: skip


def _link_pi(user: User, project: Project, named_id: int | None) -> None:
    """Link the named PI, or ask them to confirm (flushed; the request is mailed after the commit)."""
    named = db.session.get(User, named_id) if named_id is not None else None
    if (
        named is None
        or named.id == project.pi_id
        or policy.may_link_pi_directly(user, named)
    ):
        project.pi_id, project.pending_pi_id = (named.id if named else None), None
        return
    asked_before = project.pending_pi_id == named.id
    project.pi_id, project.pending_pi_id = None, named.id
    db.session.flush()
    if asked_before:
        return
    notifications.notify(
        named,
        "project_pi_requested",
        {"who": user.full_name, "title": project.title},
        "projects.detail",
        project_id=project.id,
    )


def new_project(user: User, data: ProjectInput) -> Project:
    """Add a checked project to the session (flushed, not committed: the caller's use case commits)."""
    if not policy.may_register_project(user):
        raise NotAllowed(_("Your account cannot register projects."))
    values = check_input(data)
    named_id = values.pop("pi_id")
    values["institution_id"] = _institution(user, data.institution_id, None)
    project = Project(created_by_id=user.id, **values)
    db.session.add(project)
    db.session.flush()
    _link_pi(user, project, named_id)
    members.sync_members(user, project, data.member_ids)
    events.changed("project", project.id)
    return project


def create_project(user: User, data: ProjectInput) -> Project:
    """Register a project (a past one, or one not ordered through the platform)."""
    project = new_project(user, data)
    events.commit()
    return project


def update_project(user: User, project: Project, data: ProjectInput) -> Project:
    """Change a project's record."""
    if not policy.may_edit_project(user, project):
        raise NotAllowed(_("You cannot edit this project."))
    locking.lock_object(
        project
    )  # edits of one project wait for each other (its team links)
    values = check_input(data)
    named_id = values.pop("pi_id")
    values["institution_id"] = _institution(user, data.institution_id, project)
    for name, value in values.items():
        setattr(project, name, value)
    _link_pi(user, project, named_id)
    members.sync_members(user, project, data.member_ids)
    events.changed("project", project.id)
    events.commit()
    return project


def _same_name(a: str, b: str) -> bool:
    return normalise(a).casefold() == normalise(b).casefold()


def answer_pi_request(user: User, project_id: int, confirm: bool) -> Project:
    """The named researcher confirms (the project becomes theirs) or declines being its PI."""
    if not user.is_authenticated:
        raise NotAllowed(_("There is nothing for you to confirm on this project."))
    answer = {"pi_id": user.id} if confirm else {}
    # Compare-and-set: only the request still waiting for this user is answered, and only once.
    result = db.session.execute(
        sa.update(Project)
        .where(Project.id == project_id, Project.pending_pi_id == user.id)
        .values(pending_pi_id=None, updated_at=utcnow(), **answer)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        db.session.rollback()
        raise NotAllowed(_("There is nothing for you to confirm on this project."))
    project = db.session.get(Project, project_id)
    db.session.refresh(project)
    if not confirm and _same_name(project.pi_name, user.full_name):
        project.pi_name = ""  # they said it is not theirs: do not keep their name on it
    registrant = project.created_by
    if registrant is not None and registrant.active and registrant.id != user.id:
        kind = "project_pi_confirmed" if confirm else "project_pi_declined"
        notifications.notify(
            registrant, kind, {"who": user.full_name, "title": project.title},
            "projects.detail", project_id=project.id,
        )  # fmt: skip
    events.changed("project", project.id)
    events.commit()
    return project


def _year_of(order: ResearchOrder, action: str) -> int | None:
    when = db.session.scalar(
        sa.select(OrderEvent.created_at)
        .where(OrderEvent.order_id == order.id, OrderEvent.action == action)
        .order_by(OrderEvent.id.desc())
        .limit(1)
    )
    return when.year if when else None


def from_order(order: ResearchOrder) -> Project:
    """The project of an accepted order, created once (later calls return it); only public parts are copied.

    Flushed, not committed: the acceptance of the order commits it, so that an accepted order always
    has its project (indexed after that commit). The PI awarded by the city is linked.
    """
    existing = db.session.scalar(sa.select(Project).where(Project.order_id == order.id))
    if existing is not None:
        return existing
    # The one rule of what is public (the policy's), as for the order's page and the search index.
    public = policy.public_order_text(order)
    budget_is_public = "budget" in policy.public_order_parts(order)
    pi = order.pi
    budget = order.contract_value or (order.state_budget or 0) + (order.cofunding or 0)
    project = Project(
        title=order.title, summary=public.get("objectives", ""), pi_id=pi.id if pi else None,
        pi_name=pi.full_name if pi else (order.assignee_organisation or ""), team=[],
        institution_id=pi.institution_id if pi else None, field_code=order.field_code,
        priority_area=order.priority_area, start_year=_year_of(order, "start_work") or order.created_at.year,
        end_year=_year_of(order, "accept") or date.today().year, status=ProjectStatus.COMPLETED,
        budget=(budget or None) if budget_is_public else None, products=public.get("expected_products", ""),
        applied_at=public.get("beneficiary", ""), order_id=order.id,
    )  # fmt: skip
    db.session.add(project)
    db.session.flush()
    events.changed("project", project.id)
    return project


def get_project(project_id: int) -> Project | None:
    """A project with its people, institution and order loaded."""
    return db.session.scalar(
        sa.select(Project)
        .where(Project.id == project_id)
        .options(
            selectinload(Project.pi),
            selectinload(Project.pending_pi),
            selectinload(Project.institution),
            selectinload(Project.order),
            selectinload(Project.members).selectinload(ProjectMember.user),
        )
    )


PROJECT_SORTS = {
    "recent": (
        sa.func.coalesce(Project.end_year, Project.start_year).desc().nulls_last(),
        Project.id.desc(),
    ),
    "title": (Project.title, Project.id),
}


def list_projects(
    filters: ProjectFilters, page: int, per_page: int = 20, sort: str = "recent"
):
    """Projects, the most recent first (or by ``sort``, a key of ``PROJECT_SORTS``), filtered and paginated."""
    stmt = sa.select(Project).options(
        selectinload(Project.institution),
        selectinload(Project.pi),
        selectinload(Project.order),
        selectinload(Project.members).selectinload(ProjectMember.user),
    )
    if filters.status is not None:
        stmt = stmt.where(Project.status == filters.status)
    if filters.institution_id:
        stmt = stmt.where(Project.institution_id == filters.institution_id)
    if filters.priority_area:
        stmt = stmt.where(Project.priority_area == filters.priority_area)
    if filters.field_group:
        stmt = stmt.where(Project.field_code.like(f"{filters.field_group[:1]}%"))
    if query := text_filter.query_text(filters.query):
        stmt = stmt.where(text_filter.stored_contains(query, Project.search_text))
    stmt = stmt.order_by(*PROJECT_SORTS.get(sort, PROJECT_SORTS["recent"]))
    return paginate(stmt, page, per_page)


def _project_text(project: Project) -> Document:
    topics = [
        reference.field_name(project.field_code) if project.field_code else "",
        reference.priority_area_name(project.priority_area)
        if project.priority_area
        else "",
    ]
    return Document(
        f"project:{project.id}",
        title=project.title,
        keywords="\n".join(topic for topic in topics if topic),
        body="\n".join([project.summary, project.products]),
    )


def _similarity_model() -> TfidfMatcher | None:
    """A matcher over every project, refitted when a project is added or changed."""
    stamp = db.session.execute(
        sa.select(sa.func.count(Project.id), sa.func.max(Project.updated_at))
    ).one()
    cached = current_app.extensions.get(SIMILAR_CACHE)
    if cached is not None and cached[0] == tuple(stamp):
        return cached[1]
    projects = list(db.session.scalars(sa.select(Project)))
    if len(projects) < 2:
        return None
    matcher = TfidfMatcher().fit(
        [Candidate(str(p.id), (_project_text(p),)) for p in projects]
    )
    current_app.extensions[SIMILAR_CACHE] = (tuple(stamp), matcher)
    return matcher


def similar_projects(project: Project, k: int = 5) -> list[SimilarProject]:
    """The projects whose text is closest to ``project``'s."""
    matcher = _similarity_model()
    if matcher is None:
        return []
    matches = matcher.query(
        _project_text(project),
        k=k,
        where=QueryFilter(exclude_ids=frozenset({str(project.id)})),
    )
    found = {
        p.id: p
        for p in db.session.scalars(
            sa.select(Project).where(
                Project.id.in_([int(m.candidate_id) for m in matches])
            )
        )
    }
    return [
        SimilarProject(found[int(m.candidate_id)], m.score, m.top_terms)
        for m in matches
        if int(m.candidate_id) in found and m.score > 0
    ]


def matched_researchers(project: Project, viewer: User, k: int = 6):
    """Researchers whose work fits the project (as ``viewer`` may see them), from the matching service."""
    return matching.matches_for_text(
        _project_text(project), viewer, k=k, institutions=False
    ).researchers


def pi_profile_id(project: Project, viewer: User) -> int | None:
    """The principal investigator's researcher profile, if ``viewer`` may open it."""
    if project.pi is None or not project.pi.active:
        return None
    profile = db.session.scalar(
        sa.select(ResearcherProfile).where(ResearcherProfile.user_id == project.pi_id)
    )
    return (
        profile.id if profile and (profile.public or viewer.is_authenticated) else None
    )
