"""Researchers express interest in needs; the enterprise's representatives answer; both sides are told."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from matchmaker.extensions import db
from matchmaker.models import (
    Confidentiality,
    Institution,
    InstitutionKind,
    InterestStatus,
    NeedInterest,
    NeedStatus,
    Notification,
    ResearcherProfile,
    Role,
)

MESSAGE = "Nhóm chúng tôi có cảm biến độ mặn đã thử nghiệm ở Sóc Trăng."


def _interests() -> list[NeedInterest]:
    return list(db.session.scalars(sa.select(NeedInterest)))


def _notes(user) -> list[Notification]:
    return list(
        db.session.scalars(
            sa.select(Notification).where(Notification.user_id == user.id)
        )
    )


@pytest.fixture
def interest_institution(app):
    ctu = Institution(
        slug="ctu", name_vi="Trường Đại học Cần Thơ", kind=InstitutionKind.UNIVERSITY
    )
    db.session.add(ctu)
    db.session.commit()
    return ctu


def test_researcher_expresses_interest_and_representatives_are_told(
    client, auth, make_enterprise, make_rep, make_need, interest_institution, outbox
):
    enterprise = make_enterprise()
    reps = [make_rep(enterprise), make_rep(enterprise)]
    need = make_need(enterprise)
    researcher = auth.login_as(
        Role.RESEARCHER,
        full_name="TS. Lê Văn Tôm",
        institution_id=interest_institution.id,
    )
    response = client.post(
        f"/enterprises/needs/{need.id}/interest",
        data={"message": MESSAGE, "on_behalf": "y"},
    )
    assert response.headers["Location"] == f"/enterprises/needs/{need.id}"
    [interest] = _interests()
    assert interest.user_id == researcher.id and interest.message == MESSAGE
    assert (
        interest.on_behalf_of_institution and interest.status == InterestStatus.PENDING
    )
    for rep in reps:
        [note] = _notes(rep)
        assert (note.kind, note.endpoint, note.endpoint_values) == (
            "interest_received",
            "enterprises.needs.detail",
            {"need_id": need.id},
        )
        assert note.params == {"who": "TS. Lê Văn Tôm", "title": need.title}
    assert sorted(m.to[0] for m in outbox) == sorted(r.email for r in reps)
    assert all("TS. Lê Văn Tôm" in m.body for m in outbox)
    page = client.get(f"/enterprises/needs/{need.id}").get_data(as_text=True)
    assert 'id="own-interest"' in page and "interest-heading" not in page


def test_interest_is_expressed_once_per_need(client, auth, make_enterprise, make_need):
    need = make_need(make_enterprise())
    auth.login_as(Role.RESEARCHER)
    client.post(f"/enterprises/needs/{need.id}/interest", data={"message": MESSAGE})
    response = client.post(
        f"/enterprises/needs/{need.id}/interest",
        data={"message": "Lần thứ hai", "on_behalf": "y"},
        follow_redirects=True,
    )
    assert "already expressed interest" in response.get_data(as_text=True)
    [interest] = _interests()
    assert interest.message == MESSAGE and not interest.on_behalf_of_institution


@pytest.mark.parametrize("status", [NeedStatus.WITHDRAWN, NeedStatus.FULFILLED])
def test_no_interest_in_a_closed_need(client, auth, make_enterprise, make_need, status):
    need = make_need(make_enterprise(), status=status)
    auth.login_as(Role.RESEARCHER)
    page = client.get(f"/enterprises/needs/{need.id}").get_data(as_text=True)
    assert "interest-heading" not in page
    response = client.post(
        f"/enterprises/needs/{need.id}/interest",
        data={"message": MESSAGE},
        follow_redirects=True,
    )
    assert "no longer accepts" in response.get_data(as_text=True)
    assert _interests() == []


@pytest.mark.parametrize(
    ("message", "fragment"), [("", "This field is required"), ("x" * 1001, "1000")]
)
def test_interest_message_is_required_and_short(
    client, auth, make_enterprise, make_need, message, fragment
):
    need = make_need(make_enterprise())
    auth.login_as(Role.RESEARCHER)
    response = client.post(
        f"/enterprises/needs/{need.id}/interest", data={"message": message}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and 'id="message-errors"' in page
    assert fragment in page and (message[:50] in page)
    assert _interests() == []


def test_on_behalf_needs_an_institution(client, auth, make_enterprise, make_need):
    need = make_need(make_enterprise())
    auth.login_as(Role.RESEARCHER)
    response = client.post(
        f"/enterprises/needs/{need.id}/interest",
        data={"message": MESSAGE, "on_behalf": "y"},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and 'id="on_behalf-errors"' in page
    assert MESSAGE in page and _interests() == []


@pytest.mark.parametrize("role", [Role.ENTERPRISE, Role.OFFICIAL, Role.ADMIN])
def test_only_researchers_express_interest(
    client, auth, make_enterprise, make_need, role
):
    need = make_need(make_enterprise())
    auth.login_as(role)
    assert (
        client.post(
            f"/enterprises/needs/{need.id}/interest", data={"message": MESSAGE}
        ).status_code
        == 403
    )
    assert _interests() == []


def test_visitors_are_sent_to_sign_in_before_expressing_interest(
    client, make_enterprise, make_need
):
    need = make_need(make_enterprise())
    response = client.post(
        f"/enterprises/needs/{need.id}/interest", data={"message": MESSAGE}
    )
    assert "/auth/login?next=" in response.headers["Location"] and _interests() == []


def test_a_private_need_is_not_found_by_researchers(
    client, auth, make_enterprise, make_need
):
    need = make_need(make_enterprise(), confidentiality=Confidentiality.PRIVATE)
    auth.login_as(Role.RESEARCHER)
    response = client.post(
        f"/enterprises/needs/{need.id}/interest", data={"message": MESSAGE}
    )
    assert response.status_code == 404 and _interests() == []


@pytest.fixture
def pending_interest(make_enterprise, make_need, make_user, interest_institution):
    """A need with a pending interest of a researcher who has a profile."""
    enterprise = make_enterprise()
    need = make_need(enterprise)
    researcher = make_user(
        Role.RESEARCHER,
        full_name="PGS.TS. Võ Thị Lúa",
        institution_id=interest_institution.id,
    )
    profile = ResearcherProfile(user_id=researcher.id)
    interest = NeedInterest(need=need, user_id=researcher.id, message=MESSAGE)
    db.session.add_all([profile, interest])
    db.session.commit()
    return enterprise, need, interest, profile


def test_representatives_see_who_is_interested(client, login_rep, pending_interest):
    enterprise, need, _interest, profile = pending_interest
    login_rep(enterprise)
    page = client.get(f"/enterprises/needs/{need.id}").get_data(as_text=True)
    assert "PGS.TS. Võ Thị Lúa" in page and "Trường Đại học Cần Thơ" in page
    assert MESSAGE in page and f'href="/researchers/{profile.id}"' in page
    assert "/accept" in page and "/decline" in page


@pytest.mark.parametrize("viewer", ["anonymous", "researcher", "other_rep", "official"])
def test_others_do_not_see_who_is_interested(
    client, auth, login_rep, make_enterprise, pending_interest, viewer
):
    _enterprise, need, _interest, _profile = pending_interest
    if viewer == "other_rep":
        login_rep(make_enterprise())
    elif viewer != "anonymous":
        auth.login_as(Role(viewer))
    page = client.get(f"/enterprises/needs/{need.id}").get_data(as_text=True)
    assert "PGS.TS. Võ Thị Lúa" not in page and MESSAGE not in page


@pytest.mark.parametrize("decision", ["accept", "decline"])
def test_owner_answers_and_both_sides_are_told(
    client, login_rep, make_rep, pending_interest, outbox, decision
):
    enterprise, need, interest, _profile = pending_interest
    colleague = make_rep(enterprise)
    rep = login_rep(enterprise, full_name="Đại Diện Một")
    response = client.post(f"/enterprises/interests/{interest.id}/{decision}")
    assert response.headers["Location"] == f"/enterprises/needs/{need.id}"
    db.session.refresh(interest)
    db.session.refresh(need)
    accepted = decision == "accept"
    assert interest.status == (
        InterestStatus.ACCEPTED if accepted else InterestStatus.DECLINED
    )
    assert interest.decided_by_id == rep.id and interest.decided_at is not None
    assert need.status == (NeedStatus.IN_DISCUSSION if accepted else NeedStatus.OPEN)
    [to_researcher] = _notes(interest.user)
    past = "accepted" if accepted else "declined"
    assert to_researcher.kind == f"interest_{past}"
    assert to_researcher.params == {"enterprise": enterprise.name, "title": need.title}
    [to_colleague] = _notes(colleague)
    assert to_colleague.kind == f"colleague_{past}_interest"
    assert _notes(rep) == []
    recipients = sorted(m.to[0] for m in outbox)
    assert recipients == sorted([interest.user.email, colleague.email])
    assert any(
        enterprise.name in m.body for m in outbox if m.to == [interest.user.email]
    )


def test_an_answer_is_given_once(client, login_rep, pending_interest, outbox):
    enterprise, _need, interest, _profile = pending_interest
    login_rep(enterprise)
    client.post(f"/enterprises/interests/{interest.id}/accept")
    sent = len(outbox)
    response = client.post(
        f"/enterprises/interests/{interest.id}/decline", follow_redirects=True
    )
    assert "already been answered" in response.get_data(as_text=True)
    db.session.refresh(interest)
    assert interest.status == InterestStatus.ACCEPTED and len(outbox) == sent


@pytest.mark.parametrize("who", ["other_rep", "researcher", "official", "admin"])
def test_only_the_owner_answers(
    client, auth, login_rep, make_enterprise, pending_interest, outbox, who
):
    _enterprise, _need, interest, _profile = pending_interest
    if who == "other_rep":
        login_rep(make_enterprise())
    else:
        auth.login_as(Role(who))
    assert (
        client.post(f"/enterprises/interests/{interest.id}/accept").status_code == 403
    )
    db.session.refresh(interest)
    assert interest.status == InterestStatus.PENDING
    assert db.session.scalar(sa.select(sa.func.count(Notification.id))) == 0
    assert outbox == []


def test_answering_needs_a_signed_in_owner(client, pending_interest):
    _enterprise, _need, interest, _profile = pending_interest
    response = client.post(f"/enterprises/interests/{interest.id}/accept")
    assert "/auth/login?next=" in response.headers["Location"]
    db.session.refresh(interest)
    assert interest.status == InterestStatus.PENDING
