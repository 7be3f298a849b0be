"""Exact assignment of lead reviewers for a council's proposals, and their notification."""

from __future__ import annotations

import itertools

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from matchmaker.extensions import db
from matchmaker.models import (
    LeadReviewer,
    Notification,
    Proposal,
    ResearchOrder,
    Role,
    User,
)
from matchmaker.services.errors import Conflict, NotAllowed
from matchmaker.services.messaging import notifications
from matchmaker.services.orders import councils, proposals
from matchmaker.services.orders.assignment import lead_reviewers as assignments
from matchmaker.services.orders.assignment import open_calls as order_assignment

FISH = (
    "Phòng bệnh gan thận mủ trên cá tra giống bằng vắc xin và quản lý ao nuôi cá tra."
)
SALT_FISH = "Ảnh hưởng của xâm nhập mặn đến nuôi cá tra thâm canh ven sông Hậu."


@pytest.fixture
def assigned_order(make_order) -> ResearchOrder:
    return make_order("Cá tra vùng ven sông Hậu", "Nuôi cá tra thích ứng mặn.")


def _submit(pi: User, order: ResearchOrder, approach: str) -> Proposal:
    data = proposals.ProposalInput(approach=approach, budget=500_000_000)
    return proposals.submit_proposal(pi, order, data)


def _council(official, order, chair: User, *members: User):
    return councils.form_council(official, order, chair.id, [m.id for m in members])


def _pairs(plan) -> set[tuple[int, int]]:
    """(proposal id, user id) of every proposed or recorded reviewer."""
    return {
        (row.proposal.id, r.member.user_id) for row in plan.rows for r in row.reviewers
    }


def _loads(plan) -> dict[int, int]:
    loads: dict[int, int] = {}
    for row in plan.rows:
        for r in row.reviewers:
            loads[r.member.user_id] = loads.get(r.member.user_id, 0) + 1
    return loads


@pytest.fixture
def applicants(make_researcher) -> list[User]:
    """Three principal investigators, all of Trà Vinh university."""
    return [
        make_researcher(f"Chủ nhiệm {n}", "tvu", ["nuôi trồng thủy sản"])
        for n in (1, 2, 3)
    ]


# --- Lead reviewers ---------------------------------------------------------------------------------------


def test_lead_reviewers_meet_the_demand_with_balanced_loads(
    official, assigned_order, applicants, reviewers
):
    items = [_submit(pi, assigned_order, SALT_FISH) for pi in applicants]
    _council(official, assigned_order, *reviewers.values())
    plan = assignments.propose_lead_reviewers(official, assigned_order)
    assert [row.proposal.id for row in plan.rows] == [p.id for p in items]
    assert all(len({r.member.id for r in row.reviewers}) == 2 for row in plan.rows)
    assert plan.max_load == 2  # ceil(2 × 3 proposals / 4 members)
    assert max(_loads(plan).values()) <= 2 and not plan.short_rows


def test_conflicted_members_are_never_proposed(
    official, assigned_order, applicants, reviewers, make_researcher
):
    items = [_submit(pi, assigned_order, SALT_FISH) for pi in applicants]
    colleague = make_researcher("Đồng Nghiệp", "tvu", ["cá tra", "xâm nhập mặn"])
    council = _council(official, assigned_order, reviewers["both"], colleague, reviewers["salt1"], reviewers["fish"])  # fmt: skip
    # The generalist declares a conflict with the first proposal only.
    councils.declare_conflict(reviewers["both"], items[0], "Đồng tác giả")
    plan = assignments.propose_lead_reviewers(official, assigned_order)
    pairs = _pairs(plan)
    assert (items[0].id, reviewers["both"].id) not in pairs
    # The applicants' colleague is in conflict with every proposal: never a reviewer.
    assert colleague.id not in {user for _, user in pairs}
    for member in council.members:
        for item in items:
            if councils.conflicts_of(member, item):
                assert (item.id, member.user_id) not in pairs
    # Three members left for six places at most two each: still every proposal covered.
    assert not plan.short_rows and max(_loads(plan).values()) <= 2


def _brute_force(scores, allowed, load: int) -> float:
    """The best total over every way of giving each proposal two members, each at most ``load``."""
    n_items, n_members = scores.shape
    best = -1.0
    choices = list(itertools.combinations(range(n_members), 2))
    for picks in itertools.product(choices, repeat=n_items):
        counts = [sum(j in pick for pick in picks) for j in range(n_members)]
        if max(counts) > load or not all(
            allowed[i][j] for i, pick in enumerate(picks) for j in pick
        ):
            continue
        best = max(
            best, sum(scores[i, j] for i, pick in enumerate(picks) for j in pick)
        )
    return best


def _greedy(scores, load: int) -> tuple[float, list[set[int]]]:
    """Proposal by proposal, the two best members still free: the obvious choice."""
    used = [0] * scores.shape[1]
    total, picks = 0.0, []
    for row in scores:
        free = [j for j in range(len(row)) if used[j] < load]
        pick = sorted(free, key=lambda j: -row[j])[:2]
        for j in pick:
            used[j] += 1
        total += sum(row[j] for j in pick)
        picks.append(set(pick))
    return total, picks


def test_lead_reviewers_are_optimal_where_the_greedy_choice_is_wrong(
    official, assigned_order, applicants, reviewers
):
    items = [_submit(applicants[0], assigned_order, SALT_FISH), _submit(applicants[1], assigned_order, FISH)]  # fmt: skip
    council = _council(official, assigned_order, *reviewers.values())
    members = list(council.members)
    scores = assignments.member_scores(assigned_order, items, members)
    greedy_total, greedy_picks = _greedy(scores, load=1)
    plan = assignments.propose_lead_reviewers(official, assigned_order)
    assert plan.max_load == 1
    assert plan.total_affinity == pytest.approx(
        _brute_force(scores, [[True] * 4] * 2, 1)
    )
    # Greedy hands the first proposal its two best reviewers, the fish pathologist among them, and leaves
    # the pathology proposal the salinity experts; the optimum gives it the pathologist and the generalist.
    fish = next(j for j, m in enumerate(members) if m.user_id == reviewers["fish"].id)
    assert fish in greedy_picks[0]
    assert plan.total_affinity > greedy_total + 0.1
    pathology = {u for p, u in _pairs(plan) if p == items[1].id}
    assert pathology == {reviewers["both"].id, reviewers["fish"].id}


def test_a_small_council_gives_fewer_reviewers_and_says_so(
    official, assigned_order, applicants, reviewers
):
    items = [_submit(pi, assigned_order, SALT_FISH) for pi in applicants[:2]]
    _council(official, assigned_order, reviewers["both"])
    plan = assignments.propose_lead_reviewers(official, assigned_order)
    assert _pairs(plan) == {(p.id, reviewers["both"].id) for p in items}
    assert plan.short_rows == plan.rows


def test_members_without_a_profile_still_cover_the_proposals(
    official, assigned_order, applicants, reviewers, make_user
):
    items = [_submit(pi, assigned_order, FISH) for pi in applicants[:2]]
    colleague = make_user(Role.OFFICIAL, full_name="Cán Bộ Hai")
    _council(official, assigned_order, official, colleague, reviewers["fish"])
    plan = assignments.propose_lead_reviewers(official, assigned_order)
    # Two places per proposal, at most two per member: the fish expert takes both, the officials
    # (who score 0) fill the remaining places rather than leaving them empty.
    assert not plan.short_rows
    assert {(p.id, reviewers["fish"].id) for p in items} <= _pairs(plan)
    zero = [r for row in plan.rows for r in row.reviewers if r.member.user.role == Role.OFFICIAL]  # fmt: skip
    assert len(zero) == 2 and all(r.score == 0 for r in zero)


def test_recording_replaces_the_earlier_record_and_notifies(
    official, assigned_order, applicants, reviewers
):
    items = [_submit(pi, assigned_order, SALT_FISH) for pi in applicants]
    _council(official, assigned_order, *reviewers.values())
    first = assignments.record_lead_reviewers(official, assigned_order)
    assert _count(LeadReviewer) == 6
    assert _pairs(
        assignments.recorded_lead_reviewers(official, assigned_order)
    ) == _pairs(first)
    # Every member who leads a proposal is told, with a link to their review sheet.
    assert {n.user_id for n in _notes(assigned_order)} == {u for _, u in _pairs(first)}
    led = next(row for row in first.rows if row.proposal.id == items[0].id)
    quitting = led.reviewers[0].member.user
    councils.declare_conflict(quitting, items[0], "Có quan hệ gia đình")
    second = assignments.record_lead_reviewers(official, assigned_order)
    assert _count(LeadReviewer) == 6
    recorded = assignments.recorded_lead_reviewers(official, assigned_order)
    assert _pairs(recorded) == _pairs(second)
    assert (items[0].id, quitting.id) not in _pairs(recorded)
    assert all(r.valid for row in recorded.rows for r in row.reviewers)
    # Only the members whose proposals changed are told again.
    changed = {
        u for u in {u for _, u in _pairs(first) | _pairs(second)}
        if {p for p, v in _pairs(first) if v == u} != {p for p, v in _pairs(second) if v == u}
    }  # fmt: skip
    assert quitting.id in changed
    told_again = changed & {u for _, u in _pairs(second)}
    assert len(_notes(assigned_order)) == len({u for _, u in _pairs(first)}) + len(
        told_again
    )


def test_lead_reviewers_are_told_how_many_proposals_of_which_order_they_lead(
    official, assigned_order, applicants, reviewers, outbox
):
    [_submit(pi, assigned_order, SALT_FISH) for pi in applicants]
    _council(official, assigned_order, *reviewers.values())
    outbox.clear()  # the council invitations
    plan = assignments.record_lead_reviewers(official, assigned_order)
    notes = _notes(assigned_order)
    assert notes and {n.kind for n in notes} == {"lead_reviewer_assigned"}
    for note in notes:
        led = sum(1 for _, u in _pairs(plan) if u == note.user_id)
        with force_locale("en"):
            assert notifications.render(note) == (
                f"Lê Văn Cán Bộ made you lead reviewer of {led} proposal(s) to “{assigned_order.title}”."
            )
        with force_locale("vi"):
            text = notifications.render(note)
        assert (
            assigned_order.title in text and "phản biện" in text and f" {led} " in text
        )
    # Mailed in Vietnamese to each of them.
    emails = [db.session.get(User, n.user_id).email for n in notes]
    assert sorted(m.to[0] for m in outbox) == sorted(emails)


def test_a_reviewer_conflicted_after_recording_is_no_longer_valid(
    official, assigned_order, applicants, reviewers
):
    items = [_submit(pi, assigned_order, SALT_FISH) for pi in applicants[:2]]
    _council(official, assigned_order, *reviewers.values())
    plan = assignments.record_lead_reviewers(official, assigned_order)
    member = plan.rows[0].reviewers[0].member
    assert items[0].id in _led(member.user, assigned_order)
    councils.declare_conflict(member.user, items[0], "Đồng tác giả")
    recorded = assignments.recorded_lead_reviewers(official, assigned_order)
    row = next(r for r in recorded.rows if r.proposal.id == items[0].id)
    voided = next(r for r in row.reviewers if r.member.id == member.id)
    assert not voided.valid and row.is_short and recorded.short_rows == [row]
    assert items[0].id not in _led(member.user, assigned_order)


def test_a_withdrawn_proposal_stays_in_the_record_but_not_under_review(
    official, assigned_order, applicants, reviewers
):
    items = [_submit(pi, assigned_order, SALT_FISH) for pi in applicants[:2]]
    _council(official, assigned_order, *reviewers.values())
    assignments.record_lead_reviewers(official, assigned_order)
    proposals.withdraw_proposal(applicants[0], items[0])
    recorded = assignments.recorded_lead_reviewers(official, assigned_order)
    active = {row.proposal.id: row.is_active for row in recorded.rows}
    assert active == {items[0].id: False, items[1].id: True}
    proposed = assignments.propose_lead_reviewers(official, assigned_order)
    assert [row.proposal.id for row in proposed.rows] == [items[1].id]


def _led(user: User, order: ResearchOrder) -> set[int]:
    return {row.proposal.id for row in councils.review_sheet(user, order) if row.leads}


def test_members_see_the_proposals_they_lead_on_their_sheet(
    official, assigned_order, applicants, reviewers
):
    [_submit(pi, assigned_order, SALT_FISH) for pi in applicants]
    _council(official, assigned_order, *reviewers.values())
    plan = assignments.record_lead_reviewers(official, assigned_order)
    for user in reviewers.values():
        expected = {p for p, u in _pairs(plan) if u == user.id}
        assert _led(user, assigned_order) == expected


def test_only_officials_assign_reviewers(
    official, assigned_order, applicants, reviewers
):
    _submit(applicants[0], assigned_order, FISH)
    _council(official, assigned_order, *reviewers.values())
    with pytest.raises(NotAllowed):
        assignments.propose_lead_reviewers(reviewers["fish"], assigned_order)
    with pytest.raises(NotAllowed):
        assignments.record_lead_reviewers(reviewers["fish"], assigned_order)
    assert _count(LeadReviewer) == 0


def test_without_a_council_or_proposals_nothing_is_recorded(
    official, assigned_order, reviewers
):
    with pytest.raises(Conflict):
        assignments.propose_lead_reviewers(official, assigned_order)
    _council(official, assigned_order, *reviewers.values())
    assert assignments.propose_lead_reviewers(official, assigned_order).rows == []
    with pytest.raises(Conflict):
        assignments.record_lead_reviewers(official, assigned_order)


def test_no_matcher_yet_is_a_clear_refusal(official, assigned_order, make_user, places):
    pi = make_user(Role.RESEARCHER, institution_id=places["tvu"].id)
    _submit(pi, assigned_order, FISH)
    _council(official, assigned_order, official)
    # No researcher has written anything: there is nothing to match with.
    with pytest.raises(assignments.MatchingUnavailable):
        assignments.propose_lead_reviewers(official, assigned_order)
    with pytest.raises(assignments.MatchingUnavailable):
        order_assignment.propose_researchers(official)


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count(model.id)))


def _notes(order: ResearchOrder) -> list[Notification]:
    """Notifications pointing to the order's review sheet (the lead reviewers')."""
    stmt = sa.select(Notification).where(
        Notification.endpoint == "orders.council.review",
        Notification.endpoint_values["order_id"].as_integer() == order.id,
    )
    return list(db.session.scalars(stmt))
