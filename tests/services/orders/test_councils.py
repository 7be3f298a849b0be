"""Councils: forming them, detecting conflicts of interest, scoring within bounds and ranking."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from matchmaker.extensions import db
from matchmaker.lifecycle import Action
from matchmaker.models import (
    Council,
    CouncilMember,
    DeclineReason,
    Institution,
    Notification,
    Proposal,
    ProposalScore,
    Publication,
    ResearcherProfile,
    ResearchOrder,
    Role,
    User,
)
from matchmaker.services import policy
from matchmaker.services.errors import Conflict, NotAllowed
from matchmaker.services.orders import councils, proposals
from matchmaker.services.orders import lifecycle as orders
from matchmaker.services.orders.councils import ConflictReason

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
DEADLINE = NOW + timedelta(days=30)
BEFORE = DEADLINE - timedelta(days=1)
AFTER = DEADLINE + timedelta(minutes=1)
CALL = {"selection_method": "open_selection", "application_deadline": DEADLINE}
FULL = dict.fromkeys(councils.CRITERIA, 8)  # total 40


def _move(order: ResearchOrder, who, action: Action, data: dict, now: datetime) -> None:
    orders.apply_action(order.id, who, action, data, order.version, now=now)


@pytest.fixture
def reviewed_call(ctx, make_published_order, make_user) -> ResearchOrder:
    approver = make_user(Role.OFFICIAL, can_approve=True)
    return make_published_order(NOW, DEADLINE, approver=approver, decided_on=date(2026, 11, 20))  # fmt: skip


def _start_review(order: ResearchOrder, official) -> None:
    _move(order, official, Action.CLOSE_APPLICATIONS, CALL, AFTER)
    _move(order, official, Action.START_REVIEW, {}, AFTER)


def _researcher(
    make_user, name: str, institution: Institution | None = None, papers=()
) -> User:
    user = make_user(
        Role.RESEARCHER,
        full_name=name,
        institution_id=institution.id if institution else None,
    )
    profile = ResearcherProfile(user_id=user.id)
    profile.publications = [
        Publication(title=title, title_key=title.lower(), authors=authors)
        for title, authors in papers
    ]
    db.session.add(profile)
    db.session.commit()
    return user


@pytest.fixture
def profiled_pi(make_user, institutions):
    return _researcher(make_user, "Nguyễn Văn An", institutions["ctu"])


@pytest.fixture
def profiled_teammate(make_user, institutions):
    return _researcher(make_user, "Trần Thị Bình", institutions["nctu"])


def _submit(
    pi: User, order: ResearchOrder, team=(), now: datetime = BEFORE
) -> Proposal:
    data = proposals.ProposalInput(
        approach="Mô hình", budget=500_000_000, team_ids=team
    )
    return proposals.submit_proposal(pi, order, data, now=now)


@pytest.fixture
def profiled_proposal(reviewed_call, profiled_pi, profiled_teammate) -> Proposal:
    return _submit(profiled_pi, reviewed_call, team=[profiled_teammate.id])


def _form(order, official, *members: User) -> Council:
    chair, *rest = members
    return councils.form_council(official, order, chair.id, [m.id for m in rest])


def _seat(order, official, *members: User) -> Council:
    """Seat people who applied to the call (as if they applied after the council was formed, which
    ``form_council`` allows; forming a council with applicants is refused)."""
    council = councils.form_council(official, order, official.id, [])
    db.session.add_all(
        CouncilMember(council_id=council.id, user_id=m.id) for m in members
    )
    db.session.commit()
    return council


def _neutral(make_user, institutions, name: str = "Phạm Minh Hội") -> User:
    return _researcher(make_user, name, institutions["vlu"])


def test_form_council_records_chair_and_members_and_invites_them(
    reviewed_call, official, make_user, institutions, outbox
):
    chair = make_user(Role.OFFICIAL)
    member = _neutral(make_user, institutions)
    outbox.clear()
    council = _form(reviewed_call, official, chair, member)
    db.session.expire_all()
    rows = db.session.get(Council, council.id).members
    assert [(m.user_id, m.is_chair) for m in rows] == [
        (chair.id, True),
        (member.id, False),
    ]
    notes = db.session.scalars(
        sa.select(Notification)
        .where(Notification.kind == "council_invited")
        .order_by(Notification.user_id)
    )
    assert [(n.user_id, n.kind, n.params["title"]) for n in notes] == [
        (chair.id, "council_invited", "Xâm nhập mặn"),
        (member.id, "council_invited", "Xâm nhập mặn"),
    ]
    assert len(outbox) == 2


@pytest.mark.parametrize("role", [Role.RESEARCHER, Role.ENTERPRISE])
def test_form_council_only_by_officials(reviewed_call, make_user, role):
    with pytest.raises(NotAllowed):
        _form(reviewed_call, make_user(role), make_user(Role.RESEARCHER))
    assert db.session.scalar(sa.select(sa.func.count(Council.id))) == 0


def test_form_council_refuses_enterprise_members(reviewed_call, official, make_user):
    with pytest.raises(Conflict):
        _form(
            reviewed_call,
            official,
            make_user(Role.OFFICIAL),
            make_user(Role.ENTERPRISE),
        )
    assert db.session.scalar(sa.select(sa.func.count(Council.id))) == 0


def test_form_council_once_per_order(reviewed_call, official, make_user):
    _form(reviewed_call, official, make_user(Role.OFFICIAL))
    with pytest.raises(Conflict):
        _form(reviewed_call, official, make_user(Role.OFFICIAL))
    assert db.session.scalar(sa.select(sa.func.count(CouncilMember.id))) == 1


def _conflicts(order, official) -> set[tuple[int, ConflictReason]]:
    return {(c.user_id, c.reason) for c in councils.list_conflicts(official, order)}


def test_conflict_same_institution_as_the_pi_or_a_team_member(
    profiled_proposal, reviewed_call, official, make_user, institutions
):
    colleague_of_pi = _researcher(make_user, "Võ Văn Một", institutions["ctu"])
    colleague_of_team = _researcher(make_user, "Võ Văn Hai", institutions["nctu"])
    neutral = _neutral(make_user, institutions)
    _form(reviewed_call, official, neutral, colleague_of_pi, colleague_of_team)
    assert _conflicts(reviewed_call, official) == {
        (colleague_of_pi.id, ConflictReason.SAME_INSTITUTION),
        (colleague_of_team.id, ConflictReason.SAME_INSTITUTION),
    }
    [conflict] = [
        c
        for c in councils.list_conflicts(official, reviewed_call)
        if c.user_id == colleague_of_pi.id
    ]
    assert conflict.detail == "Trường Đại học Cần Thơ"


def test_conflict_co_author_in_the_members_publications(
    profiled_proposal, reviewed_call, official, make_user, institutions
):
    # Accents and case differ: the heuristic folds both names.
    paper = ("Mặn hóa đồng bằng", "Phạm Minh Hội; NGUYEN VAN AN, John Smith")
    member = _researcher(make_user, "Phạm Minh Hội", institutions["vlu"], [paper])
    _form(reviewed_call, official, member)
    [conflict] = councils.list_conflicts(official, reviewed_call)
    assert (conflict.user_id, conflict.reason) == (member.id, ConflictReason.CO_AUTHOR)
    assert conflict.detail == "Nguyễn Văn An: “Mặn hóa đồng bằng”"


def test_conflict_co_author_in_an_applicants_publications(
    reviewed_call, official, make_user, institutions
):
    paper = ("Lúa chịu mặn", "Lê Thị Cúc and Pham Minh Hoi")
    applicant = _researcher(make_user, "Lê Thị Cúc", institutions["ctu"], [paper])
    _submit(applicant, reviewed_call)
    member = _neutral(make_user, institutions)
    _form(reviewed_call, official, member)
    assert _conflicts(reviewed_call, official) == {
        (member.id, ConflictReason.CO_AUTHOR)
    }


def test_no_conflict_for_a_different_name(
    profiled_proposal, reviewed_call, official, make_user, institutions
):
    paper = ("Mặn hóa", "Nguyễn Văn Anh; Phạm Minh Hội")
    member = _researcher(make_user, "Phạm Minh Hội", institutions["vlu"], [paper])
    _form(reviewed_call, official, member)
    assert councils.list_conflicts(official, reviewed_call) == []


def test_conflict_member_of_the_applicants_team(
    profiled_proposal, reviewed_call, official, profiled_teammate, profiled_pi
):
    _seat(reviewed_call, official, profiled_teammate, profiled_pi)
    found = _conflicts(reviewed_call, official)
    assert (profiled_teammate.id, ConflictReason.TEAM_MEMBER) in found
    assert (profiled_pi.id, ConflictReason.TEAM_MEMBER) in found


def test_conflict_declared_by_a_member(
    profiled_proposal, reviewed_call, official, make_user, institutions
):
    member = _neutral(make_user, institutions)
    _form(reviewed_call, official, member)
    councils.declare_conflict(member, profiled_proposal, " Người thân của chủ nhiệm ")
    [conflict] = councils.list_conflicts(official, reviewed_call)
    assert (conflict.reason, conflict.detail) == (
        ConflictReason.DECLARED,
        "Người thân của chủ nhiệm",
    )


def test_declare_conflict_only_by_council_members(
    profiled_proposal, reviewed_call, official, make_user
):
    _form(reviewed_call, official, make_user(Role.OFFICIAL))
    with pytest.raises(NotAllowed):
        councils.declare_conflict(
            make_user(Role.RESEARCHER), profiled_proposal, "lý do"
        )


def test_declare_conflict_needs_a_reason(
    profiled_proposal, reviewed_call, official, make_user, institutions
):
    member = _neutral(make_user, institutions)
    _form(reviewed_call, official, member)
    with pytest.raises(Conflict):
        councils.declare_conflict(member, profiled_proposal, "  ")
    assert councils.list_conflicts(official, reviewed_call) == []


def test_list_conflicts_hidden_from_outsiders(
    profiled_proposal, reviewed_call, official, make_user
):
    _form(reviewed_call, official, make_user(Role.OFFICIAL))
    with pytest.raises(NotAllowed):
        councils.list_conflicts(make_user(Role.RESEARCHER), reviewed_call)


@pytest.mark.parametrize(
    "reason", ["same_institution", "co_author", "team_member", "declared"]
)
def test_score_proposal_refused_to_a_conflicted_member(
    profiled_proposal,
    reviewed_call,
    official,
    make_user,
    institutions,
    profiled_teammate,
    reason,
):
    if reason == "same_institution":
        member = _researcher(make_user, "Võ Văn Một", institutions["ctu"])
    elif reason == "co_author":
        paper = ("Mặn", "Phạm Minh Hội, Nguyễn Văn An")
        member = _researcher(make_user, "Phạm Minh Hội", institutions["vlu"], [paper])
    elif reason == "team_member":
        member = profiled_teammate
    else:
        member = _neutral(make_user, institutions)
    if reason == "team_member":
        _seat(reviewed_call, official, member)
    else:
        _form(reviewed_call, official, member)
    if reason == "declared":
        councils.declare_conflict(member, profiled_proposal, "Đồng hướng dẫn luận án")
    _start_review(reviewed_call, official)
    with pytest.raises(Conflict) as error:
        councils.score_proposal(member, profiled_proposal, FULL, now=AFTER)
    assert reason in error.value.message
    assert db.session.scalar(sa.select(sa.func.count(ProposalScore.id))) == 0


@pytest.fixture
def judge(profiled_proposal, reviewed_call, official, make_user, institutions) -> User:
    """A neutral council member, with the order under review."""
    member = _neutral(make_user, institutions)
    _form(reviewed_call, official, member)
    _start_review(reviewed_call, official)
    return member


@pytest.mark.parametrize(
    "marks",
    [
        FULL | {"budget": -1},
        FULL | {"budget": 11},
        FULL | {"budget": 2.5},
        FULL | {"budget": True},
        FULL | {"budget": "8"},
        {k: v for k, v in FULL.items() if k != "budget"},
        FULL | {"charisma": 5},
    ],
)
def test_score_proposal_refuses_marks_out_of_bounds(judge, profiled_proposal, marks):
    with pytest.raises(Conflict):
        councils.score_proposal(judge, profiled_proposal, marks, now=AFTER)
    assert db.session.scalar(sa.select(sa.func.count(ProposalScore.id))) == 0


@pytest.mark.parametrize(("mark", "total"), [(0, 0), (10, 50)])
def test_score_proposal_accepts_the_bounds(judge, profiled_proposal, mark, total):
    score = councils.score_proposal(
        judge, profiled_proposal, dict.fromkeys(councils.CRITERIA, mark)
    )
    assert score.total == total


def test_score_proposal_again_replaces_the_marks(judge, profiled_proposal):
    councils.score_proposal(judge, profiled_proposal, FULL, now=AFTER)
    councils.score_proposal(judge, profiled_proposal, FULL | {"budget": 3}, now=AFTER)
    [score] = db.session.scalars(sa.select(ProposalScore))
    assert (score.total, score.marks["budget"]) == (35, 3)


def test_score_proposal_only_by_council_members(judge, profiled_proposal, official):
    with pytest.raises(NotAllowed):
        councils.score_proposal(official, profiled_proposal, FULL, now=AFTER)


def test_score_proposal_waits_for_the_call_to_close(
    profiled_proposal, reviewed_call, official, make_user, institutions
):
    member = _neutral(make_user, institutions)
    _form(reviewed_call, official, member)
    with pytest.raises(Conflict):
        councils.score_proposal(member, profiled_proposal, FULL, now=BEFORE)


def test_ranking_by_mean_total_with_ties_to_the_earlier_submission(
    reviewed_call, official, make_user, institutions
):
    applicants = [
        _researcher(make_user, f"Ứng Viên {n}", institutions["ctu"]) for n in range(4)
    ]
    # Submitted in this order: first, second, third, fourth.
    first, second, third, fourth = (
        _submit(a, reviewed_call, now=BEFORE - timedelta(hours=10 - n))
        for n, a in enumerate(applicants)
    )
    judges = [_neutral(make_user, institutions, f"Giám Khảo {n}") for n in range(2)]
    _form(reviewed_call, official, *judges)
    _start_review(reviewed_call, official)
    a, b = judges
    councils.score_proposal(
        a, first, dict.fromkeys(councils.CRITERIA, 6), now=AFTER
    )  # 30
    councils.score_proposal(
        b, first, dict.fromkeys(councils.CRITERIA, 8), now=AFTER
    )  # 40 → mean 35
    councils.score_proposal(
        a, second, dict.fromkeys(councils.CRITERIA, 9), now=AFTER
    )  # mean 45
    councils.score_proposal(
        a, third, dict.fromkeys(councils.CRITERIA, 7), now=AFTER
    )  # 35: ties first
    ranked = councils.ranking(reviewed_call)
    assert [(r.proposal.id, r.mean_total, r.scored_by) for r in ranked] == [
        (second.id, 45.0, 1),
        (first.id, 35.0, 2),
        (third.id, 35.0, 1),
        (fourth.id, None, 0),
    ]


def test_ranking_leaves_out_marks_of_a_member_conflicted_later(
    judge, profiled_proposal, reviewed_call
):
    councils.score_proposal(judge, profiled_proposal, FULL, now=AFTER)
    councils.declare_conflict(judge, profiled_proposal, "Phát hiện sau khi chấm")
    [ranked] = councils.ranking(reviewed_call)
    assert (ranked.mean_total, ranked.scored_by) == (None, 0)


def test_ranking_leaves_out_withdrawn_and_declined_proposals(
    reviewed_call, official, profiled_pi, make_user, institutions
):
    kept = _submit(profiled_pi, reviewed_call)
    gone = _submit(_neutral(make_user, institutions, "Rút Lui"), reviewed_call)
    proposals.withdraw_proposal(gone.pi, gone, now=BEFORE)
    out = _submit(_neutral(make_user, institutions, "Bị Loại"), reviewed_call)
    proposals.decline_proposal(official, out, DeclineReason.INELIGIBLE, "")
    assert [r.proposal.id for r in councils.ranking(reviewed_call)] == [kept.id]


def test_score_proposal_refuses_a_declined_proposal(judge, profiled_proposal, official):
    proposals.decline_proposal(
        official, profiled_proposal, DeclineReason.INELIGIBLE, ""
    )
    with pytest.raises(Conflict):
        councils.score_proposal(judge, profiled_proposal, FULL, now=AFTER)
    assert db.session.scalar(sa.select(sa.func.count(ProposalScore.id))) == 0


def test_every_conflict_reason_has_a_label():
    assert set(councils.CONFLICT_REASON_LABELS) == set(ConflictReason)


def test_review_sheet_shows_each_proposal_with_the_members_conflicts_and_marks(
    profiled_proposal, reviewed_call, official, make_user, institutions
):
    other = _submit(_researcher(make_user, "Đỗ Văn Khác"), reviewed_call)
    judge = _neutral(make_user, institutions)
    _form(reviewed_call, official, judge)
    _start_review(reviewed_call, official)
    councils.score_proposal(judge, profiled_proposal, FULL, now=AFTER)
    councils.declare_conflict(judge, other, "Cùng dự án khác")
    sheet = councils.review_sheet(judge, reviewed_call)
    assert [(r.proposal.id, r.score.total if r.score else None) for r in sheet] == [
        (profiled_proposal.id, 40),
        (other.id, None),
    ]
    assert [c.reason for c in sheet[1].conflicts] == [ConflictReason.DECLARED]
    assert councils.review_row(judge, other).conflicts == sheet[1].conflicts


def test_review_sheet_only_for_council_members(
    judge, profiled_proposal, reviewed_call, official, make_user
):
    with pytest.raises(NotAllowed):
        councils.review_sheet(official, reviewed_call)
    assert councils.review_row(make_user(Role.RESEARCHER), profiled_proposal) is None
    assert councils.review_row(judge, profiled_proposal).score is None


def test_list_seats_and_membership(reviewed_call, official, make_user, institutions):
    chair, member = make_user(Role.OFFICIAL), _neutral(make_user, institutions)
    _form(reviewed_call, official, chair, member)
    [seat] = councils.list_seats(member)
    assert (seat.council.order_id, seat.is_chair) == (reviewed_call.id, False)
    assert councils.membership(chair, reviewed_call).is_chair
    assert (
        councils.list_seats(official) == []
        and councils.membership(official, reviewed_call) is None
    )


def test_list_candidates_are_active_researchers_and_officials(make_user):
    people = [
        make_user(role)
        for role in (Role.RESEARCHER, Role.OFFICIAL, Role.ADMIN, Role.ENTERPRISE)
    ]
    make_user(Role.RESEARCHER, active=False)
    assert [u.id for u in councils.list_candidates()] == [u.id for u in people[:3]]


# --- competing applicants (issue 11, finding 4) ------------------------------------------------------


def test_forming_a_council_refuses_anyone_who_applied_to_the_call(
    profiled_proposal,
    reviewed_call,
    official,
    profiled_teammate,
    profiled_pi,
    make_user,
    institutions,
):
    quitter = _researcher(make_user, "Đỗ Thị Rút", institutions["vlu"])
    proposals.withdraw_proposal(quitter, _submit(quitter, reviewed_call), now=BEFORE)
    for applicant in (profiled_pi, profiled_teammate, quitter):
        with pytest.raises(Conflict) as refused:
            _form(
                reviewed_call,
                official,
                _neutral(make_user, institutions, "Hồ Văn Ba"),
                applicant,
            )
        assert applicant.full_name in refused.value.message
        assert refused.value.field == "member_ids"
    assert db.session.scalar(sa.select(sa.func.count(Council.id))) == 0


def test_a_member_who_applies_later_neither_reads_nor_scores_the_rivals(
    reviewed_call, official, profiled_pi, profiled_teammate, make_user, institutions
):
    rival = _neutral(make_user, institutions)
    neutral = _researcher(make_user, "Lý Văn Trung", None)
    _form(
        reviewed_call, official, neutral, rival
    )  # seated before applying: allowed then
    theirs = _submit(profiled_pi, reviewed_call, team=[profiled_teammate.id])
    own = _submit(rival, reviewed_call)
    assert (rival.id, ConflictReason.COMPETING_APPLICANT) in _conflicts(
        reviewed_call, official
    )
    assert not policy.may_view_proposal(rival, theirs)
    assert policy.may_view_proposal(rival, own)
    assert proposals.list_proposals_for(rival, reviewed_call) == [own]
    assert councils.review_row(rival, theirs) is None
    _start_review(reviewed_call, official)
    assert [row.proposal for row in councils.review_sheet(rival, reviewed_call)] == [
        own
    ]
    with pytest.raises(Conflict) as error:
        councils.score_proposal(rival, theirs, FULL, now=AFTER)
    assert "competing_applicant" in error.value.message
    # The neutral member reads and scores both, and the rival's old marks would never count.
    assert policy.may_view_proposal(neutral, theirs)
    councils.score_proposal(neutral, theirs, FULL, now=AFTER)
    assert db.session.scalar(sa.select(sa.func.count(ProposalScore.id))) == 1
