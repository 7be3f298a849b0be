"""Who may see and do what: every permission rule of the platform, asked by blueprints and services alike.

A leaf: it reads models (and the pure lifecycle), never another service, so a service that only needs to
know "may this person...?" imports nothing else. Functions take ``None`` or Flask-Login's anonymous user for
a visitor who is not signed in.

What each person sees of a research order:

- city officials and administrators (staff) see every part of every order;
- everybody else, the task's principal investigator and team included, sees a published order's public
  parts only: the parts an official did not mark internal. The history of steps (its notes and files) is
  the officials' working record: staff only.

Files follow what they belong to: an order's own file needs the ``attachments`` part and, unless the viewer
is staff, the file's own "public" mark; a history step's file needs the ``history`` part; a proposal's files
follow the proposal, a progress report's file the work on the task.
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa

from matchmaker import lifecycle
from matchmaker.extensions import db
from matchmaker.lifecycle import OrderState
from matchmaker.models import (
    Attachment,
    Confidentiality,
    Council,
    CouncilMember,
    Enterprise,
    Institution,
    InstitutionKind,
    NeedStatus,
    PlanTask,
    ProgressReport,
    Project,
    Proposal,
    ProposalMember,
    ProposalStatus,
    ResearcherProfile,
    ResearchOrder,
    Role,
    TechNeed,
    User,
)

# City officials and administrators: the staff, who see every order and its history.
STAFF_ROLES = (Role.OFFICIAL, Role.ADMIN)

# Once published, an order (its public parts) is visible to everyone; before that only to staff.
PUBLIC_STATES = frozenset(
    s.value
    for s in OrderState
    if s
    not in {
        OrderState.DRAFT,
        OrderState.SUBMITTED,
        OrderState.APPROVED,
        OrderState.REJECTED,
        OrderState.CANCELLED,
    }
)

# Registered results of a published order are public: the city reports what its money produced.
PUBLIC_RESULT_STATES = PUBLIC_STATES & {
    OrderState.RESULTS_REGISTERED.value,
    OrderState.IN_APPLICATION.value,
    OrderState.CLOSED.value,
}

# Parts of an order an official may keep internal; everything else is public once the order is published.
ORDER_PARTS = (
    "necessity",
    "objectives",
    "main_content",
    "expected_products",
    "budget",
    "attachments",
)
# Text parts of an order: the beneficiary is always public, the others may be kept internal.
ORDER_TEXT_PARTS = ("beneficiary", "necessity", "objectives", "main_content", "expected_products")  # fmt: skip
# The history of steps, with its notes and files: besides ``ORDER_PARTS``, the other part a rule speaks of.
HISTORY = "history"

# A need in one of these states takes no more expressions of interest.
CLOSED_NEEDS = (NeedStatus.WITHDRAWN, NeedStatus.FULFILLED)


def _signed_in(user: User | None) -> bool:
    return user is not None and user.is_authenticated


def is_signed_in(user: User | None) -> bool:
    """Pages of one's own account (notifications, lookups): any signed-in person."""
    return _signed_in(user)


def holds_role(user: User | None, roles: Iterable[Role]) -> bool:
    """Pages of a role (a researcher's profile, the plan of officials): signed in with one of ``roles``."""
    return _signed_in(user) and user.role in tuple(roles)


# --- roles ---------------------------------------------------------------------------------------------------


def lifecycle_role(
    user: User | None, order: ResearchOrder | None = None
) -> lifecycle.Role | None:
    """How the lifecycle sees ``user``: administrator, approving official, official, the principal
    investigator of ``order``, or nobody."""
    if not _signed_in(user):
        return None
    if user.role == Role.ADMIN:
        return lifecycle.Role.ADMIN
    if user.role == Role.OFFICIAL:
        return lifecycle.Role.APPROVER if user.can_approve else lifecycle.Role.OFFICIAL
    if order is not None and order.pi_id is not None and order.pi_id == user.id:
        return lifecycle.Role.PI
    return None


def may_take_step(
    user: User | None, order: ResearchOrder, action: lifecycle.Action
) -> bool:
    """Whether the lifecycle lets ``user`` take ``action`` on ``order`` in its current state."""
    role = lifecycle_role(user, order)
    return role is not None and action in lifecycle.allowed_actions(order.state, role)


def is_staff(user: User | None) -> bool:
    """City officials and administrators: they see every order, need and proposal."""
    return _signed_in(user) and user.role in STAFF_ROLES


def is_admin(user: User | None) -> bool:
    """Administrators: they manage accounts, institutions and every enterprise."""
    return _signed_in(user) and user.role == Role.ADMIN


def may_manage_jobs(user: User | None) -> bool:
    """The background jobs page (queued, running, failed jobs, their errors, retrying): administrators."""
    return is_admin(user)


def admins() -> sa.ColumnElement[bool]:
    """The SQL condition on ``User`` selecting administrators."""
    return User.role == Role.ADMIN


def agency_officials(agency_id: int | None) -> sa.ColumnElement[bool]:
    """The SQL condition on ``User`` selecting the officials of the agency ``agency_id``."""
    return sa.and_(User.role == Role.OFFICIAL, User.institution_id == agency_id)


def may_view_dashboard(user: User | None) -> bool:
    """The results dashboard with every figure (money and data health included): officials and administrators.

    Everyone else sees its public version: published orders and their results, never money.
    """
    return is_staff(user)


def may_hold_api_tokens(user: User | None) -> bool:
    """Access tokens to the API (read-only, the internal dataset for reporting): active officials and
    administrators. A token stops working as soon as its holder no longer passes this rule."""
    return is_staff(user) and user.active


def api_audience(user: User | None) -> str:
    """Which view of the records the API gives ``user``: ``internal`` (every state, internal parts, money,
    schedule: what staff see on the website) or ``public``."""
    return "internal" if is_staff(user) else "public"


def may_use_links(user: User) -> bool:
    """True for an account whose mailed links work: active, or invited and not yet cancelled."""
    return user.active or user.invitation_pending


# --- research orders -----------------------------------------------------------------------------------------


def may_view_order(user: User | None, order: ResearchOrder) -> bool:
    """Staff see every order; everyone else sees orders that have been published."""
    return is_staff(user) or order.state in PUBLIC_STATES


def visible_orders(user: User | None) -> sa.ColumnElement[bool]:
    """The SQL condition on ``ResearchOrder`` selecting the orders ``user`` may see (as :func:`may_view_order`)."""
    if is_staff(user):
        return sa.true()
    return ResearchOrder.state.in_(PUBLIC_STATES)


def results_are_public(order: ResearchOrder) -> bool:
    """Registered results of a published order are shown to everyone."""
    return order.state in PUBLIC_RESULT_STATES


def visible_results(user: User | None) -> sa.ColumnElement[bool]:
    """The SQL condition on ``ResearchOrder`` selecting the orders whose registered results ``user`` may
    read: staff every order's, everyone else those of :func:`results_are_public`."""
    if is_staff(user):
        return sa.true()
    return ResearchOrder.state.in_(PUBLIC_RESULT_STATES)


def public_order_parts(order: ResearchOrder) -> frozenset[str]:
    """The parts of ``order`` anyone may read once it is published (whatever its state now)."""
    return frozenset(ORDER_PARTS) - set(order.internal_parts or ())


def public_order_text(order: ResearchOrder) -> dict[str, str]:
    """The order's text parts that are public once it is published, by name, in page order.

    The search index, the matching corpus and projects are built from this (and the title) only, so
    nothing marked internal ever reaches a search result, a match, a score or a "why" line.
    """
    public = public_order_parts(order) | {"beneficiary"}
    return {
        part: getattr(order, part) or ""
        for part in ORDER_TEXT_PARTS
        if part in public and getattr(order, part)
    }


def visible_order_parts(viewer: User | None, order: ResearchOrder) -> frozenset[str]:
    """The parts of ``order`` that ``viewer`` may see: everything (the history too) for staff; for anyone
    else the public parts of a published order, and nothing of an unpublished one."""
    if is_staff(viewer):
        return frozenset({*ORDER_PARTS, HISTORY})
    if order.state not in PUBLIC_STATES:
        return frozenset()
    return public_order_parts(order)


def may_see_order_part(viewer: User | None, order: ResearchOrder, part: str) -> bool:
    """Whether ``viewer`` may see ``part`` (a name in ``ORDER_PARTS``, or ``HISTORY``) of ``order``."""
    return part in visible_order_parts(viewer, order)


def may_see_budget(viewer: User | None, order: ResearchOrder) -> bool:
    """Budget figures (state budget, co-funding, contract value, tranches, disbursements) for ``viewer``."""
    return may_see_order_part(viewer, order, "budget")


def may_download_order_file(
    viewer: User | None, order: ResearchOrder, *, public: bool, history_step: bool
) -> bool:
    """Whether ``viewer`` may download a file of ``order`` itself (``history_step``: kept with a step)."""
    if history_step:
        return may_see_order_part(viewer, order, HISTORY)
    return may_see_order_part(viewer, order, "attachments") and (
        public or is_staff(viewer)
    )


def order_team_ids(order: ResearchOrder) -> set[int]:
    """The principal investigator and the team of the awarded proposal."""
    if order.pi_id is None:
        return set()
    proposal = db.session.scalar(
        sa.select(Proposal)
        .where(
            Proposal.order_id == order.id,
            Proposal.pi_id == order.pi_id,
            # The awarded proposal: neither withdrawn nor declined (awarding declines the others).
            Proposal.status.not_in([ProposalStatus.WITHDRAWN, ProposalStatus.DECLINED]),
        )
        .order_by(Proposal.id.desc())
        .limit(1)
    )
    return {order.pi_id, *(proposal.author_ids if proposal else ())}


def may_follow_work(user: User | None, order: ResearchOrder) -> bool:
    """Staff, the principal investigator and their team follow the whole work of an order."""
    if not _signed_in(user):
        return False
    return is_staff(user) or user.id in order_team_ids(order)


def orders_in_charge(user: User | None) -> sa.ColumnElement[bool]:
    """The SQL condition on ``ResearchOrder`` selecting the orders an official works on day to day (their
    "Việc của tôi"): the orders of their agency and the ones they drafted, every order for an official
    attached to no agency (they work for the city at large), and none for anyone but officials.

    Officials may still see every order (:func:`may_view_order`); this only says which ones wait for them,
    the same people who hear of an order's steps (its author and its agency's officials).
    """
    if not _signed_in(user) or user.role != Role.OFFICIAL:
        return sa.false()
    if user.institution_id is None:
        return sa.true()
    return sa.or_(
        ResearchOrder.agency_id == user.institution_id,
        ResearchOrder.created_by_id == user.id,
    )


def may_record_work_step(
    user: User | None, order: ResearchOrder, entry: lifecycle.Entry
) -> bool:
    """Whether ``user`` may now record ``entry``, a step of the work that keeps the order's state (the
    lifecycle's ``ENTRIES``: officials send a deliverable back while the work goes on; officials and the
    principal investigator add a result once results are registered)."""
    return lifecycle.may_record(order.state, entry, lifecycle_role(user, order))


# --- proposals and their files -------------------------------------------------------------------------------


def council_member_ids(order_id: int) -> set[int]:
    """The users who sit on the council of the order ``order_id``."""
    return set(
        db.session.scalars(
            sa.select(CouncilMember.user_id)
            .join(Council)
            .where(Council.order_id == order_id)
        )
    )


def competing_proposal(user_id: int, proposal: Proposal) -> Proposal | None:
    """``user_id``'s own proposal (as PI or team member) to the same call as ``proposal``, if any:
    a rival applicant may neither read nor score ``proposal``."""
    team = sa.select(ProposalMember.proposal_id).where(
        ProposalMember.user_id == user_id
    )
    return db.session.scalar(
        sa.select(Proposal)
        .where(
            Proposal.order_id == proposal.order_id,
            Proposal.id != proposal.id,
            sa.or_(Proposal.pi_id == user_id, Proposal.id.in_(team)),
        )
        .order_by(Proposal.id)
        .limit(1)
    )


def may_view_proposal(user: User | None, proposal: Proposal) -> bool:
    """Authors (PI and team), staff and the order's council members see a proposal; a council
    member who applied to the same call (a rival applicant) does not."""
    if not _signed_in(user):
        return False
    if is_staff(user) or user.id in proposal.author_ids:
        return True
    return user.id in council_member_ids(proposal.order_id) and (
        competing_proposal(user.id, proposal) is None
    )


def _is_report_file(attachment: Attachment) -> bool:
    return (
        db.session.scalar(
            sa.select(ProgressReport.id).where(
                ProgressReport.attachment_id == attachment.id
            )
        )
        is not None
    )


def may_download_attachment(user: User | None, attachment: Attachment) -> bool:
    """Whether ``user`` may download ``attachment``; each kind of file follows what it belongs to."""
    order = db.session.get(ResearchOrder, attachment.order_id)
    if order is None:
        return False
    if is_staff(user):
        return True
    if attachment.proposal_id is not None:
        proposal = db.session.get(Proposal, attachment.proposal_id)
        return proposal is not None and may_view_proposal(user, proposal)
    if _is_report_file(attachment):
        return may_follow_work(user, order)
    return may_download_order_file(
        user,
        order,
        public=attachment.public,
        history_step=attachment.event_id is not None,
    )


# --- enterprises and their needs -----------------------------------------------------------------------------


def may_manage_enterprise(user: User | None, enterprise: Enterprise) -> bool:
    """True for the enterprise's own representatives and for administrators."""
    if not _signed_in(user):
        return False
    if user.role == Role.ADMIN:
        return True
    return user.role == Role.ENTERPRISE and user.enterprise_id == enterprise.id


def may_read_private_need(user: User | None, need: TechNeed) -> bool:
    """Staff and the enterprise's representatives read private needs."""
    return is_staff(user) or may_manage_enterprise(user, need.enterprise)


def may_view_need(user: User | None, need: TechNeed) -> bool:
    """Whether ``user`` may know the need exists at all (a private need is hidden from others)."""
    return need.confidentiality != Confidentiality.PRIVATE or may_read_private_need(
        user, need
    )


def may_read_need_details(user: User | None, need: TechNeed) -> bool:
    """Whether ``user`` reads the whole need, or only its summary (title, field, area, status, enterprise)."""
    if need.confidentiality == Confidentiality.PUBLIC:
        return True
    if need.confidentiality == Confidentiality.SUMMARY and _signed_in(user):
        return True
    return may_read_private_need(user, need)


def visible_needs(user: User | None) -> sa.ColumnElement[bool]:
    """The SQL condition on ``TechNeed`` selecting the needs ``user`` may know exist (:func:`may_view_need`)."""
    if is_staff(user):
        return sa.true()
    clause = TechNeed.confidentiality != Confidentiality.PRIVATE
    if _signed_in(user) and user.role == Role.ENTERPRISE and user.enterprise_id:
        clause = sa.or_(clause, TechNeed.enterprise_id == user.enterprise_id)
    return clause


def may_express_interest(user: User | None, need: TechNeed) -> bool:
    """A researcher who may read the need, while it is still open to offers."""
    return (
        _signed_in(user)
        and user.role == Role.RESEARCHER
        and may_view_need(user, need)
        and need.status not in CLOSED_NEEDS
    )


def may_answer_interest(user: User | None, need: TechNeed) -> bool:
    """Only the enterprise's own representatives answer expressions of interest."""
    return (
        _signed_in(user)
        and user.role == Role.ENTERPRISE
        and may_manage_enterprise(user, need.enterprise)
    )


def answerable_needs(user: User | None) -> sa.ColumnElement[bool]:
    """The SQL condition on ``TechNeed`` selecting the needs whose interests ``user`` answers
    (:func:`may_answer_interest`): their own enterprise's, for a representative; none for anyone else."""
    if not _signed_in(user) or user.role != Role.ENTERPRISE or not user.enterprise_id:
        return sa.false()
    return TechNeed.enterprise_id == user.enterprise_id


# --- researchers and projects --------------------------------------------------------------------------------


def may_view_profile(viewer: User | None, profile: ResearcherProfile) -> bool:
    """Profiles that opted out of public listing are shown to signed-in users only."""
    return profile.public or _signed_in(viewer)


def may_see_contact(viewer: User | None) -> bool:
    """A researcher's contact address is shown to signed-in users only (never to the open API)."""
    return _signed_in(viewer)


def may_edit_profile(editor: User | None, profile: ResearcherProfile) -> bool:
    """The profile's owner and administrators."""
    return _signed_in(editor) and (profile.is_owned_by(editor) or is_admin(editor))


def may_search_team_members(user: User | None) -> bool:
    """Researchers preparing a proposal look up team members; officials and enterprises name no team."""
    return _signed_in(user) and user.role == Role.RESEARCHER


def joins_teams() -> sa.ColumnElement[bool]:
    """The SQL condition on ``User`` joined to ``ResearcherProfile`` selecting who may be named on a new
    team: active researchers whose profile says they are open to collaboration (new research orders).

    A member already on a proposal stays on it when their profile closes (the proposal was written with them).
    """
    return sa.and_(
        User.active.is_(True),
        User.role == Role.RESEARCHER,
        ResearcherProfile.open_to_orders.is_(True),
    )


def may_view_project(user: User | None, project: Project) -> bool:
    """The register of projects is public: everyone sees every project (its order follows its own rule)."""
    return True


def visible_projects(user: User | None) -> sa.ColumnElement[bool]:
    """The SQL condition on ``Project`` selecting the projects ``user`` may see (as :func:`may_view_project`)."""
    return sa.true()


def may_register_project(user: User | None) -> bool:
    """Staff register any project; researchers those of their institution."""
    if not _signed_in(user):
        return False
    return is_staff(user) or (
        user.role == Role.RESEARCHER and user.institution_id is not None
    )


# The forms that offer a choice of institution (see choosable_institutions).
INSTITUTION_PURPOSES = ("profile", "account", "project", "order")


def choosable_institutions(user: User | None, purpose: str) -> sa.ColumnElement[bool]:
    """The SQL condition on ``Institution`` selecting what ``user`` may choose in the form of ``purpose``:
    a researcher's profile (any institution), an administrator's account form (any), a project (staff: any;
    a researcher: their own), a research order (staff: the city agencies). Nothing for anyone else."""
    if not may_choose_institutions(user, purpose):
        return sa.false()
    if purpose == "project" and not is_staff(user):
        return Institution.id == user.institution_id
    if purpose == "order":
        return Institution.kind == InstitutionKind.AGENCY
    return sa.true()


def may_choose_institutions(user: User | None, purpose: str) -> bool:
    """Whether ``user`` fills a form of ``purpose`` that offers a choice of institution."""
    if not _signed_in(user):
        return False
    return {
        "profile": user.role == Role.RESEARCHER,
        "account": is_admin(user),
        "project": may_register_project(user),
        "order": is_staff(user),
    }.get(purpose, False)


def may_edit_project(user: User | None, project: Project) -> bool:
    """Staff, whoever registered the project and its (confirmed) principal investigator."""
    if not _signed_in(user):
        return False
    return is_staff(user) or user.id in (project.created_by_id, project.pi_id)


def may_link_pi_directly(user: User, named: User) -> bool:
    """Whether ``user`` may name ``named`` as a project's PI without their confirmation.

    Staff are trusted (they register the city's own records); a researcher may name themselves or a
    researcher of their own institution. Anyone else named must confirm.
    """
    return (
        is_staff(user)
        or named.id == user.id
        or (
            user.institution_id is not None
            and named.institution_id == user.institution_id
        )
    )


def may_be_named_team_member(named: User | None) -> bool:
    """Only active researchers are linked as a project's team members (anyone else is a name in the team)."""
    return named is not None and named.active and named.role == Role.RESEARCHER


def may_link_member_directly(user: User, named: User) -> bool:
    """Whether ``user`` may link ``named`` to a project's team without their confirmation.

    Only a researcher naming themselves. Unlike a PI, whom the city's records or the institution vouch
    for, a team list is rarely checked by anyone: each member says themselves that the work is theirs.
    """
    return _signed_in(user) and named.id == user.id


# --- the action plan register (Resolution 57) ----------------------------------------------------------------
# The register is the city's internal working record for now: officials and administrators see all of it,
# researchers, enterprises and visitors none (the public results are a separate, later page).


def may_view_plan(user: User | None) -> bool:
    """Officials and administrators see every task of the action plan; nobody else sees any."""
    return is_staff(user)


def may_edit_plan(user: User | None) -> bool:
    """Officials and administrators create, edit and import the plan's tasks."""
    return is_staff(user)


def may_record_plan_update(user: User | None, task: PlanTask) -> bool:
    """Administrators, and the officials of the task's lead agency, report on it and complete it."""
    if not _signed_in(user):
        return False
    if user.role == Role.ADMIN:
        return True
    return user.role == Role.OFFICIAL and user.institution_id == task.lead_agency_id
