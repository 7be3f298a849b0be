"""Technology needs: posting, editing by the owners only, confidentiality per viewer, lists and filters."""

from __future__ import annotations

from datetime import date, timedelta
from html.parser import HTMLParser

import pytest
import sqlalchemy as sa

from matchmaker.extensions import db
from matchmaker.models import Confidentiality, NeedStatus, Role, TechNeed


def _need(**overrides) -> dict:
    return {
        "title": "Cảm biến độ mặn cho ao tôm",
        "description": "Nước mặn xâm nhập ao nuôi vào mùa khô.",
        "desired_outcome": "Cảnh báo sớm qua điện thoại.",
        "targets": "Sai số dưới 0,5 ‰",
        "trl": "6",
        "field_code": "405",
        "priority_area": "aquaculture",
        "budget_min": "500.000.000",
        "budget_max": "1500000000",
        "deadline": (date.today() + timedelta(days=90)).isoformat(),
        "cofund": "y",
        "confidentiality": "public",
    } | overrides


def test_representative_posts_a_need(client, login_rep, make_enterprise):
    enterprise = make_enterprise()
    rep = login_rep(enterprise)
    response = client.post("/enterprises/needs/new", data=_need())
    need = db.session.scalar(sa.select(TechNeed))
    assert response.headers["Location"] == f"/enterprises/needs/{need.id}"
    assert need.enterprise_id == enterprise.id and need.created_by_id == rep.id
    assert (need.budget_min, need.budget_max, need.trl) == (
        500_000_000,
        1_500_000_000,
        6,
    )
    assert need.cofund and need.status == NeedStatus.OPEN
    page = client.get(f"/enterprises/needs/{need.id}").get_data(as_text=True)
    assert "₫500,000,000 – ₫1,500,000,000" in page  # the English interface


def test_budget_min_above_max_is_refused_with_the_typed_values(
    client, login_rep, make_enterprise
):
    login_rep(make_enterprise())
    response = client.post(
        "/enterprises/needs/new",
        data=_need(budget_min="2.000.000.000", budget_max="1.000.000"),
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and 'id="budget_max-errors"' in page
    assert 'value="2.000.000.000"' in page and 'value="1.000.000"' in page
    assert 'value="Cảm biến độ mặn cho ao tôm"' in page
    assert db.session.scalar(sa.select(TechNeed)) is None


def test_budget_must_be_a_number(client, login_rep, make_enterprise):
    login_rep(make_enterprise())
    page = client.post(
        "/enterprises/needs/new", data=_need(budget_min="năm trăm")
    ).get_data(as_text=True)
    assert 'id="budget_min-errors"' in page and 'value="năm trăm"' in page
    assert db.session.scalar(sa.select(TechNeed)) is None


def test_deadline_in_the_past_is_refused_on_creation(
    client, login_rep, make_enterprise
):
    login_rep(make_enterprise())
    yesterday = (date.today() - timedelta(days=1)).isoformat()
    page = client.post(
        "/enterprises/needs/new", data=_need(deadline=yesterday)
    ).get_data(as_text=True)
    assert 'id="deadline-errors"' in page and yesterday in page
    assert db.session.scalar(sa.select(TechNeed)) is None


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("trl", "10"),
        ("field_code", "4"),
        ("priority_area", "moon"),
        ("title", "x" * 301),
    ],
)
def test_need_form_rejects_out_of_range_values(
    client, login_rep, make_enterprise, field, value
):
    login_rep(make_enterprise())
    page = client.post("/enterprises/needs/new", data=_need(**{field: value})).get_data(
        as_text=True
    )
    assert f'id="{field}-errors"' in page
    assert db.session.scalar(sa.select(TechNeed)) is None


def test_need_create_without_an_enterprise_leads_to_the_profile(client, auth):
    auth.login_as(Role.ENTERPRISE)
    response = client.post("/enterprises/needs/new", data=_need())
    assert response.headers["Location"] == "/enterprises/new"
    assert db.session.scalar(sa.select(TechNeed)) is None


@pytest.mark.parametrize("role", [Role.RESEARCHER, Role.OFFICIAL, Role.ADMIN])
def test_need_create_is_for_representatives(client, auth, role):
    auth.login_as(role)
    assert client.post("/enterprises/needs/new", data=_need()).status_code == 403


def test_representative_edits_the_need_and_its_status(
    client, login_rep, make_enterprise, make_need
):
    enterprise = make_enterprise()
    need = make_need(enterprise, deadline=date(2020, 1, 1))
    login_rep(enterprise)
    form = client.get(f"/enterprises/needs/{need.id}/edit").get_data(as_text=True)
    assert 'value="Xử lý nước thải ao nuôi tôm"' in form
    response = client.post(
        f"/enterprises/needs/{need.id}/edit",
        data=_need(status="withdrawn", deadline="2020-01-01", title="Tiêu đề mới"),
    )
    assert response.status_code == 302
    db.session.refresh(need)
    assert need.status == NeedStatus.WITHDRAWN and need.title == "Tiêu đề mới"


@pytest.mark.parametrize("who", ["other_rep", "researcher", "official"])
def test_need_edit_by_others_is_forbidden_and_changes_nothing(
    client, auth, login_rep, make_enterprise, make_need, who
):
    need = make_need(make_enterprise())
    if who == "other_rep":
        login_rep(make_enterprise())
    else:
        auth.login_as(Role(who))
    path = f"/enterprises/needs/{need.id}/edit"
    assert client.get(path).status_code == 403
    assert (
        client.post(path, data=_need(title="Chiếm", status="withdrawn")).status_code
        == 403
    )
    db.session.refresh(need)
    assert (
        need.title == "Xử lý nước thải ao nuôi tôm" and need.status == NeedStatus.OPEN
    )


def test_need_edit_sends_visitors_to_sign_in(client, make_enterprise, make_need):
    need = make_need(make_enterprise())
    response = client.post(f"/enterprises/needs/{need.id}/edit", data=_need(title="X"))
    assert "/auth/login?next=" in response.headers["Location"]
    db.session.refresh(need)
    assert need.title == "Xử lý nước thải ao nuôi tôm"


def test_administrator_edits_any_need(client, auth, make_enterprise, make_need):
    need = make_need(make_enterprise())
    auth.login_as(Role.ADMIN)
    client.post(f"/enterprises/needs/{need.id}/edit", data=_need(status="fulfilled"))
    db.session.refresh(need)
    assert need.status == NeedStatus.FULFILLED


# --- confidentiality, per viewer -------------------------------------------------------------

VIEWERS = [
    "anonymous",
    "researcher",
    "other_enterprise",
    "official",
    "admin",
    "own_rep",
]
HIDDEN = "Bí mật công nghệ chế biến"


def _sign_in(viewer, auth, login_rep, make_enterprise, enterprise):
    if viewer == "own_rep":
        login_rep(enterprise)
    elif viewer == "other_enterprise":
        login_rep(make_enterprise())
    elif viewer != "anonymous":
        auth.login_as(Role(viewer))


@pytest.fixture
def needs_of_each_kind(make_enterprise, make_need):
    enterprise = make_enterprise()
    return enterprise, {
        c: make_need(
            enterprise,
            title=f"Nhu cầu {c.value}",
            description=f"{HIDDEN} {c.value}",
            budget_max=2_000_000_000,
            confidentiality=c,
        )
        for c in Confidentiality
    }


# viewer: (sees the private need, reads the summary need's details)
EXPECTED = {
    "anonymous": (False, False),
    "researcher": (False, True),
    "other_enterprise": (False, True),
    "official": (True, True),
    "admin": (True, True),
    "own_rep": (True, True),
}


@pytest.mark.parametrize("viewer", VIEWERS)
def test_list_shows_private_needs_only_to_those_allowed(
    client, auth, login_rep, make_enterprise, needs_of_each_kind, viewer
):
    enterprise, _needs = needs_of_each_kind
    _sign_in(viewer, auth, login_rep, make_enterprise, enterprise)
    page = client.get("/enterprises/needs").get_data(as_text=True)
    assert "Nhu cầu public" in page and "Nhu cầu summary" in page
    assert ("Nhu cầu private" in page) == EXPECTED[viewer][0]
    on_profile = client.get(f"/enterprises/{enterprise.id}").get_data(as_text=True)
    assert ("Nhu cầu private" in on_profile) == EXPECTED[viewer][0]


@pytest.mark.parametrize("viewer", VIEWERS)
def test_detail_follows_the_confidentiality_of_the_need(
    client, auth, login_rep, make_enterprise, needs_of_each_kind, viewer
):
    enterprise, needs = needs_of_each_kind
    _sign_in(viewer, auth, login_rep, make_enterprise, enterprise)
    sees_private, reads_summary = EXPECTED[viewer]

    public = client.get(f"/enterprises/needs/{needs[Confidentiality.PUBLIC].id}")
    assert f"{HIDDEN} public" in public.get_data(as_text=True)
    assert "₫2,000,000,000" in public.get_data(as_text=True)

    summary = client.get(f"/enterprises/needs/{needs[Confidentiality.SUMMARY].id}")
    text = summary.get_data(as_text=True)
    assert summary.status_code == 200
    assert "Nhu cầu summary" in text and enterprise.name in text
    assert "Fisheries and aquaculture" in text or "Thủy sản" in text
    assert (f"{HIDDEN} summary" in text) == reads_summary
    assert ("₫2,000,000,000" in text) == reads_summary

    private = client.get(f"/enterprises/needs/{needs[Confidentiality.PRIVATE].id}")
    assert private.status_code == (200 if sees_private else 404)
    assert (f"{HIDDEN} private" in private.get_data(as_text=True)) == sees_private


def test_search_does_not_reveal_hidden_text_to_visitors(
    client, auth, needs_of_each_kind
):
    found = client.get("/enterprises/needs", query_string={"q": "bí mật"}).get_data(
        as_text=True
    )
    assert "Nhu cầu public" in found and "Nhu cầu summary" not in found
    auth.login_as(Role.RESEARCHER)
    found = client.get("/enterprises/needs", query_string={"q": "bí mật"}).get_data(
        as_text=True
    )
    assert "Nhu cầu summary" in found and "Nhu cầu private" not in found


def test_list_filters_by_field_area_status_and_text(client, make_enterprise, make_need):
    enterprise = make_enterprise()
    make_need(
        enterprise, title="Tôm sạch", field_code="405", priority_area="aquaculture"
    )
    make_need(
        enterprise, title="Lúa chịu mặn", field_code="401", priority_area="rice_fruit"
    )
    make_need(enterprise, title="Tôm đã xong", status=NeedStatus.FULFILLED)

    def titles(**query) -> set[str]:
        page = client.get("/enterprises/needs", query_string=query).get_data(
            as_text=True
        )
        return {t for t in ("Tôm sạch", "Lúa chịu mặn", "Tôm đã xong") if t in page}

    assert titles() == {"Tôm sạch", "Lúa chịu mặn", "Tôm đã xong"}
    assert titles(field="401") == {"Lúa chịu mặn"}
    assert titles(area="aquaculture") == {"Tôm sạch", "Tôm đã xong"}
    assert titles(status="fulfilled") == {"Tôm đã xong"}
    assert titles(q="lúa") == {"Lúa chịu mặn"}
    assert titles(q="tôm", status="open") == {"Tôm sạch"}


def test_list_is_paginated_and_keeps_the_filters(client, make_enterprise, make_need):
    enterprise = make_enterprise()
    for n in range(25):
        make_need(enterprise, title=f"Nhu cầu số {n:02d}")
    first = client.get("/enterprises/needs?area=aquaculture").get_data(as_text=True)
    assert (
        'aria-current="page"' in first
        and "page=2" in first
        and "area=aquaculture" in first
    )
    second = client.get("/enterprises/needs?area=aquaculture&page=2").get_data(
        as_text=True
    )
    shown = {n for n in range(25) if f"Nhu cầu số {n:02d}<" in first + second}
    assert shown == set(range(25))
    assert not any(
        f"Nhu cầu số {n:02d}<" in first and f"Nhu cầu số {n:02d}<" in second
        for n in range(25)
    )


class _Audit(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.h1, self.labels, self.controls = 0, set(), []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "h1":
            self.h1 += 1
        elif tag == "label" and a.get("for"):
            self.labels.add(a["for"])
        elif tag in {"input", "select", "textarea"} and a.get("type") not in {
            "hidden",
            "submit",
        }:
            self.controls.append(a.get("id"))


@pytest.mark.parametrize(
    ("who", "path"),
    [
        ("anonymous", "/enterprises/"),
        ("anonymous", "/enterprises/needs"),
        ("anonymous", "/enterprises/{enterprise}"),
        ("researcher", "/enterprises/needs/{need}"),
        ("new_rep", "/enterprises/new"),
        ("rep", "/enterprises/needs/new"),
        ("rep", "/enterprises/needs/{need}/edit"),
        ("rep", "/enterprises/needs/{need}"),
        ("rep", "/enterprises/{enterprise}/edit"),
        ("rep", "/enterprises/{enterprise}/invite"),
    ],
)
def test_pages_have_one_heading_and_labelled_controls(
    client, auth, login_rep, make_enterprise, make_need, who, path
):
    enterprise = make_enterprise()
    need = make_need(enterprise)
    if who == "rep":
        login_rep(enterprise)
    elif who == "new_rep":
        auth.login_as(Role.ENTERPRISE)
    elif who == "researcher":
        auth.login_as(Role.RESEARCHER)
    response = client.get(path.format(enterprise=enterprise.id, need=need.id))
    audit = _Audit()
    audit.feed(response.get_data(as_text=True))
    assert response.status_code == 200 and audit.h1 == 1
    assert all(c in audit.labels for c in audit.controls)
