"""Assignment pages: lead reviewers on the council page, researchers for open orders; access, CSRF, bad input."""

from __future__ import annotations

import html
import re
from datetime import timedelta
from html.parser import HTMLParser

import pytest
import sqlalchemy as sa

from matchmaker.extensions import db
from matchmaker.models import (
    Institution,
    LeadReviewer,
    Notification,
    ResearcherProfile,
    ResearchOrder,
    Role,
    User,
    utcnow,
)
from matchmaker.services.matching import levels
from matchmaker.services.orders import councils, proposals

FISH = "Phòng bệnh gan thận mủ trên cá tra giống bằng vắc xin và quản lý ao nuôi."


def _researcher(make_user, name: str, place: Institution, keywords: list[str]) -> User:
    user = make_user(Role.RESEARCHER, full_name=name, institution_id=place.id)
    db.session.add(
        ResearcherProfile(user=user, keywords=keywords, summary=" ".join(keywords), links=[])
    )  # fmt: skip
    db.session.commit()
    return user


@pytest.fixture
def salinity_order(places, official) -> ResearchOrder:
    salinity_order = ResearchOrder(
        title="Phòng bệnh cá tra giống", agency_id=places["so"].id, main_content=FISH,
        state="published", created_by_id=official.id,
        application_deadline=utcnow() + timedelta(days=30),
    )  # fmt: skip
    db.session.add(salinity_order)
    db.session.commit()
    return salinity_order


@pytest.fixture
def assignment_people(make_user, places) -> dict[str, User]:
    return {
        "pi": _researcher(make_user, "Chủ Nhiệm", places["tvu"], ["nuôi trồng thủy sản"]),
        "fish": _researcher(make_user, "Võ Thị Cá", places["ctu"], ["cá tra", "bệnh gan thận mủ"]),
        "vaccine": _researcher(make_user, "Trần Vắc Xin", places["ctu"], ["vắc xin", "cá tra giống"]),
        "colleague": _researcher(make_user, "Đồng Nghiệp", places["tvu"], ["cá tra", "bệnh gan thận mủ"]),
    }  # fmt: skip


@pytest.fixture
def council(salinity_order, official, assignment_people):
    data = proposals.ProposalInput(approach=FISH, budget=500_000_000)
    proposals.submit_proposal(assignment_people["pi"], salinity_order, data)
    members = [assignment_people["vaccine"].id, assignment_people["colleague"].id]
    return councils.form_council(
        official, salinity_order, assignment_people["fish"].id, members
    )


def _login(client, auth, user: User) -> None:
    assert auth.login(user.email).status_code == 302


def _profile(user: User) -> int:
    return db.session.scalar(
        sa.select(ResearcherProfile.id).where(ResearcherProfile.user_id == user.id)
    )


def _invite_url(order: ResearchOrder, query: str = "") -> str:
    return f"/orders/{order.id}/assignment/invite{query}"


def _invited(order: ResearchOrder) -> list[int]:
    """The user of every invitation to apply to ``order``, oldest first."""
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


def _recorded() -> set[tuple[int, int]]:
    return set(
        db.session.execute(sa.select(LeadReviewer.proposal_id, LeadReviewer.member_id))
    )


# --- Access -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.RESEARCHER, Role.ENTERPRISE])
def test_non_officials_are_refused_every_assignment_page(client, auth, council, salinity_order, assignment_people, role):  # fmt: skip
    auth.login_as(role)
    assert (
        client.get(f"/orders/{salinity_order.id}/council/reviewers").status_code == 403
    )
    assert (
        client.post(f"/orders/{salinity_order.id}/council/reviewers").status_code == 403
    )
    assert client.get("/orders/assignment").status_code == 403
    invite = client.post(_invite_url(salinity_order), data={"profile_id": [_profile(assignment_people["fish"])]})  # fmt: skip
    assert invite.status_code == 403
    assert _recorded() == set() and _invited(salinity_order) == []


def test_a_council_member_who_is_no_official_is_refused_too(client, auth, council, salinity_order, assignment_people):  # fmt: skip
    _login(client, auth, assignment_people["fish"])
    assert (
        client.get(f"/orders/{salinity_order.id}/council/reviewers").status_code == 403
    )
    assert (
        client.post(f"/orders/{salinity_order.id}/council/reviewers").status_code == 403
    )
    assert client.post(_invite_url(salinity_order), data={"profile_id": [_profile(assignment_people["fish"])]}).status_code == 403  # fmt: skip
    assert _invited(salinity_order) == []


def test_visitors_are_sent_to_sign_in(client, council, salinity_order):
    for response in (
        client.get(f"/orders/{salinity_order.id}/council/reviewers"),
        client.post(f"/orders/{salinity_order.id}/council/reviewers"),
        client.get("/orders/assignment"),
        client.post(_invite_url(salinity_order), data={"profile_id": ["1"]}),
    ):
        assert response.status_code == 302
        assert "/auth/login" in response.headers["Location"]


@pytest.mark.parametrize("role", [Role.OFFICIAL, Role.ADMIN])
def test_officials_and_admins_see_both_pages(
    client, auth, council, salinity_order, role
):
    auth.login_as(role)
    assert (
        client.get(f"/orders/{salinity_order.id}/council/reviewers").status_code == 200
    )
    assert client.get("/orders/assignment").status_code == 200


def test_an_unknown_order_is_404(client, auth, official):
    _login(client, auth, official)
    assert client.get("/orders/999/council/reviewers").status_code == 404
    assert client.post("/orders/999/council/reviewers").status_code == 404
    assert client.post("/orders/999/assignment/invite", data={"profile_id": ["1"]}).status_code == 404  # fmt: skip
    # Beyond PostgreSQL's integer: no route, not a database error.
    assert client.post("/orders/99999999999/assignment/invite").status_code == 404


# --- Lead reviewers -----------------------------------------------------------------------------------------


def test_council_page_links_to_the_proposed_lead_reviewers(client, auth, council, salinity_order, official):  # fmt: skip
    _login(client, auth, official)
    page = client.get(f"/orders/{salinity_order.id}/council").get_data(as_text=True)
    assert f'href="/orders/{salinity_order.id}/council/reviewers"' in page
    assert "Đề xuất phân công phản biện" in page


def test_proposed_reviewers_are_shown_with_scores_and_no_conflicted_member(
    client, auth, council, salinity_order, official, assignment_people
):
    client.get("/lang/en")
    _login(client, auth, official)
    page = client.get(f"/orders/{salinity_order.id}/council/reviewers").get_data(
        as_text=True
    )
    proposed = page[page.index('id="proposed"') : page.index('id="recorded-heading"')]
    assert "Võ Thị Cá" in proposed and "Trần Vắc Xin" in proposed
    # Same university as the applicant: never proposed.
    assert "Đồng Nghiệp" not in proposed
    # Each proposed member shows the level the match lists use, agreeing with its similarity.
    shown = re.findall(
        r'data-level="([a-z-]+)".*?similarity (\d\.\d\d)', proposed, re.S
    )
    assert shown and len(shown) == proposed.count('class="reviewer')
    for level, score in shown:
        assert levels.match_level(float(score)).value == level
    assert "/100" not in proposed and "<meter" not in proposed
    total = re.search(r'id="proposed-total">Sum of similarities: (\d+\.\d\d)', page)
    assert total and float(total[1]) == pytest.approx(
        sum(float(score) for _level, score in shown), abs=0.01 * len(shown)
    )
    assert "No assignment is recorded yet." in page


def test_recording_stores_the_assignment_and_members_see_it(
    client, auth, council, salinity_order, official, assignment_people
):
    client.get("/lang/en")
    _login(client, auth, official)
    response = client.post(f"/orders/{salinity_order.id}/council/reviewers", follow_redirects=True)  # fmt: skip
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "The lead reviewers are recorded" in page and 'id="recorded"' in page
    members = {m.user_id: m.id for m in council.members}
    assert {member for _, member in _recorded()} == {
        members[assignment_people["fish"].id],
        members[assignment_people["vaccine"].id],
    }
    auth.logout()
    _login(client, auth, assignment_people["fish"])
    client.get("/lang/en")
    sheet = client.get(f"/orders/{salinity_order.id}/council/review").get_data(
        as_text=True
    )
    assert "You lead the review of this proposal" in sheet
    assert 'id="lead-summary"' in sheet


def test_recording_again_replaces_and_a_later_conflict_is_shown_invalid(
    client, auth, council, salinity_order, official, assignment_people
):
    client.get("/lang/en")
    _login(client, auth, official)
    client.post(f"/orders/{salinity_order.id}/council/reviewers")
    first = _recorded()
    proposal = db.session.scalar(sa.select(LeadReviewer)).proposal
    councils.declare_conflict(assignment_people["vaccine"], proposal, "Đồng tác giả")
    page = client.get(f"/orders/{salinity_order.id}/council/reviewers").get_data(
        as_text=True
    )
    recorded = page[page.index('id="recorded"') :]
    assert "No longer valid: conflict of interest" in recorded
    assert 'data-valid="0"' in recorded
    client.post(f"/orders/{salinity_order.id}/council/reviewers")
    second = _recorded()
    assert len(second) == 1 and second < first


def test_record_requires_the_csrf_token(
    app, client, auth, council, salinity_order, official
):
    _login(client, auth, official)
    app.config["WTF_CSRF_ENABLED"] = True
    page = client.get(f"/orders/{salinity_order.id}/council/reviewers").get_data(
        as_text=True
    )
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    refused = client.post(f"/orders/{salinity_order.id}/council/reviewers")
    assert refused.status_code == 400 and _recorded() == set()
    accepted = client.post(
        f"/orders/{salinity_order.id}/council/reviewers",
        data={"csrf_token": token.group(1)},
    )
    assert accepted.status_code == 302 and len(_recorded()) == 2


def test_without_a_matching_model_the_page_says_so(client, auth, salinity_order, official, make_user, places):  # fmt: skip
    # Nobody has a researcher profile: the model has no one to score.
    pi = make_user(Role.RESEARCHER, institution_id=places["tvu"].id)
    proposals.submit_proposal(
        pi, salinity_order, proposals.ProposalInput(approach=FISH, budget=1)
    )
    councils.form_council(official, salinity_order, official.id, [])
    client.get("/lang/en")
    _login(client, auth, official)
    response = client.get(f"/orders/{salinity_order.id}/council/reviewers")
    assert response.status_code == 200
    assert "Matching is not available yet" in response.get_data(as_text=True)
    refused = client.post(f"/orders/{salinity_order.id}/council/reviewers")
    assert refused.status_code == 409 and _recorded() == set()
    page = client.get("/orders/assignment")
    assert page.status_code == 200 and "Matching is not available yet" in page.get_data(as_text=True)  # fmt: skip


def test_without_a_council_the_page_asks_to_form_it(
    client, auth, salinity_order, official
):
    client.get("/lang/en")
    _login(client, auth, official)
    page = client.get(f"/orders/{salinity_order.id}/council/reviewers").get_data(
        as_text=True
    )
    assert 'id="no-council"' in page
    assert (
        client.post(f"/orders/{salinity_order.id}/council/reviewers").status_code == 409
    )


# --- Researchers for open orders ----------------------------------------------------------------------------


def test_orders_index_links_to_the_assignment_for_officials_only(
    client, auth, official
):
    _login(client, auth, official)
    assert 'id="assignment-link"' in client.get("/orders/").get_data(as_text=True)
    auth.logout()
    auth.login_as(Role.RESEARCHER)
    assert 'id="assignment-link"' not in client.get("/orders/").get_data(as_text=True)


def test_open_orders_get_researchers_but_not_conflicted_ones(
    client, auth, council, salinity_order, official, assignment_people
):
    client.get("/lang/en")
    _login(client, auth, official)
    response = client.get("/orders/assignment?per_order=3&per_researcher=1")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    section = page[page.index(f'id="order-{salinity_order.id}"') :]
    assert "Võ Thị Cá" in section and "Trần Vắc Xin" in section
    # The applicant and their colleague are in conflict with the order.
    assert "Đồng Nghiệp" not in section and "Chủ Nhiệm" not in section
    assert 'id="assignment-total">Sum of similarities: ' in page
    assert 'id="short-orders"' in page
    assert "Why:" in section


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("per_order=abc", "Hãy nhập một số nguyên."),
        ("per_order=0", "Hãy chọn một số nguyên từ 1 đến 10."),
        ("per_order=11", "Hãy chọn một số nguyên từ 1 đến 10."),
        ("per_order=-3", "Hãy chọn một số nguyên từ 1 đến 10."),
        ("per_order=99999999999999999999999", "Hãy chọn một số nguyên từ 1 đến 10."),
        ("per_researcher=6", "Hãy chọn một số nguyên từ 1 đến 5."),
        ("per_researcher=1.5", "Hãy nhập một số nguyên."),
    ],
)
def test_invalid_limits_give_a_message_not_an_error(client, auth, official, query, message):  # fmt: skip
    _login(client, auth, official)
    response = client.get(f"/orders/assignment?{query}")
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


def test_blank_limits_fall_back_to_the_defaults(client, auth, official):
    _login(client, auth, official)
    page = client.get("/orders/assignment?per_order=&per_researcher=")
    assert page.status_code == 200
    assert 'value="3"' in page.get_data(as_text=True)


# --- Invitations to apply ----------------------------------------------------------------------------------

REFUSED = "Refused (a conflict of interest, an inactive account, not a researcher or not open to orders)"


def _invite_form(page: str, order: ResearchOrder) -> tuple[str, list[str], list[str]]:
    """The order's invite form: its action, the profile ids it sends, and those of the researchers listed."""
    section = page[page.index(f'id="order-{order.id}"') :]
    section = section[: section.index("</section>")]
    form = section[section.index('<form method="post"') : section.index("</form>")]
    action = html.unescape(re.search(r'action="([^"]+)"', form).group(1))
    sent = re.findall(r'name="profile_id" value="([^"]*)"', form)
    return action, sent, re.findall(r'data-key="([^"]*)"', section)


def test_each_order_offers_to_invite_the_researchers_proposed_for_it(
    client, auth, council, salinity_order, official, assignment_people
):
    _login(client, auth, official)
    page = client.get("/orders/assignment?per_order=3&per_researcher=1").get_data(as_text=True)  # fmt: skip
    action, sent, listed = _invite_form(page, salinity_order)
    assert action == _invite_url(salinity_order, "?per_order=3&per_researcher=1")
    assert sent == listed
    assert set(sent) == {
        str(_profile(assignment_people["fish"])),
        str(_profile(assignment_people["vaccine"])),
    }
    assert "Mời các nhà khoa học này nộp đề xuất" in page


def test_inviting_notifies_the_researchers_once_and_comes_back_to_the_same_page(
    client, auth, council, salinity_order, official, assignment_people
):
    client.get("/lang/en")
    _login(client, auth, official)
    fish, vaccine = assignment_people["fish"], assignment_people["vaccine"]
    url = _invite_url(salinity_order, "?per_order=2&per_researcher=1")
    response = client.post(url, data={"profile_id": [_profile(fish), _profile(vaccine)]})  # fmt: skip
    assert response.status_code == 302
    assert response.headers["Location"] == "/orders/assignment?per_order=2&per_researcher=1"  # fmt: skip
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"Invited now: 2. Invited before, not again: 0. {REFUSED}: 0." in page
    assert _invited(salinity_order) == [fish.id, vaccine.id]
    again = client.post(url, data={"profile_id": [_profile(fish), _profile(vaccine)]}, follow_redirects=True)  # fmt: skip
    assert f"Invited now: 0. Invited before, not again: 2. {REFUSED}: 0." in again.get_data(as_text=True)  # fmt: skip
    assert _invited(salinity_order) == [fish.id, vaccine.id]
    # The researcher reads the invitation, which names the order and leads to it.
    auth.logout()
    _login(client, auth, fish)
    client.get("/lang/en")
    inbox = client.get("/notifications/").get_data(as_text=True)
    assert (
        f'<a href="/orders/{salinity_order.id}">Lê Văn Cán Bộ invites you to submit a proposal to the open call '
        "“Phòng bệnh cá tra giống”.</a>"
    ) in inbox


@pytest.mark.parallel
def test_parallel_invitations_reach_each_researcher_once(
    council, salinity_order, official, assignment_people, clients_of, in_parallel
):
    fish, vaccine = assignment_people["fish"], assignment_people["vaccine"]
    url, data = (
        _invite_url(salinity_order),
        {"profile_id": [_profile(fish), _profile(vaccine)]},
    )
    calls = [
        lambda client=client: client.post(url, data=data).status_code
        for client in clients_of(official, 6)
    ]
    assert in_parallel(calls) == [302] * 6
    assert sorted(_invited(salinity_order)) == sorted([fish.id, vaccine.id])


def test_a_researcher_in_conflict_with_the_order_is_refused(
    client, auth, council, salinity_order, official, assignment_people
):
    client.get("/lang/en")
    _login(client, auth, official)
    ids = [_profile(assignment_people["pi"]), _profile(assignment_people["colleague"]), _profile(assignment_people["fish"])]  # fmt: skip
    page = client.post(_invite_url(salinity_order), data={"profile_id": ids}, follow_redirects=True)  # fmt: skip
    assert f"Invited now: 1. Invited before, not again: 0. {REFUSED}: 2." in page.get_data(as_text=True)  # fmt: skip
    assert _invited(salinity_order) == [assignment_people["fish"].id]


def test_a_closed_order_is_a_conflict_and_nobody_is_invited(
    client, auth, council, salinity_order, official, assignment_people
):
    salinity_order.application_deadline = utcnow() - timedelta(minutes=1)
    db.session.commit()
    client.get("/lang/en")
    _login(client, auth, official)
    response = client.post(_invite_url(salinity_order), data={"profile_id": [_profile(assignment_people["fish"])]})  # fmt: skip
    assert response.status_code == 409
    assert "This order no longer takes proposals" in response.get_data(as_text=True)
    assert _invited(salinity_order) == []


def test_invite_requires_the_csrf_token(
    app, client, auth, council, salinity_order, official
):
    _login(client, auth, official)
    app.config["WTF_CSRF_ENABLED"] = True
    page = client.get("/orders/assignment").get_data(as_text=True)
    form = page[page.index(f'id="invite-{salinity_order.id}"') :]
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form)
    action, sent, _ = _invite_form(page, salinity_order)
    refused = client.post(action, data={"profile_id": sent})
    assert refused.status_code == 400 and _invited(salinity_order) == []
    accepted = client.post(action, data={"profile_id": sent, "csrf_token": token.group(1)})  # fmt: skip
    assert accepted.status_code == 302 and len(_invited(salinity_order)) == 2


NOT_VALID = "The list of researchers is not valid: reload the page and try again."


@pytest.mark.parametrize(
    ("values", "message"),
    [
        (["abc"], NOT_VALID),
        (["1.5"], NOT_VALID),
        (["-1"], NOT_VALID),
        (["0"], NOT_VALID),
        ([""], NOT_VALID),
        (["99999999999999999999"], NOT_VALID),
        (["9" * 5000], NOT_VALID),
        ([str(n) for n in range(1, 12)], "Invite at most 10 researchers at a time."),
        ([], "Choose at least one researcher to invite."),
    ],
    ids=["text", "decimal", "negative", "zero", "blank", "huge", "5000 digits", "eleven", "none"],
)  # fmt: skip
def test_a_bad_list_of_researchers_is_a_400_with_a_message(
    client, auth, council, salinity_order, official, values, message
):
    client.get("/lang/en")
    _login(client, auth, official)
    response = client.post(_invite_url(salinity_order, "?per_order=2"), data={"profile_id": values})  # fmt: skip
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and message in page
    # The assignment page is shown again, with the same limits.
    assert 'id="assignment-form"' in page and 'value="2"' in page
    assert _invited(salinity_order) == []


class _Controls(HTMLParser):
    """Ids, labels, form controls and main headings of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []
        self.labelled: set[str] = set()
        self.controls: list[str] = []
        self.h1 = 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if a.get("id"):
            self.ids.append(a["id"])
        if tag == "label" and a.get("for"):
            self.labelled.add(a["for"])
        if tag in {"input", "select"} and a.get("type") not in {"hidden", "submit"}:
            self.controls.append(a.get("id", ""))
        self.h1 += tag == "h1"


def test_pages_have_unique_ids_labelled_controls_and_one_heading(
    client, auth, council, salinity_order, official
):
    _login(client, auth, official)
    client.post(f"/orders/{salinity_order.id}/council/reviewers")
    for path in (
        f"/orders/{salinity_order.id}/council/reviewers",
        "/orders/assignment",
    ):
        page = _Controls()
        page.feed(client.get(path).get_data(as_text=True))
        assert len(page.ids) == len(set(page.ids)), path
        assert set(page.controls) <= page.labelled and page.h1 == 1, path
