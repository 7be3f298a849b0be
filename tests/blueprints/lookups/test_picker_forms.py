"""The forms that use the pickers: they still send the same values, refuse what their list does not hold,
keep what was typed on error, and work without JavaScript (fields as grouped checkboxes, a plain select)."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from matchmaker.extensions import db
from matchmaker.models import ResearcherProfile, ResearchOrder, Role

PROFILE = {"full_name": "Trương Hoàng Phúc", "department": "Khoa Nông nghiệp"}
DRAFT = {"title": "Dự báo xâm nhập mặn sông Hậu", "necessity": "Mặn vào sâu 60 km mùa khô 2024."}  # fmt: skip


def test_profile_form_lists_fields_by_group_and_the_institution_picker(
    client, auth, ctu
):
    auth.login_as(Role.RESEARCHER)
    page = client.get("/researchers/me").get_data(as_text=True)
    assert re.search(r"<legend[^>]*>Khoa học nông nghiệp</legend>", page)
    assert 'type="checkbox" value="401"' in page
    assert 'data-picker-url="/lookups/fields"' in page
    assert 'data-picker-url="/lookups/institutions/profile"' in page
    assert f'<option value="{ctu.id}">Trường Đại học Cần Thơ</option>' in page
    assert page.count('role="status"') >= 2  # each picker's live region


def test_profile_saves_the_ticked_fields_and_the_chosen_institution(client, auth, ctu):
    user = auth.login_as(Role.RESEARCHER)
    response = client.post(
        "/researchers/me",
        data=PROFILE | {"fields": ["401", "405"], "institution": str(ctu.id)},
    )
    assert response.status_code == 302
    db.session.expire_all()
    profile = db.session.scalar(
        sa.select(ResearcherProfile).where(ResearcherProfile.user_id == user.id)
    )
    assert profile.field_codes == ["401", "405"]
    assert profile.user.institution_id == ctu.id


def test_profile_form_keeps_ticked_fields_on_error(client, auth, ctu):
    auth.login_as(Role.RESEARCHER)
    page = client.post(
        "/researchers/me",
        data=PROFILE | {"full_name": "", "fields": ["401"], "institution": str(ctu.id)},
    ).get_data(as_text=True)
    assert 'id="full_name-errors"' in page and "Khoa Nông nghiệp" in page
    assert re.search(r'<input checked [^>]*name="fields" type="checkbox" value="401">', page)  # fmt: skip
    assert f'<option selected value="{ctu.id}">' in page


def test_order_form_refuses_an_institution_that_is_not_an_agency(
    client, auth, agency, ctu
):
    auth.login_as(Role.OFFICIAL)
    page = client.post("/orders/new", data=DRAFT | {"agency": str(ctu.id)}).get_data(
        as_text=True
    )
    assert 'id="agency-errors"' in page and "Mặn vào sâu 60 km" in page
    assert "Trường Đại học Cần Thơ" not in page  # the list holds agencies only
    assert db.session.scalar(sa.select(sa.func.count(ResearchOrder.id))) == 0


def test_order_form_sends_the_agency_id(client, auth, agency):
    auth.login_as(Role.OFFICIAL)
    page = client.get("/orders/new").get_data(as_text=True)
    assert 'data-picker-url="/lookups/institutions/order"' in page
    response = client.post("/orders/new", data=DRAFT | {"agency": str(agency.id)})
    assert response.status_code == 302
    assert db.session.scalar(sa.select(ResearchOrder.agency_id)) == agency.id


@pytest.mark.parametrize(
    ("url", "purpose", "role"),
    [
        ("/projects/new", "project", Role.OFFICIAL),
        ("/projects/import", "project", Role.OFFICIAL),
        ("/admin/users/new", "account", Role.ADMIN),
    ],
)
def test_other_institution_forms_use_the_picker(client, auth, ctu, url, purpose, role):
    auth.login_as(role)
    page = client.get(url).get_data(as_text=True)
    assert f'data-picker-url="/lookups/institutions/{purpose}"' in page
    assert f'<option value="{ctu.id}">Trường Đại học Cần Thơ</option>' in page
    assert "js/picker.js" in page


@pytest.mark.parametrize(
    "url", ["/orders/new", "/projects/new", "/enterprises/needs/new"]
)
def test_one_research_field_is_chosen_with_the_field_picker(
    client, auth, login_rep, make_enterprise, url
):
    if url.startswith("/enterprises"):
        login_rep(make_enterprise())
    else:
        auth.login_as(Role.OFFICIAL)
    page = client.get(url).get_data(as_text=True)
    picker = re.search(
        r'<div class="mb-3 mm-picker" id="field_code-picker"[^>]*>', page
    )
    assert picker, url
    assert 'data-picker-url="/lookups/fields"' in picker.group(0)
    assert 'data-picker-detail="group"' in picker.group(0)
    assert (
        '<option value="405">405 · Thủy sản</option>' in page
    )  # the select is sent, and all there is without JS
    assert "js/picker.js" in page
