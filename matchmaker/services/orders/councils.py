"""Selection councils: forming them, conflicts of interest, scoring proposals and ranking them.

Conflicts are computed, not stored (except the ones members declare), so they follow the current
team and publications. There is no override: a conflicted member simply cannot score the proposal,
and their earlier marks, if a conflict appears later, are left out of the ranking.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from matchmaker.extensions import db
from matchmaker.lifecycle import OrderState
from matchmaker.matching.text import fold, normalise
from matchmaker.models import (
    ConflictDeclaration,
    Council,
    CouncilMember,
    LeadReviewer,
    Proposal,
    ProposalMember,
    ProposalScore,
    ProposalStatus,
    Publication,
    ResearcherProfile,
    ResearchOrder,
    Role,
    User,
    utcnow,
)
from matchmaker.services import events, locking, policy
from matchmaker.services.errors import Conflict, NotAllowed
from matchmaker.services.messaging import notifications
from matchmaker.services.orders.proposals import REVIEW_STATES, as_utc

# The marking grid: every criterion gets an integer from 0 to MAX_MARK.
CRITERIA: tuple[str, ...] = (
    "necessity",
    "approach",
    "team_capacity",
    "feasibility",
    "budget",
)
MAX_MARK = 10
COUNCIL_MAX = 15
REASON_MAX = 1_000
COUNCIL_ROLES = (Role.RESEARCHER, *policy.STAFF_ROLES)
# A council can be formed from publication of the call until the review ends.
FORMING_STATES = (OrderState.PUBLISHED.value, *REVIEW_STATES)

_NAME_SEPARATORS = re.compile(r"[;,]|\s+and\s+|\s*&\s*", re.IGNORECASE)
_NON_WORD = re.compile(r"[^\w]+")


class ConflictReason(enum.Enum):
    """Why a council member may not score a proposal."""

    SAME_INSTITUTION = "same_institution"
    CO_AUTHOR = "co_author"
    TEAM_MEMBER = "team_member"
    COMPETING_APPLICANT = "competing_applicant"
    DECLARED = "declared"


# What a view shows for each reason; the conflict's ``detail`` says which institution, paper or statement.
CONFLICT_REASON_LABELS = {
    ConflictReason.SAME_INSTITUTION: _l("Same institution as the applicant"),
    ConflictReason.CO_AUTHOR: _l("Co-author of the applicant"),
    ConflictReason.TEAM_MEMBER: _l("Member of the applicant's team"),
    ConflictReason.COMPETING_APPLICANT: _l(
        "Applicant with a competing proposal in the same call"
    ),
    ConflictReason.DECLARED: _l("Declared by the member"),
}


@dataclass(frozen=True)
class ConflictOfInterest:
    """One reason that keeps ``user_id`` (council member ``member_id``) from scoring a proposal."""

    member_id: int
    user_id: int
    proposal_id: int
    reason: ConflictReason
    detail: str


@dataclass(frozen=True)
class RankedProposal:
    """A proposal's place: the mean total over the non-conflicted members who scored it."""

    proposal: Proposal
    mean_total: float | None
    scored_by: int


def _council_of(order: ResearchOrder) -> Council | None:
    return db.session.scalar(sa.select(Council).where(Council.order_id == order.id))


def _membership(user: User, order: ResearchOrder) -> CouncilMember | None:
    return db.session.scalar(
        sa.select(CouncilMember)
        .join(Council)
        .where(Council.order_id == order.id, CouncilMember.user_id == user.id)
    )


def form_council(
    official: User, order: ResearchOrder, chair_id: int, member_ids: Sequence[int]
) -> Council:
    """Form the order's council from registered researchers and officials, and invite them."""
    if not policy.is_staff(official):
        raise NotAllowed(_l("Only city officials form a council."))
    # Two officials forming the council at once take turns: the second finds the first's council.
    locking.lock_object(order)
    if order.state not in FORMING_STATES:
        raise Conflict(_("A council is formed once the call is published."))
    if _council_of(order) is not None:
        raise Conflict(_("This order already has a council."))
    ids = list(dict.fromkeys([chair_id, *member_ids]))
    if len(ids) > COUNCIL_MAX:
        raise Conflict(
            _("A council has at most %(n)d members.", n=COUNCIL_MAX),
            field="member_ids",
        )
    users = {
        u.id: u for u in db.session.scalars(sa.select(User).where(User.id.in_(ids)))
    }
    if any(
        u is None or not u.active or u.role not in COUNCIL_ROLES
        for u in (users.get(i) for i in ids)
    ):
        raise Conflict(
            _("Council members must be registered researchers or officials."),
            field="member_ids",
        )
    if rivals := [users[i] for i in ids if i in applicant_ids(order)]:
        raise Conflict(
            _(
                "%(names)s applied to this call and cannot sit on its council.",
                names=", ".join(u.full_name for u in rivals),
            ),
            field="member_ids",
        )
    council = Council(order_id=order.id, formed_by_id=official.id)
    council.members = [CouncilMember(user_id=i, is_chair=i == chair_id) for i in ids]
    db.session.add(council)
    db.session.flush()
    params = {"title": order.title, "who": official.full_name}
    for i in ids:
        notifications.notify(
            users[i], "council_invited", params, "orders.detail", order_id=order.id
        )
    events.commit()
    return council


def declare_conflict(
    user: User, proposal: Proposal, reason: str
) -> ConflictDeclaration:
    """Record that council member ``user`` has a conflict of interest with ``proposal``."""
    member = _membership(user, proposal.order) if user.is_authenticated else None
    if member is None:
        raise NotAllowed(_l("Only members of this order's council declare conflicts."))
    reason = normalise(reason)
    if not reason:
        raise Conflict(_("Say why you have a conflict of interest."), field="reason")
    if len(reason) > REASON_MAX:
        raise Conflict(
            _("The reason is too long (at most %(n)d characters).", n=REASON_MAX),
            field="reason",
        )
    exists = db.session.scalar(
        sa.select(ConflictDeclaration.id).where(
            ConflictDeclaration.member_id == member.id,
            ConflictDeclaration.proposal_id == proposal.id,
        )
    )
    if exists is not None:
        raise Conflict(_("You already declared a conflict with this proposal."))
    declaration = ConflictDeclaration(
        member_id=member.id, proposal_id=proposal.id, reason=reason
    )
    db.session.add(declaration)
    events.commit()
    return declaration


def name_key(name: str) -> str:
    """A person's name for comparison: NFC, accents folded, lower-case, punctuation dropped."""
    folded = fold(normalise(name)).lower()
    return " ".join(_NON_WORD.sub(" ", folded).split())


def _author_keys(authors: str) -> set[str]:
    return {key for part in _NAME_SEPARATORS.split(authors) if (key := name_key(part))}


def _publications_of(user_ids: Iterable[int]) -> dict[int, list[Publication]]:
    rows = db.session.execute(
        sa.select(ResearcherProfile.user_id, Publication)
        .join(Publication, Publication.researcher_id == ResearcherProfile.id)
        .where(ResearcherProfile.user_id.in_(list(user_ids)))
        .order_by(Publication.id)
    )
    found: dict[int, list[Publication]] = {}
    for user_id, publication in rows:
        found.setdefault(user_id, []).append(publication)
    return found


def _co_authorship(member: User, applicants: list[User]) -> list[str]:
    """Publications linking ``member`` with an applicant.

    Heuristic: a publication's author list is split on ``,`` ``;`` ``and`` ``&`` and each name is
    compared with a person's full name after :func:`name_key` (accent-folded, lower-case). A hit in
    either direction counts: the applicant named among the member's publications' authors, or the
    member named among an applicant's. Initials ("Nguyen V. A.") are not expanded, so such
    co-authorships are missed; the member can still declare them.
    """
    publications = _publications_of([member.id, *(a.id for a in applicants)])
    member_key = name_key(member.full_name)
    details = []
    for applicant in applicants:
        applicant_key = name_key(applicant.full_name)
        linking = [
            p
            for p in publications.get(member.id, [])
            if applicant_key in _author_keys(p.authors)
        ] + [
            p
            for p in publications.get(applicant.id, [])
            if member_key in _author_keys(p.authors)
        ]
        details += [f"{applicant.full_name}: “{p.title}”" for p in linking]
    return list(dict.fromkeys(details))


def _conflicts(member: CouncilMember, proposal: Proposal) -> list[ConflictOfInterest]:
    user = member.user
    applicants = [proposal.pi, *(m.user for m in proposal.members)]
    found: list[tuple[ConflictReason, str]] = []
    if user.id == proposal.pi_id:
        found.append((ConflictReason.TEAM_MEMBER, _("principal investigator")))
    elif user.id in proposal.author_ids:
        found.append((ConflictReason.TEAM_MEMBER, _("team member")))
    if rival := policy.competing_proposal(user.id, proposal):
        role = (
            _("principal investigator of a competing proposal")
            if rival.pi_id == user.id
            else _("team member of a competing proposal")
        )
        found.append((ConflictReason.COMPETING_APPLICANT, role))
    institutions = {
        proposal.institution_id,
        *(m.institution_id for m in proposal.members),
    }
    institutions |= {a.institution_id for a in applicants}
    if user.institution_id is not None and user.institution_id in institutions:
        found.append((ConflictReason.SAME_INSTITUTION, user.institution.name_vi))
    found += [(ConflictReason.CO_AUTHOR, d) for d in _co_authorship(user, applicants)]
    declared = db.session.scalars(
        sa.select(ConflictDeclaration.reason).where(
            ConflictDeclaration.member_id == member.id,
            ConflictDeclaration.proposal_id == proposal.id,
        )
    )
    found += [(ConflictReason.DECLARED, reason) for reason in declared]
    return [
        ConflictOfInterest(member.id, user.id, proposal.id, reason, detail)
        for reason, detail in found
    ]


def applicant_ids(order: ResearchOrder) -> set[int]:
    """Everyone who applied to ``order``'s call: the PI and team of each of its proposals, whatever
    became of the proposal (a withdrawn or declined applicant still competed)."""
    pis = sa.select(Proposal.pi_id).where(Proposal.order_id == order.id)
    members = (
        sa.select(ProposalMember.user_id)
        .join(Proposal, Proposal.id == ProposalMember.proposal_id)
        .where(Proposal.order_id == order.id)
    )
    return set(db.session.scalars(pis)) | set(db.session.scalars(members))


def _proposals(order: ResearchOrder) -> list[Proposal]:
    return list(
        db.session.scalars(
            sa.select(Proposal)
            .where(
                Proposal.order_id == order.id,
                Proposal.status == ProposalStatus.SUBMITTED,
            )
            .order_by(Proposal.submitted_at, Proposal.id)
        )
    )


def active_proposals(order: ResearchOrder) -> list[Proposal]:
    """The proposals the council reviews (submitted: not withdrawn, declined or awarded), oldest first."""
    return _proposals(order)


def conflicts_of(member: CouncilMember, proposal: Proposal) -> list[ConflictOfInterest]:
    """Why ``member`` may not score ``proposal``: computed now, declared conflicts included."""
    return _conflicts(member, proposal)


def list_conflicts(viewer: User, order: ResearchOrder) -> list[ConflictOfInterest]:
    """Every conflict between the council and the order's proposals, for officials and the council."""
    if not policy.is_staff(viewer) and (
        not viewer.is_authenticated or _membership(viewer, order) is None
    ):
        raise NotAllowed(
            _l("Only officials and the council see conflicts of interest.")
        )
    council = _council_of(order)
    if council is None:
        return []
    return [
        conflict
        for proposal in _proposals(order)
        for member in council.members
        for conflict in _conflicts(member, proposal)
    ]


def _check_marks(marks: Mapping[str, int]) -> dict[str, int]:
    if set(marks) != set(CRITERIA):
        raise Conflict(
            _(
                "Give a mark for every criterion: %(criteria)s.",
                criteria=", ".join(CRITERIA),
            ),
            field="marks",
        )
    for criterion in CRITERIA:
        mark = marks[criterion]
        if (
            isinstance(mark, bool)
            or not isinstance(mark, int)
            or not 0 <= mark <= MAX_MARK
        ):
            raise Conflict(
                _("Each mark is a whole number from 0 to %(max)d.", max=MAX_MARK),
                field=criterion,
            )
    return {criterion: marks[criterion] for criterion in CRITERIA}


def score_proposal(
    user: User,
    proposal: Proposal,
    marks: Mapping[str, int],
    now: datetime | None = None,
) -> ProposalScore:
    """Record (or replace) council member ``user``'s marks for ``proposal`` during the review."""
    order = proposal.order
    member = _membership(user, order) if user.is_authenticated else None
    if member is None:
        raise NotAllowed(
            _l("Only members of this order's council score its proposals.")
        )
    if order.state not in REVIEW_STATES:
        raise Conflict(_("Proposals are scored once the call has closed."))
    if proposal.status != ProposalStatus.SUBMITTED:
        raise Conflict(_("This proposal was withdrawn or declined."))
    conflicts = _conflicts(member, proposal)
    if conflicts:
        reasons = ", ".join(sorted({c.reason.value for c in conflicts}))
        raise Conflict(
            _(
                "You have a conflict of interest with this proposal (%(reasons)s).",
                reasons=reasons,
            )
        )
    checked = _check_marks(marks)
    score = db.session.scalar(
        sa.select(ProposalScore).where(
            ProposalScore.member_id == member.id,
            ProposalScore.proposal_id == proposal.id,
        )
    )
    if score is None:
        score = ProposalScore(member_id=member.id, proposal_id=proposal.id)
        db.session.add(score)
    score.marks, score.total, score.scored_at = (
        checked,
        sum(checked.values()),
        now or utcnow(),
    )
    events.commit()
    return score


def ranking(order: ResearchOrder) -> list[RankedProposal]:
    """Active proposals by mean total, best first; unscored last; ties go to the earlier submission."""
    council = _council_of(order)
    members = {m.id: m for m in council.members} if council else {}
    ranked = []
    for proposal in _proposals(order):
        totals = [
            score.total
            for score in db.session.scalars(
                sa.select(ProposalScore).where(ProposalScore.proposal_id == proposal.id)
            )
            if score.member_id in members
            and not _conflicts(members[score.member_id], proposal)
        ]
        mean = sum(totals) / len(totals) if totals else None
        ranked.append(RankedProposal(proposal, mean, len(totals)))
    return sorted(
        ranked,
        key=lambda r: (
            r.mean_total is None,
            -(r.mean_total or 0.0),
            as_utc(r.proposal.submitted_at),
            r.proposal.id,
        ),
    )


def get_council(order: ResearchOrder) -> Council | None:
    """The order's council, if one was formed."""
    return _council_of(order)


def membership(user: User, order: ResearchOrder) -> CouncilMember | None:
    """``user``'s seat on the order's council, if any."""
    return _membership(user, order) if user.is_authenticated else None


def list_candidates() -> list[User]:
    """Who may sit on a council: active researchers and officials, by name."""
    stmt = (
        sa.select(User)
        .where(User.active.is_(True), User.role.in_(COUNCIL_ROLES))
        .options(selectinload(User.institution))
        .order_by(User.full_name, User.id)
    )
    return list(db.session.scalars(stmt))


@dataclass(frozen=True)
class ReviewRow:
    """A proposal on a council member's sheet: their conflicts with it, their marks so far, and whether
    they lead its review (a recorded lead-reviewer assignment that no conflict has since voided)."""

    proposal: Proposal
    conflicts: list[ConflictOfInterest]
    score: ProposalScore | None
    leads: bool = False


def _score_of(member: CouncilMember, proposal: Proposal) -> ProposalScore | None:
    return db.session.scalar(
        sa.select(ProposalScore).where(
            ProposalScore.member_id == member.id,
            ProposalScore.proposal_id == proposal.id,
        )
    )


def review_row(user: User, proposal: Proposal) -> ReviewRow | None:
    """``proposal`` as council member ``user`` sees it; None when ``user`` is not on its council."""
    member = membership(user, proposal.order)
    if member is None or policy.competing_proposal(user.id, proposal) is not None:
        return None  # a rival applicant does not read the proposal at all
    return ReviewRow(
        proposal, _conflicts(member, proposal), _score_of(member, proposal)
    )


def review_sheet(user: User, order: ResearchOrder) -> list[ReviewRow]:
    """The proposals council member ``user`` has to score, oldest submission first."""
    member = membership(user, order)
    if member is None:
        raise NotAllowed(
            _l("Only members of this order's council score its proposals.")
        )
    led = set(
        db.session.scalars(
            sa.select(LeadReviewer.proposal_id).where(
                LeadReviewer.member_id == member.id
            )
        )
    )
    rows = []
    for p in _proposals(order):
        if policy.competing_proposal(user.id, p) is not None:
            continue  # a rival's proposal: not shown to an applicant, even one on the council
        conflicts = _conflicts(member, p)
        leads = p.id in led and not conflicts
        rows.append(ReviewRow(p, conflicts, _score_of(member, p), leads))
    return rows


def list_seats(user: User) -> list[CouncilMember]:
    """The council seats ``user`` holds, newest council first (each with its order)."""
    if not user.is_authenticated:
        return []
    stmt = (
        sa.select(CouncilMember)
        .join(Council)
        .where(CouncilMember.user_id == user.id)
        .options(selectinload(CouncilMember.council).selectinload(Council.order))
        .order_by(Council.id.desc())
    )
    return list(db.session.scalars(stmt))
