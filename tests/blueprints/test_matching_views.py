"""Matching on the pages: a need's best researchers and institutions, duplicate warnings on the need form,
a researcher's recommendations, and the partials the order pages include."""

from __future__ import annotations

import json
import re

import pytest
import sqlalchemy as sa
from flask import render_template_string, session

from matchmaker.blueprints.orders.forms import STATE_LABELS
from matchmaker.demo import loader as demo
from matchmaker.extensions import db
from matchmaker.matching.text import normalise
from matchmaker.models import (
    Confidentiality,
    Enterprise,
    Institution,
    Project,
    Publication,
    ResearcherField,
    ResearcherProfile,
    ResearchOrder,
    Role,
    TechNeed,
    User,
)
from matchmaker.services.matching import matches as matching
from matchmaker.validators import title_key

pytestmark = pytest.mark.usefixtures(
    "english"
)  # the assertions read the English messages

SALINITY = (
    "Cảnh báo sớm xâm nhập mặn sông Hậu",
    "Dự báo độ mặn và xâm nhập mặn tại cửa lấy nước trên sông Hậu bằng mô hình thủy lực.",
)


def _profile(user: User, keywords: list[str], summary: str, papers=(), **extra) -> ResearcherProfile:  # fmt: skip
    profile = ResearcherProfile(
        user=user, keywords=keywords, summary=summary, links=[],
        field_rows=[ResearcherField(field_code="105")],
        publications=[Publication(title=t, title_key=title_key(t), abstract="") for t in papers],
        **extra,
    )  # fmt: skip
    db.session.add(profile)
    db.session.commit()
    return profile


@pytest.fixture
def matching_people(matching_places, make_user) -> dict[str, ResearcherProfile]:
    def researcher(name: str, place: str, *args, **extra) -> ResearcherProfile:
        user = make_user(
            Role.RESEARCHER, full_name=name, institution_id=matching_places[place].id
        )
        return _profile(user, *args, **extra)

    return {
        "salt": researcher(
            "Trương Hoàng Phúc", "ctu", ["xâm nhập mặn", "thủy văn"],
            "Mô hình thủy lực dự báo xâm nhập mặn trên sông Hậu.",
            ("Mô phỏng <b>xâm nhập mặn</b> sông Hậu bằng MIKE 11",),
        ),
        "hidden": researcher(
            "Lê Thị Mỹ Duyên", "ctu", ["xâm nhập mặn", "viễn thám"],
            "Viễn thám theo dõi xâm nhập mặn ven biển.", public=False,
        ),
        "fish": researcher("Nguyễn Thanh Tâm", "lua", ["cá tra"], "Phòng bệnh gan thận mủ trên cá tra."),
    }  # fmt: skip


def _need(enterprise: Enterprise, title: str, description: str, **extra) -> TechNeed:
    need = TechNeed(
        enterprise_id=enterprise.id, title=title, description=description, **extra
    )
    db.session.add(need)
    db.session.commit()
    return need


def _order(
    agency: Institution, title: str, content: str, state: str = "published"
) -> ResearchOrder:
    order = ResearchOrder(
        title=title, agency_id=agency.id, main_content=content, state=state
    )
    db.session.add(order)
    db.session.commit()
    return order


def _listed(html: str, list_id: str) -> list[str]:
    """``data-kind:data-key`` of the items of one list, in order."""
    block = re.search(rf'id="{list_id}">(.*?)</(?:ol|ul)>', html, re.S)
    return (
        []
        if block is None
        else re.findall(r'data-kind="(\w+)" data-key="([^"]+)"', block.group(1))
    )


def test_need_page_shows_best_researchers_with_score_and_why(
    client, matching_people, water_company
):
    need = _need(water_company, *SALINITY)
    html = client.get(f"/enterprises/needs/{need.id}").get_data(as_text=True)
    assert _listed(html, "matched-researchers")[0] == (
        "researcher",
        str(matching_people["salt"].id),
    )
    assert ("institution", "ctu") in _listed(html, "matched-institutions")
    top = html.split('id="matched-researchers"')[1].split("</li>")[0]
    # The level in words, the similarity itself on hover and in the detail line.
    assert re.search(
        r'data-level="strong" title="similarity [01]\.\d\d">Strong match<', top
    )
    assert re.search(r'<span class="similarity">similarity [01]\.\d\d</span>', top)
    assert "/100" not in html
    assert "xâm nhập mặn" in html.split('id="matched-researchers"')[1]
    # User text is escaped in the "why" line.
    assert (
        "Mô phỏng &lt;b&gt;xâm nhập mặn&lt;/b&gt; sông Hậu" in html
        and "<b>xâm" not in html
    )


def test_visitors_do_not_see_researchers_who_are_not_listed(
    client, auth, matching_people, water_company
):
    need = _need(water_company, *SALINITY)
    hidden = ("researcher", str(matching_people["hidden"].id))
    assert hidden not in _listed(
        client.get(f"/enterprises/needs/{need.id}").get_data(as_text=True),
        "matched-researchers",
    )
    auth.login_as(Role.RESEARCHER)
    assert hidden in _listed(
        client.get(f"/enterprises/needs/{need.id}").get_data(as_text=True),
        "matched-researchers",
    )


def test_need_page_applies_the_diversity_filter(
    client, auth, matching_people, water_company
):
    need = _need(water_company, *SALINITY)
    auth.login_as(Role.RESEARCHER)
    html = client.get(f"/enterprises/needs/{need.id}?match_per_institution=1").get_data(
        as_text=True
    )
    ctu = {str(matching_people["salt"].id), str(matching_people["hidden"].id)}
    assert (
        len([key for _kind, key in _listed(html, "matched-researchers") if key in ctu])
        == 1
    )
    assert 'value="1" selected' in html


def test_a_summary_need_is_not_matched_on_hidden_text_for_visitors(
    client, auth, matching_people, water_company
):
    need = _need(
        water_company, "Tối ưu vận hành trạm bơm", "Cảnh báo xâm nhập mặn sông Hậu.",
        confidentiality=Confidentiality.SUMMARY,
    )  # fmt: skip
    html = client.get(f"/enterprises/needs/{need.id}").get_data(as_text=True)
    assert _listed(html, "matched-researchers") == []
    assert "xâm nhập mặn" not in html.lower()
    auth.login_as(Role.RESEARCHER)
    html = client.get(f"/enterprises/needs/{need.id}").get_data(as_text=True)
    assert ("researcher", str(matching_people["salt"].id)) in _listed(
        html, "matched-researchers"
    )


def test_need_page_shows_levels_in_vietnamese(client, matching_people, water_company):
    need = _need(water_company, *SALINITY)
    client.get("/lang/vi")
    html = client.get(f"/enterprises/needs/{need.id}").get_data(as_text=True)
    top = html.split('id="matched-researchers"')[1].split("</li>")[0]
    assert re.search(
        r'data-level="strong" title="độ tương đồng [01],\d\d">Rất phù hợp<', top
    )
    assert 'id="match-levels-note"' in html


def test_need_form_check_warns_of_duplicates_and_saves_nothing(
    client, auth, matching_places, water_company
):
    seen = _need(water_company, *SALINITY)
    other = Enterprise(slug="khac", name="Công ty khác")
    db.session.add(other)
    db.session.commit()
    secret = _need(other, *SALINITY, confidentiality=Confidentiality.PRIVATE)
    order = _order(matching_places["so"], *SALINITY)
    auth.login_as(Role.ENTERPRISE, enterprise_id=water_company.id)
    response = client.post(
        "/enterprises/needs/new",
        data={"title": SALINITY[0], "description": SALINITY[1], "confidentiality": "public", "check": "1"},
    )  # fmt: skip
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Possible duplicates" in html
    listed = _listed(html, "duplicate-list")
    assert ("need", str(seen.id)) in listed and ("order", str(order.id)) in listed
    assert ("need", str(secret.id)) not in listed
    # The need typed again word for word is identical, and comes first.
    assert listed[0] == ("need", str(seen.id))
    assert re.search(
        r'data-level="identical" title="similarity [01]\.\d\d">Identical<', html
    )
    assert db.session.scalar(sa.select(sa.func.count(TechNeed.id))) == 2
    assert f'value="{SALINITY[0]}"' in html  # what was typed is kept


def test_need_form_check_says_when_nothing_is_similar(client, auth, water_company):
    auth.login_as(Role.ENTERPRISE, enterprise_id=water_company.id)
    html = client.post(
        "/enterprises/needs/new",
        data={
            "title": "Máy sấy lúa",
            "description": "Sấy lúa bằng khí hóa trấu.",
            "check": "1",
        },
    ).get_data(as_text=True)
    assert 'id="no-duplicates"' in html


def test_need_edit_page_lists_similar_needs_but_not_the_need_itself(
    client, auth, water_company
):
    need = _need(water_company, *SALINITY)
    twin = _need(water_company, SALINITY[0] + " (2)", SALINITY[1])
    auth.login_as(Role.ENTERPRISE, enterprise_id=water_company.id)
    html = client.get(f"/enterprises/needs/{need.id}/edit").get_data(as_text=True)
    assert _listed(html, "duplicate-list") == [("need", str(twin.id))]


def test_researcher_home_recommends_open_calls_and_open_needs(
    client, auth, matching_places, water_company
):
    call = _order(
        matching_places["so"],
        "Dự báo xâm nhập mặn sông Hậu",
        "Cảnh báo sớm xâm nhập mặn.",
    )
    draft = _order(
        matching_places["so"],
        "Xâm nhập mặn (nháp)",
        "Xâm nhập mặn sông Hậu.",
        state="draft",
    )
    need = _need(water_company, *SALINITY)
    user = auth.login_as(Role.RESEARCHER)
    _profile(user, ["xâm nhập mặn", "sông Hậu"], "Dự báo xâm nhập mặn.")
    html = client.get("/").get_data(as_text=True)
    assert 'id="recommended"' in html
    assert _listed(html, "recommended-orders") == [("order", str(call.id))]
    assert _listed(html, "recommended-needs") == [("need", str(need.id))]
    assert f"/orders/{draft.id}" not in html


@pytest.mark.parametrize("role", [None, Role.ENTERPRISE, Role.OFFICIAL])
def test_only_researchers_get_recommendations(client, auth, role):
    if role is not None:
        auth.login_as(role)
    assert 'id="recommended"' not in client.get("/").get_data(as_text=True)


def test_duplicates_partial_links_each_text_with_its_similarity(
    app, matching_places, water_company, make_user
):
    order = _order(matching_places["so"], *SALINITY, state="closed")
    views = matching.duplicates_for_text(
        SALINITY[1], title=SALINITY[0], viewer=make_user(Role.OFFICIAL)
    )
    with app.test_request_context():
        session["lang"] = "en"
        html = render_template_string(
            '{% from "matching/_duplicates.html" import duplicate_warning %}{{ duplicate_warning(views) }}',
            views=views,
        )
        closed = str(STATE_LABELS["closed"])
    assert f'href="/orders/{order.id}"' in html
    assert re.search(
        r'data-level="identical" title="similarity [01]\.\d\d">Identical<', html
    )
    assert f"Sở KH&amp;CN · {closed}" in html


def test_demo_salinity_order_lists_the_salinity_researchers_first(app):
    demo.load_demo_data()
    rows = json.loads((demo.DATA_DIR / "orders.json").read_text(encoding="utf-8"))
    title = next(
        r["title"]
        for r in rows
        if r["key"] == "du-bao-canh-bao-som-xam-nhap-man-song-hau"
    )
    order = db.session.scalar(
        sa.select(ResearchOrder).where(ResearchOrder.title == normalise(title))
    )
    researchers = json.loads(
        (demo.DATA_DIR / "researchers.json").read_text(encoding="utf-8")
    )
    emails = [
        r["email"] for r in researchers if r.get("priority_area") == "salinity_water"
    ]
    salinity = {
        str(pk)
        for pk in db.session.scalars(
            sa.select(ResearcherProfile.id)
            .join(ResearcherProfile.user)
            .where(User.email.in_(emails))
        )
    }
    with app.test_request_context():
        html = render_template_string(
            '{% from "matching/_matches.html" import matches_section %}{{ matches_section(m) }}',
            m=matching.matches_for_order(order, None),
        )
    ranked = [key for _kind, key in _listed(html, "matched-researchers")]
    assert set(ranked[: len(salinity)]) == salinity


def test_demo_rice_disease_ai_project_lists_its_own_pi_first(client):
    demo.load_demo_data()
    rows = json.loads((demo.DATA_DIR / "orders.json").read_text(encoding="utf-8"))
    row = next(r for r in rows if r["key"] == "nhan-dang-som-dao-on-ray-nau-anh-drone")
    project = db.session.scalar(
        sa.select(Project).where(Project.title == normalise(row["title"]))
    )
    pi = db.session.scalar(
        sa.select(ResearcherProfile)
        .join(ResearcherProfile.user)
        .where(User.email == row["proposals"][0]["pi"])
    )
    assert project.pi_id == pi.user_id
    html = client.get(f"/projects/{project.id}").get_data(as_text=True)
    assert _listed(html, "matched-researchers")[0] == ("researcher", str(pi.id))
    first = html.split('id="matched-researchers"')[1].split("</li>")[0]
    assert "best project" in first and project.title in first
