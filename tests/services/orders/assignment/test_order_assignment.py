"""Researchers for the open orders (exact assignment, nothing stored) and the invitations to apply."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from matchmaker.demo import loader as demo
from matchmaker.extensions import db
from matchmaker.models import (
    Notification,
    Proposal,
    ResearcherProfile,
    ResearchOrder,
    Role,
    User,
    utcnow,
)
from matchmaker.services.errors import Conflict, NotAllowed
from matchmaker.services.matching import matches as matching
from matchmaker.services.messaging import notifications
from matchmaker.services.orders import councils, proposals
from matchmaker.services.orders.assignment import open_calls as order_assignment

FISH = (
    "Phòng bệnh gan thận mủ trên cá tra giống bằng vắc xin và quản lý ao nuôi cá tra."
)


def _submit(pi: User, order: ResearchOrder, approach: str) -> Proposal:
    data = proposals.ProposalInput(approach=approach, budget=500_000_000)
    return proposals.submit_proposal(pi, order, data)


# --- Researchers for open orders --------------------------------------------------------------------------


def _proposed(plan) -> dict[int, list[int]]:
    return {row.order.id: [v.key for v in row.researchers] for row in plan.rows}


def _excluded(order: ResearchOrder) -> frozenset[int]:
    author = db.session.scalars(
        sa.select(ResearcherProfile.id).where(
            ResearcherProfile.user_id == order.created_by_id
        )
    )
    return matching.conflicted_profile_ids(order) | frozenset(author)


def _profile(user: User) -> int:
    return db.session.scalar(
        sa.select(ResearcherProfile.id).where(ResearcherProfile.user_id == user.id)
    )


def test_researchers_go_to_open_orders_only(official, make_order, reviewers):
    fish = make_order("Phòng bệnh cá tra giống", FISH)
    make_order("Bệnh cá tra (đã đóng)", FISH, application_deadline=utcnow() - timedelta(days=1))  # fmt: skip
    make_order("Bệnh cá tra (dự thảo)", FISH, state="draft")
    plan = order_assignment.propose_researchers(official, 2, 1)
    assert [row.order.id for row in plan.rows] == [fish.id]
    assert _proposed(plan)[fish.id][0] in {_profile(reviewers["both"]), _profile(reviewers["fish"])}  # fmt: skip


def test_a_researcher_goes_to_at_most_m_orders(official, make_order, reviewers):
    first = make_order("Bệnh gan thận mủ cá tra", FISH)
    second = make_order("Vắc xin cho cá tra giống", FISH)
    one = order_assignment.propose_researchers(official, 2, 1)
    taken = [key for keys in _proposed(one).values() for key in keys]
    assert len(taken) == len(set(taken))
    assert set(_proposed(one)) == {first.id, second.id}
    two = order_assignment.propose_researchers(official, 2, 2)
    taken = [key for keys in _proposed(two).values() for key in keys]
    assert max(taken.count(k) for k in taken) <= 2
    # Relaxing a limit never lowers the optimum.
    assert two.total_affinity >= one.total_affinity - 1e-9


def test_conflicted_researchers_are_not_proposed_for_that_order(
    official, make_order, reviewers, make_researcher
):
    first = make_order("Bệnh gan thận mủ cá tra", FISH)
    second = make_order("Vắc xin cho cá tra giống", FISH)
    # The generalist applies to the first order: not proposed for it (their colleagues neither).
    _submit(reviewers["both"], first, FISH)
    plan = order_assignment.propose_researchers(official, 3, 2)
    assert _profile(reviewers["both"]) not in _proposed(plan)[first.id]
    assert _profile(reviewers["both"]) in _proposed(plan)[second.id]
    assert not set(_proposed(plan)[first.id]) & _excluded(first)


def test_unavailable_researchers_are_not_proposed(
    official, make_order, make_researcher
):
    busy = make_researcher("Bận Rộn", "ctu", ["cá tra", "bệnh gan thận mủ"], FISH, open_to_orders=False)  # fmt: skip
    free = make_researcher("Rảnh Rỗi", "vlu", ["cá tra"], "Nuôi cá tra.")
    order = make_order("Bệnh gan thận mủ cá tra", FISH)
    proposed = _proposed(order_assignment.propose_researchers(official, 3, 1))[order.id]
    assert _profile(busy) not in proposed and _profile(free) in proposed


def test_demo_orders_get_at_most_m_orders_per_researcher_and_no_conflict(app):
    demo.load_demo_data()
    official = db.session.scalar(
        sa.select(User).where(User.email == demo.APPROVING_OFFICIAL)
    )
    open_orders = order_assignment.list_open_orders()
    assert len(open_orders) >= 3
    for per_researcher in (1, 2):
        plan = order_assignment.propose_researchers(official, 3, per_researcher)
        assert [row.order.id for row in plan.rows] == [o.id for o in open_orders]
        taken = [key for keys in _proposed(plan).values() for key in keys]
        assert taken and max(taken.count(k) for k in taken) <= per_researcher
        for row in plan.rows:
            assert len(row.researchers) <= 3
            assert not {v.key for v in row.researchers} & _excluded(row.order)
            assert row.is_short == (len(row.researchers) < 3)
        assert plan.total_affinity == pytest.approx(
            sum(v.score for row in plan.rows for v in row.researchers)
        )


@pytest.mark.parametrize(
    ("per_order", "per_researcher"), [(0, 1), (11, 1), (3, 0), (3, 6), (True, 1)]
)
def test_out_of_range_limits_are_refused(official, per_order, per_researcher):
    with pytest.raises(Conflict):
        order_assignment.propose_researchers(official, per_order, per_researcher)


def test_only_officials_propose_researchers(make_user):
    with pytest.raises(NotAllowed):
        order_assignment.propose_researchers(make_user(Role.RESEARCHER))


# --- Invitations to apply ---------------------------------------------------------------------------------


@pytest.fixture
def order(make_order) -> ResearchOrder:
    return make_order("Phòng bệnh gan thận mủ cá tra giống", FISH)


def _invited(order: ResearchOrder) -> list[int]:
    """The user of every invitation to ``order``, oldest first."""
    stmt = (
        sa.select(Notification.user_id)
        .where(
            Notification.kind == "call_invitation",
            Notification.endpoint == "orders.detail",
            Notification.endpoint_values["order_id"].as_integer() == order.id,
        )
        .order_by(Notification.id)
    )
    return list(db.session.scalars(stmt))


def _count_notes() -> int:
    return db.session.scalar(sa.select(sa.func.count(Notification.id)))


def test_invited_researchers_are_notified_once(official, order, reviewers, outbox):
    fish, salt, both = reviewers["fish"], reviewers["salt1"], reviewers["both"]
    first = order_assignment.invite_researchers(
        official, order, [_profile(fish), _profile(salt)]
    )
    assert first == order_assignment.Invitations(invited=2, already_invited=0, refused=0)  # fmt: skip
    assert _invited(order) == [fish.id, salt.id]
    # Inviting the same researchers again (one more this time) tells only the new one.
    second = order_assignment.invite_researchers(
        official, order, [_profile(salt), _profile(fish), _profile(both)]
    )
    assert second == order_assignment.Invitations(invited=1, already_invited=2, refused=0)  # fmt: skip
    assert _invited(order) == [fish.id, salt.id, both.id]
    assert sorted(m.to[0] for m in outbox) == sorted(u.email for u in (fish, salt, both))  # fmt: skip


def test_a_profile_listed_twice_is_invited_once(official, order, reviewers):
    profile = _profile(reviewers["fish"])
    done = order_assignment.invite_researchers(official, order, [profile, profile])
    assert done == order_assignment.Invitations(1, 0, 0)
    assert _invited(order) == [reviewers["fish"].id]


def test_other_orders_and_other_kinds_do_not_count_as_invited(
    official, order, make_order, reviewers
):
    fish = reviewers["fish"]
    other = make_order("Vắc xin cho cá tra giống", FISH)
    order_assignment.invite_researchers(official, other, [_profile(fish)])
    # The council invitation links to the order's page too, but is no invitation to apply.
    councils.form_council(official, order, fish.id, [])
    council_note = db.session.scalar(
        sa.select(Notification).where(Notification.kind == "council_invited")
    )
    assert (council_note.endpoint, council_note.endpoint_values) == (
        "orders.detail",
        {"order_id": order.id},
    )
    done = order_assignment.invite_researchers(official, order, [_profile(fish)])
    assert done == order_assignment.Invitations(1, 0, 0)
    assert _invited(order) == [fish.id] and _invited(other) == [fish.id]


@pytest.fixture
def refusable(make_order, make_researcher, make_user) -> tuple[ResearchOrder, dict[str, int]]:  # fmt: skip
    """An open order written by a researcher, and one profile id per reason to refuse an invitation."""
    author = make_researcher("Tác Giả", "lua", ["cá tra"], "Bệnh cá tra.")
    order = make_order("Phòng bệnh cá tra giống", FISH, created_by_id=author.id)
    applicant = make_researcher("Chủ Nhiệm", "tvu", ["cá tra"], "Nuôi cá tra.")
    colleague = make_researcher("Đồng Nghiệp", "tvu", ["cá tra"], "Nuôi cá tra.")
    _submit(applicant, order, FISH)
    inactive = make_researcher("Nghỉ Việc", "ctu", ["cá tra"], "Nuôi cá tra.")
    inactive.active = False
    unavailable = make_researcher("Bận Rộn", "ctu", ["cá tra"], FISH, open_to_orders=False)  # fmt: skip
    firm = make_user(Role.ENTERPRISE, full_name="Doanh Nghiệp")
    db.session.add(ResearcherProfile(user=firm, keywords=["cá tra"], links=[]))
    db.session.commit()
    people = {
        "author": author, "applicant": applicant, "colleague": colleague,
        "inactive": inactive, "unavailable": unavailable, "not a researcher": firm,
    }  # fmt: skip
    ids = {reason: _profile(user) for reason, user in people.items()}
    return order, ids | {"unknown": 987_654, "beyond an integer": 2**31}


@pytest.mark.parametrize(
    "reason",
    ["author", "applicant", "colleague", "inactive", "unavailable", "not a researcher",
     "unknown", "beyond an integer"],
)  # fmt: skip
def test_a_researcher_who_may_not_be_invited_is_refused_and_counted(
    official, refusable, reviewers, reason
):
    order, ids = refusable
    fish = reviewers["fish"]
    done = order_assignment.invite_researchers(official, order, [ids[reason], _profile(fish)])  # fmt: skip
    assert done == order_assignment.Invitations(invited=1, already_invited=0, refused=1)  # fmt: skip
    assert _invited(order) == [fish.id]


def test_all_refused_at_once_notifies_nobody(official, refusable):
    order, ids = refusable
    before = _count_notes()
    done = order_assignment.invite_researchers(official, order, list(ids.values()))
    assert done == order_assignment.Invitations(0, 0, len(ids))
    assert _count_notes() == before and _invited(order) == []


@pytest.mark.parametrize(
    "change",
    [
        {"application_deadline": timedelta(minutes=-1)},  # from now
        {"state": "draft"},
        {"state": "applications_closed"},
    ],
)
def test_an_order_not_open_for_proposals_is_refused_and_nothing_is_written(
    now, official, make_order, reviewers, change
):
    change = {k: now + v if isinstance(v, timedelta) else v for k, v in change.items()}
    order = make_order("Bệnh gan thận mủ cá tra", FISH, **change)
    with pytest.raises(Conflict, match="ngừng nhận hồ sơ"):
        order_assignment.invite_researchers(official, order, [_profile(reviewers["fish"])])  # fmt: skip
    db.session.rollback()
    assert _count_notes() == 0


def test_an_order_closed_since_the_page_was_shown_is_refused(official, order, reviewers):  # fmt: skip
    # Another official closed the call after this one loaded the order.
    db.session.execute(
        sa.update(ResearchOrder)
        .where(ResearchOrder.id == order.id)
        .values(state="applications_closed")
    )
    db.session.commit()
    with pytest.raises(Conflict):
        order_assignment.invite_researchers(official, order, [_profile(reviewers["fish"])])  # fmt: skip
    db.session.rollback()
    assert _count_notes() == 0


@pytest.mark.parametrize(
    "profile_ids", [[], list(range(1, 12)), [True], ["1"], [1.0]], ids=repr
)
def test_a_bad_list_of_researchers_is_refused(official, order, reviewers, profile_ids):
    with pytest.raises(Conflict):
        order_assignment.invite_researchers(official, order, profile_ids)
    db.session.rollback()
    assert _count_notes() == 0


@pytest.mark.parametrize("role", [Role.RESEARCHER, Role.ENTERPRISE])
def test_only_officials_invite(make_user, order, reviewers, role):
    with pytest.raises(NotAllowed):
        order_assignment.invite_researchers(
            make_user(role), order, [_profile(reviewers["fish"])]
        )
    assert _count_notes() == 0


def test_admins_invite_too(make_user, order, reviewers):
    admin = make_user(Role.ADMIN, full_name="Quản Trị")
    done = order_assignment.invite_researchers(admin, order, [_profile(reviewers["fish"])])  # fmt: skip
    assert done.invited == 1


def test_the_invitation_names_the_order_and_links_to_it(official, order, reviewers, outbox):  # fmt: skip
    order_assignment.invite_researchers(official, order, [_profile(reviewers["fish"])])
    note = db.session.scalar(
        sa.select(Notification).where(Notification.kind == "call_invitation")
    )
    assert note.user_id == reviewers["fish"].id
    assert (note.endpoint, note.endpoint_values) == (
        "orders.detail",
        {"order_id": order.id},
    )
    with force_locale("en"):
        assert notifications.render(note) == (
            "Lê Văn Cán Bộ invites you to submit a proposal to the open call "
            "“Phòng bệnh gan thận mủ cá tra giống”."
        )
    with force_locale("vi"):
        text = notifications.render(note)
    assert "Lê Văn Cán Bộ" in text and "“Phòng bệnh gan thận mủ cá tra giống”" in text
    assert "đề xuất" in text
    [mail] = outbox
    assert mail.to == [reviewers["fish"].email] and mail.subject == text
    assert f"/orders/{order.id}" in mail.body
