"""Who may be named on a proposal's team, and the look-up that finds them (services.orders.teams)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask_login import AnonymousUserMixin

from matchmaker.extensions import db
from matchmaker.models import ResearcherProfile, Role, utcnow
from matchmaker.services import policy
from matchmaker.services.orders import proposals, teams


@pytest.mark.parametrize(
    ("role", "allowed"),
    [(None, False), (Role.RESEARCHER, True), (Role.OFFICIAL, False), (Role.ADMIN, False), (Role.ENTERPRISE, False)],
)  # fmt: skip
def test_only_researchers_search_team_members(make_user, role, allowed):
    user = AnonymousUserMixin() if role is None else make_user(role)
    assert policy.may_search_team_members(user) is allowed


def test_find_candidates_finds_nobody_for_someone_not_allowed(
    make_user, make_collaborator
):
    make_collaborator(full_name="Trần Thị Bình")
    lookup = teams.find_candidates(make_user(Role.OFFICIAL), "Trần Thị")
    assert lookup == teams.Lookup([])


@pytest.mark.parametrize(("q", "long_enough"), [("abc", True), ("ab", False), ("a b c", True), (" đà ", False), (None, False)])  # fmt: skip
def test_a_query_needs_three_characters_besides_spaces(q, long_enough):
    assert teams.is_long_enough(q) is long_enough


def test_a_closed_member_may_stay_but_not_join_a_new_team(
    pi, make_collaborator, make_published_order
):
    member = make_collaborator(full_name="Trần Thị Bình")
    now = utcnow()
    order = make_published_order(now, now + timedelta(days=30))
    proposal = proposals.submit_proposal(
        pi, order, proposals.ProposalInput("Mô hình", 900_000_000, team_ids=[member.id])
    )
    db.session.scalar(
        sa.select(ResearcherProfile).where(ResearcherProfile.user_id == member.id)
    ).open_to_orders = False
    db.session.commit()
    assert list(teams.eligible_members(pi, [member.id], proposal)) == [member.id]
    assert teams.eligible_members(pi, [member.id]) == {}
