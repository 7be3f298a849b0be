"""The needs and interests services: rules of a need, who reads it, interests and their answers."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from matchmaker.extensions import db
from matchmaker.models import (
    Confidentiality,
    InterestStatus,
    NeedInterest,
    NeedStatus,
    Notification,
    Role,
    TechNeed,
)
from matchmaker.services import policy
from matchmaker.services.enterprises import interests, needs
from matchmaker.services.enterprises.needs import NeedFilters, NeedInput
from matchmaker.services.errors import Conflict, NotAllowed, ServiceError

TODAY = date(2026, 11, 23)


def _input(**overrides) -> NeedInput:
    fields = {
        "title": "Sấy lúa bằng năng lượng mặt trời",
        "description": "Lúa thu hoạch mùa mưa bị ẩm.",
        "field_code": "401",
        "priority_area": "rice_fruit",
        "budget_min": 100_000_000,
        "budget_max": 300_000_000,
        "deadline": TODAY + timedelta(days=30),
        "trl": 5,
    }
    return NeedInput(**(fields | overrides))


def _need(enterprise, **overrides) -> TechNeed:
    need = TechNeed(
        enterprise_id=enterprise.id,
        **({"title": "Nhu cầu", "description": "Mô tả"} | overrides),
    )
    db.session.add(need)
    db.session.commit()
    return need


def test_create_need(ctx, rep, rice_enterprise):
    need = needs.create_need(rep, _input(title="  Sấy lúa  "), today=TODAY)
    assert need.enterprise_id == rice_enterprise.id and need.created_by_id == rep.id
    assert need.title == "Sấy lúa" and need.status == NeedStatus.OPEN


def test_create_need_needs_an_enterprise(ctx, make_user):
    with pytest.raises(NotAllowed):
        needs.create_need(make_user(Role.ENTERPRISE), _input(), today=TODAY)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"budget_min": 5, "budget_max": 4}, "budget_max"),
        ({"budget_min": -1}, "budget_min"),
        ({"budget_max": 10**16}, "budget_max"),
        ({"deadline": TODAY - timedelta(days=1)}, "deadline"),
        ({"trl": 0}, "trl"),
        ({"field_code": "4"}, "field_code"),
        ({"priority_area": "moon"}, "priority_area"),
        ({"title": " "}, "title"),
        ({"title": "x" * 301}, "title"),
        ({"description": "x" * 5001}, "description"),
    ],
)
def test_create_need_rules(ctx, rep, overrides, field):
    with pytest.raises(ServiceError) as error:
        needs.create_need(rep, _input(**overrides), today=TODAY)
    assert error.value.field == field
    assert db.session.scalar(sa.select(TechNeed)) is None


def test_equal_budget_bounds_and_today_are_fine(ctx, rep):
    need = needs.create_need(
        rep, _input(budget_min=7, budget_max=7, deadline=TODAY), today=TODAY
    )
    assert need.budget_min == need.budget_max == 7


def test_update_keeps_a_past_deadline_and_changes_status(ctx, rep, rice_enterprise):
    need = _need(rice_enterprise, deadline=TODAY - timedelta(days=400))
    needs.update_need(
        rep,
        need,
        _input(deadline=TODAY - timedelta(days=400), status=NeedStatus.FULFILLED),
    )
    assert need.status == NeedStatus.FULFILLED and need.title.startswith("Sấy")


@pytest.mark.parametrize("role", [Role.ENTERPRISE, Role.RESEARCHER, Role.OFFICIAL])
def test_update_by_others_is_refused(ctx, make_user, rice_enterprise, role):
    need = _need(rice_enterprise)
    with pytest.raises(NotAllowed):
        needs.update_need(make_user(role), need, _input(status=NeedStatus.WITHDRAWN))
    db.session.rollback()
    assert db.session.get(TechNeed, need.id).status == NeedStatus.OPEN


def _viewers(make_user, rep):
    return {
        "anonymous": None,
        "researcher": make_user(Role.RESEARCHER),
        "other_enterprise": make_user(Role.ENTERPRISE),
        "official": make_user(Role.OFFICIAL),
        "admin": make_user(Role.ADMIN),
        "own_rep": rep,
    }


# viewer: (can view private, details of summary)
RIGHTS = {
    "anonymous": (False, False),
    "researcher": (False, True),
    "other_enterprise": (False, True),
    "official": (True, True),
    "admin": (True, True),
    "own_rep": (True, True),
}


def test_visibility_rules(ctx, make_user, rep, rice_enterprise):
    public = _need(rice_enterprise, confidentiality=Confidentiality.PUBLIC)
    summary = _need(rice_enterprise, confidentiality=Confidentiality.SUMMARY)
    private = _need(rice_enterprise, confidentiality=Confidentiality.PRIVATE)
    for name, user in _viewers(make_user, rep).items():
        sees_private, reads_summary = RIGHTS[name]
        assert policy.may_view_need(user, public) and policy.may_read_need_details(
            user, public
        )
        assert policy.may_view_need(user, summary), name
        assert policy.may_read_need_details(user, summary) == reads_summary, name
        assert policy.may_view_need(user, private) == sees_private, name
        assert policy.may_read_need_details(user, private) == sees_private, name
        listed = {n.id for n in needs.list_needs(user, NeedFilters(), 1).items}
        assert (private.id in listed) == sees_private, name
        assert {public.id, summary.id} <= listed


def test_list_filters(ctx, rice_enterprise):
    rice = _need(
        rice_enterprise, title="Lúa", field_code="401", priority_area="rice_fruit"
    )
    shrimp = _need(
        rice_enterprise, title="Tôm", field_code="405", status=NeedStatus.WITHDRAWN
    )

    def ids(**filters) -> list[int]:
        return [n.id for n in needs.list_needs(None, NeedFilters(**filters), 1).items]

    assert ids(field_code="401") == [rice.id]
    assert ids(priority_area="rice_fruit") == [rice.id]
    assert ids(status=NeedStatus.WITHDRAWN) == [shrimp.id]
    assert ids(query="TÔM") == [shrimp.id]
    assert ids(enterprise_id=rice_enterprise.id + 1) == []
    assert needs.list_needs(None, NeedFilters(), 1, per_page=1).pages == 2


# --- interests ------------------------------------------------------------------------------


@pytest.fixture
def needs_researcher(make_user):
    return make_user(Role.RESEARCHER, full_name="TS. Năm")


def test_express_interest_notifies_every_representative(
    ctx, make_user, rep, rice_enterprise, needs_researcher, outbox
):
    colleague = make_user(Role.ENTERPRISE, enterprise_id=rice_enterprise.id)
    need = _need(rice_enterprise)
    interest = interests.express_interest(needs_researcher, need, "  Tôi làm được.  ")
    assert (
        interest.message == "Tôi làm được."
        and interest.status == InterestStatus.PENDING
    )
    notes = db.session.scalars(sa.select(Notification).order_by(Notification.user_id))
    assert [(n.user_id, n.kind) for n in notes] == sorted(
        [(rep.id, "interest_received"), (colleague.id, "interest_received")]
    )
    assert sorted(m.to[0] for m in outbox) == sorted([rep.email, colleague.email])


def test_express_interest_once(ctx, rep, rice_enterprise, needs_researcher):
    need = _need(rice_enterprise)
    interests.express_interest(needs_researcher, need, "Một")
    with pytest.raises(Conflict):
        interests.express_interest(needs_researcher, need, "Hai")
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(NeedInterest.id))) == 1
    assert db.session.scalar(sa.select(sa.func.count(Notification.id))) == 1


@pytest.mark.parametrize("status", [NeedStatus.WITHDRAWN, NeedStatus.FULFILLED])
def test_express_interest_in_a_closed_need(
    ctx, rice_enterprise, needs_researcher, status
):
    need = _need(rice_enterprise, status=status)
    assert not policy.may_express_interest(needs_researcher, need)
    with pytest.raises(Conflict):
        interests.express_interest(needs_researcher, need, "Muộn rồi")


def test_express_interest_in_discussion_is_still_possible(
    ctx, rice_enterprise, needs_researcher
):
    need = _need(rice_enterprise, status=NeedStatus.IN_DISCUSSION)
    assert policy.may_express_interest(needs_researcher, need)
    assert interests.express_interest(needs_researcher, need, "Vẫn kịp").id


@pytest.mark.parametrize("message", ["", "   ", "x" * 1001])
def test_express_interest_message_rules(
    ctx, rice_enterprise, needs_researcher, message
):
    with pytest.raises(ServiceError) as error:
        interests.express_interest(needs_researcher, _need(rice_enterprise), message)
    assert error.value.field == "message"


def test_express_interest_only_for_researchers_who_can_read_the_need(
    ctx, make_user, rice_enterprise, needs_researcher
):
    with pytest.raises(NotAllowed):
        interests.express_interest(
            make_user(Role.OFFICIAL), _need(rice_enterprise), "Xin"
        )
    private = _need(rice_enterprise, confidentiality=Confidentiality.PRIVATE)
    with pytest.raises(NotAllowed):
        interests.express_interest(needs_researcher, private, "Xin")


def test_list_interests_only_for_the_owners(
    ctx, make_user, rep, rice_enterprise, needs_researcher
):
    need = _need(rice_enterprise)
    interests.express_interest(needs_researcher, need, "Xin chào")
    [row] = interests.list_interests(rep, need)
    assert row.interest.user_id == needs_researcher.id and row.profile_id is None
    assert interests.list_interests(make_user(Role.ADMIN), need)
    assert interests.list_interests(needs_researcher, need) == []
    assert interests.list_interests(make_user(Role.ENTERPRISE), need) == []
    assert interests.list_interests(None, need) == []


@pytest.mark.parametrize("accept", [True, False])
def test_decide_interest(ctx, rep, rice_enterprise, needs_researcher, outbox, accept):
    need = _need(rice_enterprise)
    interest = interests.express_interest(needs_researcher, need, "Xin chào")
    outbox.clear()
    interests.decide_interest(rep, interest, accept)
    assert interest.status == (
        InterestStatus.ACCEPTED if accept else InterestStatus.DECLINED
    )
    assert need.status == (NeedStatus.IN_DISCUSSION if accept else NeedStatus.OPEN)
    note = db.session.scalar(
        sa.select(Notification).where(Notification.user_id == needs_researcher.id)
    )
    assert note.kind == ("interest_accepted" if accept else "interest_declined")
    assert [m.to for m in outbox] == [[needs_researcher.email]]


@pytest.mark.parametrize(
    "role", [Role.ENTERPRISE, Role.ADMIN, Role.OFFICIAL, Role.RESEARCHER]
)
def test_decide_interest_by_others_is_refused(
    ctx, make_user, rice_enterprise, needs_researcher, role
):
    interest = interests.express_interest(
        needs_researcher, _need(rice_enterprise), "Xin chào"
    )
    with pytest.raises(NotAllowed):
        interests.decide_interest(make_user(role), interest, True)
    db.session.rollback()
    assert db.session.get(NeedInterest, interest.id).status == InterestStatus.PENDING


def test_decide_interest_once(ctx, rep, rice_enterprise, needs_researcher):
    interest = interests.express_interest(
        needs_researcher, _need(rice_enterprise), "Xin chào"
    )
    interests.decide_interest(rep, interest, False)
    with pytest.raises(Conflict):
        interests.decide_interest(rep, interest, True)
    assert interest.status == InterestStatus.DECLINED
