"""Researcher profiles: editing, validation, visibility, completeness."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from matchmaker.extensions import db
from matchmaker.models import Publication, ResearcherProfile, Role

VALID = {
    "full_name": "Trương Hoàng Phúc",
    "academic_title": "PGS",
    "degree": "TS",
    "department": "Khoa Môi trường và Tài nguyên thiên nhiên",
    "position": "Giảng viên cao cấp",
    "fields": ["105", "207"],
    "priority_area": "salinity_water",
    "keywords": "xâm nhập mặn\nthủy văn, MIKE 11; salinity intrusion",
    "summary": "Nghiên cứu **xâm nhập mặn** vùng ĐBSCL.",
    "capabilities": "Bộ mô hình MIKE 11.",
    "orcid": "https://orcid.org/0000-0002-1825-0097",
    "contact_email": "Phuc@demo.cantho.example",
    "links": "https://scholar.google.com/citations?user=abc",
    "open_to_orders": "y",
    "public": "y",
}


def _profile(user) -> ResearcherProfile:
    return db.session.scalar(
        sa.select(ResearcherProfile).where(ResearcherProfile.user_id == user.id)
    )


def test_edit_saves_every_field_normalised(client, researcher, institution):
    response = client.post(
        "/researchers/me", data=VALID | {"institution": str(institution.id)}
    )
    assert response.status_code == 302
    profile = _profile(researcher)
    assert profile.orcid == "0000-0002-1825-0097"
    assert profile.keywords == [
        "xâm nhập mặn",
        "thủy văn",
        "MIKE 11",
        "salinity intrusion",
    ]
    assert (
        profile.field_codes == ["105", "207"]
        and profile.user.institution_id == institution.id
    )
    assert (
        profile.contact_email == "phuc@demo.cantho.example"
        and profile.academic_title == "PGS"
    )


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"orcid": "0000-0002-1825-0098"}, "orcid"),  # wrong checksum
        ({"orcid": "1234"}, "orcid"),
        ({"contact_email": "not-an-address"}, "contact_email"),
        ({"links": "javascript:alert(1)"}, "links"),
        ({"fields": ["999"]}, "fields"),
        ({"degree": "XYZ"}, "degree"),
        ({"full_name": ""}, "full_name"),
        ({"summary": "x" * 5001}, "summary"),
        ({"keywords": "k" * 81}, "keywords"),
        ({"institution": "99999"}, "institution"),
    ],
)
def test_edit_rejects_bad_input_keeps_typed_and_changes_nothing(
    client, researcher, changes, field
):
    client.get("/researchers/me")  # creates the empty profile
    response = client.post("/researchers/me", data=VALID | changes)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and f'id="{field}-errors"' in page
    assert (
        "Khoa Môi trường và Tài nguyên thiên nhiên" in page
    )  # what was typed is still there
    assert _profile(researcher).department == ""


def test_other_roles_cannot_edit_a_researcher_profile(client, auth):
    auth.login_as(Role.ENTERPRISE)
    assert client.post("/researchers/me", data=VALID).status_code == 403
    assert db.session.scalar(sa.select(sa.func.count(ResearcherProfile.id))) == 0


def test_public_page_renders_markdown_safely(client, make_profile):
    profile = make_profile(
        summary="**Mặn** <script>alert(1)</script> [x](javascript:alert(2))"
    )
    page = client.get(f"/researchers/{profile.id}").get_data(as_text=True)
    assert "<strong>Mặn</strong>" in page
    assert "<script>alert(1)" not in page and 'href="javascript:' not in page


def test_contact_email_only_for_signed_in_users(client, auth, make_profile):
    profile = make_profile(contact_email="lienhe@demo.cantho.example")
    assert "lienhe@demo.cantho.example" not in client.get(
        f"/researchers/{profile.id}"
    ).get_data(as_text=True)
    auth.login_as(Role.ENTERPRISE)
    assert "lienhe@demo.cantho.example" in client.get(
        f"/researchers/{profile.id}"
    ).get_data(as_text=True)


def test_opted_out_profile_is_hidden_from_anonymous_visitors(
    client, auth, make_profile
):
    hidden = make_profile(public=False, full_name="Người Ẩn Danh")
    assert client.get(f"/researchers/{hidden.id}").status_code == 404
    assert "Người Ẩn Danh" not in client.get("/researchers/").get_data(as_text=True)
    auth.login_as(Role.OFFICIAL)
    assert client.get(f"/researchers/{hidden.id}").status_code == 200
    assert "Người Ẩn Danh" in client.get("/researchers/").get_data(as_text=True)


def test_deactivated_researcher_is_not_shown(client, make_profile):
    profile = make_profile()
    profile.user.active = False
    db.session.commit()
    assert client.get(f"/researchers/{profile.id}").status_code == 404


def test_list_filters_by_text_field_and_institution(client, make_profile, institution):
    from matchmaker.models import ResearcherField

    salt = make_profile(
        full_name="Lê Mặn", keywords=["xâm nhập mặn"], institution=institution
    )
    salt.field_rows = [ResearcherField(field_code="105")]
    make_profile(full_name="Trần Tôm", keywords=["tôm thẻ chân trắng"])
    db.session.commit()
    by_keyword = client.get("/researchers/", query_string={"q": "xâm nhập"}).get_data(
        as_text=True
    )
    assert "Lê Mặn" in by_keyword and "Trần Tôm" not in by_keyword
    by_field = client.get("/researchers/?field=105").get_data(as_text=True)
    assert "Lê Mặn" in by_field and "Trần Tôm" not in by_field
    by_institution = client.get(f"/researchers/?institution={institution.id}").get_data(
        as_text=True
    )
    assert "Lê Mặn" in by_institution and "Trần Tôm" not in by_institution


def test_list_is_paginated(client, make_profile):
    for n in range(25):
        make_profile(full_name=f"Nhà khoa học {n:02d}")
    first = client.get("/researchers/").get_data(as_text=True)
    second = client.get("/researchers/?page=2").get_data(as_text=True)
    assert (
        "Nhà khoa học 00" in first
        and "Nhà khoa học 24" not in first
        and "Nhà khoa học 24" in second
    )


def test_completeness_tells_what_to_improve(client, researcher):
    client.get("/researchers/me")
    page = client.get(f"/researchers/{_profile(researcher).id}").get_data(as_text=True)
    assert 'id="completeness" value="0"' in page
    client.post("/researchers/me", data=VALID)
    page = client.get(f"/researchers/{_profile(researcher).id}").get_data(as_text=True)
    value = int(page.split('id="completeness" value="', 1)[1].split('"', 1)[0])
    assert 0 < value < 100
    client.get("/lang/en")
    page = client.get(f"/researchers/{_profile(researcher).id}").get_data(as_text=True)
    assert (
        "Add at least three publications" in page
        and "Choose your research fields" not in page
    )


def test_completeness_is_shown_only_to_the_owner(client, make_profile, auth):
    profile = make_profile()
    auth.login_as(Role.RESEARCHER)
    assert 'id="completeness"' not in client.get(f"/researchers/{profile.id}").get_data(
        as_text=True
    )


def test_edit_form_shows_saved_values_as_text(client, researcher):
    client.post("/researchers/me", data=VALID)
    page = client.get("/researchers/me").get_data(as_text=True)
    assert (
        "xâm nhập mặn\nthủy văn" in page
        and "https://scholar.google.com/citations?user=abc</textarea>" in page
    )
    assert "[&#39;" not in page and "[]" not in page
    assert re.search(
        r'<input checked [^>]*name="fields" type="checkbox" value="105">', page
    )


def test_the_profile_form_leads_to_publications_ip_and_the_import(client, researcher):
    client.get("/researchers/me")
    profile = _profile(researcher)
    profile.publications.append(
        Publication(title="Xâm nhập mặn sông Hậu", title_key="xam nhap man song hau")
    )
    db.session.commit()
    page = client.get("/researchers/me").get_data(as_text=True)
    evidence = page.split('id="profile-evidence"', 1)[1].split("</nav>", 1)[0]
    assert 'href="/researchers/me/publications"' in evidence
    assert 'href="/researchers/me/ip"' in evidence
    assert 'href="/researchers/me/publications/import"' in evidence
    assert ">1</span>" in evidence  # the number of publications
