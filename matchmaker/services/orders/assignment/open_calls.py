"""Researchers for the orders open for proposals, by exact assignment (``matching.assign``), and the
officials' invitations to apply. Nothing of the assignment is stored; an invitation is a notification.

- Up to ``per_order`` researchers per open order, each researcher at most ``per_researcher`` orders: as many
  places filled as possible, then the best total score; the candidates are each order's best available researchers, never one in conflict with
  the order (applicants, their teams and institutions, its author) nor a pair scoring below
  ``matching.MATCH_MIN_SCORE``.
- An official may invite an order's proposed researchers to apply: every researcher is checked again (an
  active researcher open to orders, not excluded from the order), and nobody is invited twice to one order.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

import numpy as np
import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import contains_eager

from matchmaker.extensions import db
from matchmaker.lifecycle import OrderState
from matchmaker.matching import Document, Match, QueryFilter, TfidfMatcher, assign
from matchmaker.models import (
    Notification,
    ResearcherProfile,
    ResearchOrder,
    Role,
    User,
)
from matchmaker.services import events, locking
from matchmaker.services.errors import Conflict
from matchmaker.services.matching import corpus, display
from matchmaker.services.matching import matches as matching
from matchmaker.services.matching.display import MatchView
from matchmaker.services.messaging import notifications
from matchmaker.services.orders.assignment import lead_reviewers as assignments
from matchmaker.services.orders.proposals import is_open

RESEARCHERS_PER_ORDER = 3  # the form's default
ORDERS_PER_RESEARCHER = 1  # the form's default
PER_ORDER_RANGE = (1, 10)
PER_RESEARCHER_RANGE = (1, 5)
# Researchers read from the model for each open order; the candidates are their union.
CANDIDATES_PER_ORDER = 30
INVITATION_KIND = "call_invitation"
# One order's proposed researchers at most, in one invitation.
MAX_INVITES = PER_ORDER_RANGE[1]
# Larger ids name no profile (PostgreSQL's integer) and are never looked up.
MAX_ID = 2_147_483_647


# --- Researchers for open orders -------------------------------------------------------------------------


@dataclass(frozen=True)
class OrderResearchers:
    """One open order and the researchers proposed for it, best first."""

    order: ResearchOrder
    researchers: list[MatchView]
    wanted: int

    @property
    def is_short(self) -> bool:
        return len(self.researchers) < self.wanted


@dataclass(frozen=True)
class ResearcherPlan:
    """Researchers for every order open for proposals, and the total score."""

    rows: list[OrderResearchers]
    total_affinity: float  # the sum of the chosen pairs' similarities, which the assignment maximises
    per_order: int
    per_researcher: int

    @property
    def short_rows(self) -> list[OrderResearchers]:
        return [row for row in self.rows if row.is_short]


def list_open_orders() -> list[ResearchOrder]:
    """Orders taking proposals now: published and before their deadline, soonest deadline first (none last)."""
    stmt = (
        sa.select(ResearchOrder)
        .where(ResearchOrder.state == OrderState.PUBLISHED.value)
        .order_by(
            ResearchOrder.application_deadline.is_(None),
            ResearchOrder.application_deadline,
            ResearchOrder.id,
        )
    )
    return [order for order in db.session.scalars(stmt) if is_open(order)]


def excluded_profile_ids(order: ResearchOrder) -> frozenset[int]:
    """Researchers never proposed for (nor invited to) ``order``: those in conflict with it, and its author."""
    author = db.session.scalars(sa.select(ResearcherProfile.id).where(ResearcherProfile.user_id == order.created_by_id))  # fmt: skip
    return matching.conflicted_profile_ids(order) | frozenset(author)


def _check_range(value: int, bounds: tuple[int, int], field: str) -> None:
    low, high = bounds
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:  # fmt: skip
        raise Conflict(
            _("Choose a whole number from %(low)d to %(high)d.", low=low, high=high),
            field=field,
        )


def _found(
    matcher: TfidfMatcher, documents: list[Document], excluded: list[frozenset[int]]
) -> list[list[Match]]:
    return [
        matcher.query(document, k=CANDIDATES_PER_ORDER, where=QueryFilter(
            available_only=True,
            exclude_ids=frozenset(corpus.researcher_id(pk) for pk in profile_ids),
        ))
        for document, profile_ids in zip(documents, excluded, strict=True)
    ]  # fmt: skip


def _blocked(
    scores: np.ndarray, candidates: list[str], excluded: list[frozenset[int]]
) -> list[tuple[str, str]]:
    """Pairs never proposed: a conflict of interest, or too weak a match to be worth proposing."""
    return [
        (str(i), candidate)
        for i, profile_ids in enumerate(excluded)
        for j, candidate in enumerate(candidates)
        if corpus.split_id(candidate)[1] in profile_ids
        or scores[i, j] < matching.MATCH_MIN_SCORE
    ]


def propose_researchers(
    official: User,
    per_order: int = RESEARCHERS_PER_ORDER,
    per_researcher: int = ORDERS_PER_RESEARCHER,
) -> ResearcherPlan:
    """Up to ``per_order`` researchers for each open order, each researcher proposed for at most
    ``per_researcher`` orders: the most places filled, then the best total score (nothing is stored)."""
    assignments.check_official(official)
    _check_range(per_order, PER_ORDER_RANGE, "per_order")
    _check_range(per_researcher, PER_RESEARCHER_RANGE, "per_researcher")
    open_orders = list_open_orders()
    documents = [corpus.order_document(order) for order in open_orders]
    excluded = [excluded_profile_ids(order) for order in open_orders]
    with assignments.researcher_matcher() as matcher:
        found = _found(matcher, documents, excluded)
        candidates = sorted({m.candidate_id for ms in found for m in ms})
        scores = matcher.affinity(documents, candidates)
        explainers = [matching.explainer(matcher, document) for document in documents]
    result = assign(
        [str(i) for i in range(len(open_orders))], candidates, scores,
        capacities=per_researcher, demands=per_order,
        conflicts=_blocked(scores, candidates, excluded), allow_partial=True,
        cover_first=True,
    )  # fmt: skip
    rows = _order_rows(
        official, open_orders, found, candidates, scores, result.pairs, per_order,
        explainers,
    )  # fmt: skip
    return ResearcherPlan(rows, result.total_affinity, per_order, per_researcher)


def _order_rows(
    viewer: User,
    open_orders: list[ResearchOrder],
    found: list[list[Match]],
    candidates: list[str],
    scores: np.ndarray,
    pairs: Collection[tuple[str, str]],
    wanted: int,
    explainers: Sequence[display.Explain],
) -> list[OrderResearchers]:
    """Each order with its assigned researchers as match views, explained by what their texts share with
    the order's."""
    column_of = {candidate: j for j, candidate in enumerate(candidates)}
    ranked = [{m.candidate_id: m for m in matches} for matches in found]
    chosen: dict[int, list[Match]] = {i: [] for i in range(len(open_orders))}
    for item, candidate in pairs:
        i = int(item)
        known = ranked[i].get(candidate)
        score = float(scores[i, column_of[candidate]])
        best = known.best_doc_id if known else ""
        chosen[i].append(Match(candidate, score, (), best))
    return [
        OrderResearchers(
            order, display.researcher_views(chosen[i], viewer, explainers[i]), wanted
        )
        for i, order in enumerate(open_orders)
    ]


# --- Invitations to apply ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Invitations:
    """What one invitation did: researchers notified now, invited before (not again), and refused."""

    invited: int
    already_invited: int
    refused: int


def invite_researchers(
    official: User, order: ResearchOrder, profile_ids: Sequence[int]
) -> Invitations:
    """Invite researchers (by profile id) to submit a proposal to an order open for proposals.

    A profile that does not exist, whose user is not an active researcher open to orders, or who is excluded
    from the order (a conflict of interest, its author) is refused; one invited to the order before is not
    invited again. The others are notified, with a link to the order's page.
    """
    assignments.check_official(official)
    # Two officials inviting at once take turns, so nobody is invited twice (PostgreSQL and SQLite).
    locking.lock_object(order)
    if not is_open(order):
        raise Conflict(
            _("This order no longer takes proposals: nobody can be invited to apply.")
        )
    wanted = _invitation_ids(profile_ids)
    users = _invitable_users(order, wanted)
    before = _already_invited(order, [user.id for user in users])
    params = {"who": official.full_name, "title": order.title}
    notes = [
        notifications.notify(
            user, INVITATION_KIND, params, "orders.detail", order_id=order.id
        )
        for user in users
        if user.id not in before
    ]
    events.commit()
    return Invitations(len(notes), len(before), len(wanted) - len(users))


def _invitation_ids(profile_ids: Sequence[int]) -> list[int]:
    """The ids once each; :class:`Conflict` on the ``profile_id`` field for a list no page would send."""
    if any(isinstance(pk, bool) or not isinstance(pk, int) for pk in profile_ids):
        message = _("The list of researchers is not valid: reload the page and try again.")  # fmt: skip
        raise Conflict(message, field="profile_id")
    ids = list(dict.fromkeys(profile_ids))
    if not ids:
        raise Conflict(_("Choose at least one researcher to invite."), field="profile_id")  # fmt: skip
    if len(ids) > MAX_INVITES:
        message = _("Invite at most %(n)d researchers at a time.", n=MAX_INVITES)
        raise Conflict(message, field="profile_id")
    return ids


def _invitable_users(order: ResearchOrder, profile_ids: list[int]) -> list[User]:
    """The users of the profiles that may be invited to ``order``, in the order given."""
    excluded = excluded_profile_ids(order)
    stmt = (
        sa.select(ResearcherProfile)
        .join(ResearcherProfile.user)
        .options(contains_eager(ResearcherProfile.user))
        .where(
            ResearcherProfile.id.in_([pk for pk in profile_ids if 0 < pk <= MAX_ID]),
            ResearcherProfile.open_to_orders.is_(True),
            User.role == Role.RESEARCHER,
            User.active.is_(True),
        )
    )
    found = {p.id: p.user for p in db.session.scalars(stmt) if p.id not in excluded}
    return [found[pk] for pk in profile_ids if pk in found]


def _already_invited(order: ResearchOrder, user_ids: list[int]) -> set[int]:
    stmt = sa.select(Notification.user_id).where(
        Notification.kind == INVITATION_KIND,
        Notification.endpoint_values["order_id"].as_integer() == order.id,
        Notification.user_id.in_(user_ids),
    )
    return set(db.session.scalars(stmt))
