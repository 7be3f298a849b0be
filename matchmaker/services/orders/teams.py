"""A proposal's team: who may be named on it, and the look-up that finds them by a few typed characters.

Only researchers open to collaboration are offered (``policy.joins_teams``), a few at a time and only for a
query of at least ``MIN_CHARS`` characters, so nobody can list every researcher of the platform. A member
already on a proposal stays on it (and on its form) even after their profile closes.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

import sqlalchemy as sa

from matchmaker.extensions import db
from matchmaker.models import Institution, Proposal, ResearcherProfile, Role, User
from matchmaker.services import policy, text_filter

MIN_CHARS = 3  # a shorter query finds nothing: no browsing the whole directory
LIMIT = 10  # at most this many researchers per look-up
MAX_ID = 2_147_483_647  # ids beyond PostgreSQL's integer are nobody


@dataclass(frozen=True)
class TeamCandidate:
    """A researcher as the team picker shows them: the user id the form sends, name, institution."""

    user_id: int
    profile_id: int | None
    name: str
    institution: str


@dataclass(frozen=True)
class Lookup:
    """What a look-up found: the researchers, whether more matched, whether the query was too short."""

    candidates: list[TeamCandidate]
    more: bool = False
    too_short: bool = False


def _rows() -> sa.Select:
    return (
        sa.select(User, ResearcherProfile.id, Institution.name_vi)
        .outerjoin(ResearcherProfile, ResearcherProfile.user_id == User.id)
        .outerjoin(Institution, Institution.id == User.institution_id)
    )


def _candidate(row: sa.Row) -> TeamCandidate:
    user, profile_id, institution = row
    return TeamCandidate(user.id, profile_id, user.full_name, institution or "")


def is_long_enough(query: str | None) -> bool:
    """Whether ``query`` has enough characters (accents and spaces aside) to look anyone up."""
    return len(text_filter.query_text(query).replace(" ", "")) >= MIN_CHARS


def find_candidates(pi: User, query: str | None, limit: int = LIMIT) -> Lookup:
    """Researchers open to collaboration whose name or institution contains ``query`` (case and accents
    ignored), by name without accents (the same on SQLite and PostgreSQL); at most ``limit``, never ``pi``, nothing for a query shorter than ``MIN_CHARS``."""
    if not policy.may_search_team_members(pi):
        return Lookup([])
    if not is_long_enough(query):
        return Lookup([], too_short=True)
    text = text_filter.query_text(query)
    stmt = (
        _rows()
        .where(
            policy.joins_teams(),
            User.id != pi.id,
            text_filter.contains(
                text,
                User.full_name,
                Institution.name_vi,
                Institution.name_en,
                Institution.short_name,
            ),
        )
        .order_by(text_filter.folded(User.full_name), User.id)
        .limit(limit + 1)
    )
    found = [_candidate(row) for row in db.session.execute(stmt)]
    return Lookup(found[:limit], more=len(found) > limit)


def _member_ids(proposal: Proposal | None) -> set[int]:
    return {m.user_id for m in proposal.members} if proposal is not None else set()


def _wanted(pi: User, ids: Sequence[int]) -> list[int]:
    return [i for i in dict.fromkeys(ids) if 0 < i <= MAX_ID and i != pi.id]


def _eligible(members: Collection[int]) -> sa.ColumnElement[bool]:
    """Open researchers, and the proposal's own members while they are active researchers."""
    return sa.or_(
        policy.joins_teams(),
        sa.and_(
            User.id.in_(members),
            User.active.is_(True),
            User.role == Role.RESEARCHER,
        ),
    )


def eligible_members(
    pi: User, ids: Sequence[int], proposal: Proposal | None = None
) -> dict[int, User]:
    """The users among ``ids`` that ``pi`` may name on the team of ``proposal`` (a new one when None)."""
    wanted = _wanted(pi, ids)
    if not wanted:
        return {}
    stmt = (
        sa.select(User)
        .outerjoin(ResearcherProfile, ResearcherProfile.user_id == User.id)
        .where(User.id.in_(wanted), _eligible(_member_ids(proposal)))
    )
    return {user.id: user for user in db.session.scalars(stmt)}


def team_choices(
    pi: User, ids: Sequence[int], proposal: Proposal | None = None
) -> list[TeamCandidate]:
    """What the form lists as chosen: the eligible ones among ``ids``, then the proposal's current members
    (listed even when they no longer may be named, so the PI sees them and can take them off)."""
    members = _member_ids(proposal)
    wanted = _wanted(pi, [*ids, *sorted(members)])
    if not wanted:
        return []
    stmt = _rows().where(
        User.id.in_(wanted), sa.or_(_eligible(members), User.id.in_(members))
    )
    found = {row[0].id: _candidate(row) for row in db.session.execute(stmt)}
    return [found[i] for i in wanted if i in found]
