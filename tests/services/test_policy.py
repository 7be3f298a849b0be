"""The one permission policy: who may and who may not, rule by rule, for every kind of person."""

from __future__ import annotations

import itertools
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from flask_login import AnonymousUserMixin

from matchmaker import lifecycle
from matchmaker.extensions import db
from matchmaker.models import (
    Attachment,
    Confidentiality,
    Council,
    CouncilMember,
    Enterprise,
    NeedStatus,
    OrderEvent,
    ProgressReport,
    Project,
    Proposal,
    ProposalMember,
    ProposalStatus,
    ResearcherProfile,
    Role,
    TechNeed,
    User,
    utcnow,
)
from matchmaker.services import policy

# Everybody the rules speak of; "anonymous" is Flask-Login's visitor, "nobody" is None.
PEOPLE = (
    "nobody", "anonymous", "admin", "official", "approver", "researcher", "colleague", "outsider", "pi",
    "member", "judge", "rival", "rep", "other_rep",
)  # fmt: skip


def _keys():
    counter = itertools.count(1)
    return lambda: f"k{next(counter):04d}"


@pytest.fixture
def world(app, make_user, places, make_order):
    """One of every kind of person around a published order with an awarded proposal, its council and a
    rival applicant, an enterprise with its needs, a researcher's profile and a project."""
    key = _keys()
    enterprise, other = Enterprise(slug="mekong", name="Mekong"), Enterprise(slug="song-hau", name="Sông Hậu")  # fmt: skip
    db.session.add_all([enterprise, other])
    db.session.commit()
    ctu = places["ctu"].id
    w = SimpleNamespace(nobody=None, anonymous=AnonymousUserMixin())
    w.admin = make_user(Role.ADMIN)
    w.official = make_user(Role.OFFICIAL)
    w.approver = make_user(Role.OFFICIAL, can_approve=True)
    w.researcher = make_user(Role.RESEARCHER, institution_id=ctu)
    w.colleague = make_user(Role.RESEARCHER, institution_id=ctu)
    w.outsider = make_user(Role.RESEARCHER, institution_id=places["vlu"].id)
    w.pi = make_user(Role.RESEARCHER, institution_id=ctu)
    w.member = make_user(Role.RESEARCHER)
    w.judge = make_user(Role.RESEARCHER)
    w.rival = make_user(Role.RESEARCHER)
    w.rep = make_user(Role.ENTERPRISE, enterprise_id=enterprise.id)
    w.other_rep = make_user(Role.ENTERPRISE, enterprise_id=other.id)
    w.enterprise = enterprise

    w.draft = make_order("Bản nháp", state="draft", internal_parts=["budget"])
    w.order = make_order("Đặt hàng", state="awarded", pi_id=w.pi.id, internal_parts=["budget", "attachments"])  # fmt: skip
    w.open_call = make_order("Gọi thầu", internal_parts=["objectives"])
    proposal = dict(budget=1, submitted_at=utcnow())
    w.awarded = Proposal(order_id=w.order.id, pi_id=w.pi.id, status=ProposalStatus.AWARDED, **proposal)  # fmt: skip
    w.rivals = Proposal(order_id=w.order.id, pi_id=w.rival.id, status=ProposalStatus.DECLINED, **proposal)  # fmt: skip
    db.session.add_all([w.awarded, w.rivals])
    db.session.flush()
    db.session.add(ProposalMember(proposal_id=w.awarded.id, user_id=w.member.id))
    council = Council(order_id=w.order.id)
    db.session.add(council)
    db.session.flush()
    db.session.add_all(
        [CouncilMember(council_id=council.id, user_id=u.id) for u in (w.judge, w.rival)]
    )
    event = OrderEvent(order_id=w.order.id, action="publish", to_state="published")
    db.session.add(event)
    db.session.flush()

    def file(order, **extra) -> Attachment:
        return Attachment(
            order_id=order.id, filename="a.pdf", size=1, sha256="0" * 64, storage_key=key(), **extra
        )  # fmt: skip

    w.files = {
        "public file": file(w.open_call, public=True),
        "internal file": file(w.open_call),
        "file of an internal part": file(w.order, public=True),
        "step file": file(w.order, event_id=event.id),
        "proposal file": file(w.order, proposal_id=w.awarded.id),
        "report file": file(w.order),
        "draft file": file(w.draft, public=True),
    }
    db.session.add_all(w.files.values())
    db.session.flush()
    db.session.add(
        ProgressReport(order_id=w.order.id, period="Q1", report_date=utcnow().date(), text="…", percent_complete=10, attachment_id=w.files["report file"].id)
    )  # fmt: skip

    w.needs = {
        c: TechNeed(enterprise_id=enterprise.id, title=c.value, description="…", confidentiality=c)
        for c in Confidentiality
    }  # fmt: skip
    w.closed_need = TechNeed(
        enterprise_id=enterprise.id, title="done", description="…", status=NeedStatus.FULFILLED
    )  # fmt: skip
    w.hidden_profile = ResearcherProfile(user_id=w.researcher.id, public=False)
    w.project = Project(title="Dự án", created_by_id=w.colleague.id, pi_id=w.pi.id)
    db.session.add_all([*w.needs.values(), w.closed_need, w.hidden_profile, w.project])
    db.session.commit()
    return w


def _check(world, rule, allowed: set[str]) -> None:
    answers = {name: rule(getattr(world, name)) for name in PEOPLE}
    assert {name for name, yes in answers.items() if yes} == allowed
    assert all(isinstance(a, bool) for a in answers.values())


STAFF = {"admin", "official", "approver"}
SIGNED_IN = set(PEOPLE) - {"nobody", "anonymous"}
PI_AND_TEAM = {"pi", "member"}


def test_staff_are_officials_and_administrators(world):
    _check(world, policy.is_staff, STAFF)
    _check(world, policy.is_admin, {"admin"})


def test_lifecycle_role_of_each_person(world):
    roles = {
        name: policy.lifecycle_role(getattr(world, name), world.order)
        for name in PEOPLE
    }
    assert {name: r for name, r in roles.items() if r is not None} == {
        "admin": lifecycle.Role.ADMIN,
        "official": lifecycle.Role.OFFICIAL,
        "approver": lifecycle.Role.APPROVER,
        "pi": lifecycle.Role.PI,
    }
    assert policy.lifecycle_role(world.pi) is None  # the PI of no order in particular


@pytest.mark.parametrize(
    ("order", "allowed"),
    [("draft", STAFF), ("open_call", set(PEOPLE)), ("order", set(PEOPLE))],
)
def test_may_view_order(world, order, allowed):
    _check(world, lambda u: policy.may_view_order(u, getattr(world, order)), allowed)


@pytest.mark.parametrize(
    ("order", "viewer", "parts"),
    [
        ("draft", "official", {*policy.ORDER_PARTS, policy.HISTORY}),
        ("draft", "pi", set()),
        ("draft", "anonymous", set()),
        ("open_call", "nobody", set(policy.ORDER_PARTS) - {"objectives"}),
        ("order", "pi", set(policy.ORDER_PARTS) - {"budget", "attachments"}),
        ("order", "admin", {*policy.ORDER_PARTS, policy.HISTORY}),
    ],
)
def test_visible_order_parts(world, order, viewer, parts):
    found = getattr(world, order)
    assert policy.visible_order_parts(getattr(world, viewer), found) == parts
    assert policy.may_see_budget(getattr(world, viewer), found) == ("budget" in parts)


def test_public_order_parts_leave_out_the_internal_ones_whatever_the_state(world):
    assert policy.public_order_parts(world.draft) == set(policy.ORDER_PARTS) - {
        "budget"
    }


@pytest.mark.parametrize(
    ("file", "allowed"),
    [
        ("public file", set(PEOPLE)),
        ("internal file", STAFF),
        ("file of an internal part", STAFF),
        ("step file", STAFF),
        (
            "proposal file",
            STAFF | PI_AND_TEAM | {"judge"},
        ),  # the rival sits on the council too
        ("report file", STAFF | PI_AND_TEAM),
        ("draft file", STAFF),
    ],
)
def test_may_download_attachment(world, file, allowed):
    _check(
        world, lambda u: policy.may_download_attachment(u, world.files[file]), allowed
    )


def test_may_view_proposal_not_by_a_rival_on_the_council(world):
    _check(
        world,
        lambda u: policy.may_view_proposal(u, world.awarded),
        STAFF | PI_AND_TEAM | {"judge"},
    )
    _check(
        world,
        lambda u: policy.may_view_proposal(u, world.rivals),
        STAFF | {"rival", "judge"},
    )
    assert policy.competing_proposal(world.rival.id, world.awarded) == world.rivals
    assert policy.competing_proposal(world.judge.id, world.awarded) is None


def test_may_follow_work_staff_and_the_awarded_team(world):
    assert policy.order_team_ids(world.order) == {world.pi.id, world.member.id}
    _check(world, lambda u: policy.may_follow_work(u, world.order), STAFF | PI_AND_TEAM)


@pytest.mark.parametrize(
    ("confidentiality", "known", "detailed"),
    [
        (Confidentiality.PUBLIC, set(PEOPLE), set(PEOPLE)),
        (Confidentiality.SUMMARY, set(PEOPLE), SIGNED_IN),
        (Confidentiality.PRIVATE, STAFF | {"rep"}, STAFF | {"rep"}),
    ],
)
def test_needs_by_confidentiality(world, confidentiality, known, detailed):
    need = world.needs[confidentiality]
    _check(world, lambda u: policy.may_view_need(u, need), known)
    _check(world, lambda u: policy.may_read_need_details(u, need), detailed)
    _check(world, lambda u: policy.may_read_private_need(u, need), STAFF | {"rep"})


@pytest.mark.parametrize("viewer", PEOPLE)
def test_visible_needs_selects_what_may_view_need_answers(world, viewer):
    user = getattr(world, viewer)
    listed = set(
        db.session.scalars(sa.select(TechNeed.id).where(policy.visible_needs(user)))
    )
    expected = {
        n.id
        for n in [*world.needs.values(), world.closed_need]
        if policy.may_view_need(user, n)
    }
    assert listed == expected


def test_enterprise_managers_and_interests(world):
    need = world.needs[Confidentiality.PUBLIC]
    _check(
        world,
        lambda u: policy.may_manage_enterprise(u, world.enterprise),
        {"admin", "rep"},
    )
    _check(world, lambda u: policy.may_answer_interest(u, need), {"rep"})
    researchers = {
        "researcher",
        "colleague",
        "outsider",
        "pi",
        "member",
        "judge",
        "rival",
    }
    _check(world, lambda u: policy.may_express_interest(u, need), researchers)
    _check(world, lambda u: policy.may_express_interest(u, world.closed_need), set())
    _check(
        world,
        lambda u: policy.may_express_interest(u, world.needs[Confidentiality.PRIVATE]),
        set(),
    )


def test_profiles(world):
    _check(world, lambda u: policy.may_view_profile(u, world.hidden_profile), SIGNED_IN)
    _check(
        world,
        lambda u: policy.may_edit_profile(u, world.hidden_profile),
        {"admin", "researcher"},
    )


def test_projects(world):
    registrars = STAFF | {
        "researcher",
        "colleague",
        "outsider",
        "pi",
    }  # researchers with an institution
    _check(world, policy.may_register_project, registrars)
    _check(
        world,
        lambda u: policy.may_edit_project(u, world.project),
        STAFF | {"colleague", "pi"},
    )


@pytest.mark.parametrize(
    ("user", "named", "directly"),
    [
        ("official", "outsider", True),
        ("researcher", "researcher", True),
        ("researcher", "colleague", True),  # same institution
        ("researcher", "outsider", False),
        ("member", "judge", False),  # neither has an institution
    ],
)
def test_may_link_pi_directly(world, user, named, directly):
    assert (
        policy.may_link_pi_directly(getattr(world, user), getattr(world, named))
        is directly
    )


@pytest.mark.parametrize(
    ("active", "pending", "works"),
    [(True, False, True), (False, True, True), (False, False, False)],
)
def test_may_use_links(make_user, active, pending, works):
    user = make_user(Role.RESEARCHER, active=active, invitation_pending=pending)
    assert policy.may_use_links(user) is works


def test_sql_conditions_select_admins_and_an_agencys_officials(
    world, places, make_user
):
    agency = places["so"].id
    elsewhere = make_user(Role.OFFICIAL, institution_id=places["ctu"].id)
    world.official.institution_id = agency
    db.session.commit()
    admins = set(db.session.scalars(sa.select(User.id).where(policy.admins())))
    officials = set(
        db.session.scalars(sa.select(User.id).where(policy.agency_officials(agency)))
    )
    assert admins == {world.admin.id}
    assert officials == {world.official.id} and elsewhere.id not in officials


def test_may_take_step_follows_the_lifecycle_table(world):
    _check(
        world,
        lambda u: policy.may_take_step(u, world.order, lifecycle.Action.START_WORK),
        STAFF,
    )
    world.order.state = lifecycle.OrderState.UNDER_REVIEW.value
    _check(
        world,
        lambda u: policy.may_take_step(u, world.order, lifecycle.Action.AWARD),
        {"admin", "approver"},
    )
    _check(
        world,
        lambda u: policy.may_take_step(u, world.order, lifecycle.Action.START_WORK),
        set(),
    )
