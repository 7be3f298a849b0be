"""Enterprise profiles: creating, editing by its representatives only, inviting colleagues, listing."""

from __future__ import annotations

import re
import unicodedata

import pytest
import sqlalchemy as sa

from matchmaker.extensions import db
from matchmaker.models import Enterprise, EnterpriseSize, Role, User

TAX_CODE = "0100109106"


def _profile(**overrides) -> dict:
    return {
        "name": "Công ty TNHH Gạo Sạch Cần Thơ",
        "tax_code": TAX_CODE,
        "sector": "Chế biến lúa gạo",
        "size": "small",
        "address": "12 Đường 30/4",
        "district": "Ninh Kiều",
        "website": "https://gaosach.example.vn",
    } | overrides


def test_create_makes_the_user_its_representative(client, auth):
    user = auth.login_as(Role.ENTERPRISE)
    response = client.post("/enterprises/new", data=_profile())
    enterprise = db.session.scalar(sa.select(Enterprise))
    assert response.status_code == 302
    assert response.headers["Location"] == f"/enterprises/{enterprise.id}"
    db.session.refresh(user)
    assert user.enterprise_id == enterprise.id
    assert (
        enterprise.size == EnterpriseSize.SMALL and enterprise.district == "Ninh Kiều"
    )
    assert enterprise.slug == "cong-ty-tnhh-gao-sach-can-tho"


def test_create_normalises_text_to_nfc(client, auth):
    auth.login_as(Role.ENTERPRISE)
    name = "Công ty Thủy sản Cửu Long"
    client.post(
        "/enterprises/new", data=_profile(name=unicodedata.normalize("NFD", name))
    )
    stored = db.session.scalar(sa.select(Enterprise.name))
    assert stored == unicodedata.normalize(
        "NFC", name
    ) and stored != unicodedata.normalize("NFD", name)


def test_create_accepts_a_branch_tax_code(client, auth, tax_code):
    auth.login_as(Role.ENTERPRISE)
    code = tax_code(777)
    client.post("/enterprises/new", data=_profile(tax_code=f" {code}-002 "))
    assert db.session.scalar(sa.select(Enterprise.tax_code)) == f"{code}-002"


@pytest.mark.parametrize("bad", ["12345", "0100109107", "0100109106-000", "01001O9106"])
def test_create_rejects_a_bad_tax_code_and_keeps_the_input(client, auth, bad):
    auth.login_as(Role.ENTERPRISE)
    response = client.post("/enterprises/new", data=_profile(tax_code=bad))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="tax_code-errors"' in page and f'value="{bad}"' in page
    assert 'value="Công ty TNHH Gạo Sạch Cần Thơ"' in page
    assert db.session.scalar(sa.select(sa.func.count(Enterprise.id))) == 0


def test_create_with_a_registered_tax_code_asks_for_an_invitation(
    client, auth, make_enterprise
):
    existing = make_enterprise()
    user = auth.login_as(Role.ENTERPRISE)
    response = client.post(
        "/enterprises/new", data=_profile(tax_code=existing.tax_code)
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and 'id="tax_code-errors"' in page
    assert "invite you" in page
    db.session.refresh(user)
    assert user.enterprise_id is None
    assert db.session.scalar(sa.select(sa.func.count(Enterprise.id))) == 1


def test_create_rejects_a_bad_website(client, auth):
    auth.login_as(Role.ENTERPRISE)
    page = client.post(
        "/enterprises/new", data=_profile(website="javascript:alert(1)")
    ).get_data(as_text=True)
    assert 'id="website-errors"' in page
    assert db.session.scalar(sa.select(Enterprise)) is None


def test_create_bounds_the_lengths(client, auth):
    auth.login_as(Role.ENTERPRISE)
    page = client.post("/enterprises/new", data=_profile(name="x" * 301)).get_data(
        as_text=True
    )
    assert 'id="name-errors"' in page
    assert db.session.scalar(sa.select(Enterprise)) is None


def test_create_sends_a_representative_with_an_enterprise_to_it(
    client, login_rep, make_enterprise
):
    enterprise = make_enterprise()
    login_rep(enterprise)
    response = client.get("/enterprises/new")
    assert response.headers["Location"] == f"/enterprises/{enterprise.id}"
    client.post("/enterprises/new", data=_profile())
    assert db.session.scalar(sa.select(sa.func.count(Enterprise.id))) == 1


@pytest.mark.parametrize("role", [Role.RESEARCHER, Role.OFFICIAL, Role.ADMIN])
def test_create_is_for_enterprise_representatives(client, auth, role):
    auth.login_as(role)
    assert client.post("/enterprises/new", data=_profile()).status_code == 403
    assert db.session.scalar(sa.select(Enterprise)) is None


def test_representative_edits_the_profile(client, login_rep, make_enterprise):
    enterprise = make_enterprise()
    login_rep(enterprise)
    form = client.get(f"/enterprises/{enterprise.id}/edit").get_data(as_text=True)
    assert f'value="{enterprise.tax_code}"' in form
    response = client.post(
        f"/enterprises/{enterprise.id}/edit",
        data=_profile(name="Tên mới", tax_code=enterprise.tax_code, size="medium"),
    )
    assert response.status_code == 302
    db.session.refresh(enterprise)
    assert enterprise.name == "Tên mới" and enterprise.size == EnterpriseSize.MEDIUM


def test_edit_refuses_another_enterprises_tax_code(client, login_rep, make_enterprise):
    mine, other = make_enterprise(), make_enterprise()
    login_rep(mine)
    page = client.post(
        f"/enterprises/{mine.id}/edit", data=_profile(tax_code=other.tax_code)
    ).get_data(as_text=True)
    assert 'id="tax_code-errors"' in page
    db.session.refresh(mine)
    assert mine.tax_code != other.tax_code


def test_administrator_edits_any_profile(client, auth, make_enterprise):
    enterprise = make_enterprise()
    auth.login_as(Role.ADMIN)
    client.post(
        f"/enterprises/{enterprise.id}/edit",
        data=_profile(name="Sửa bởi quản trị", tax_code=enterprise.tax_code),
    )
    db.session.refresh(enterprise)
    assert enterprise.name == "Sửa bởi quản trị"


@pytest.mark.parametrize(
    "who", ["other_rep", "researcher", "official", "no_enterprise"]
)
def test_edit_by_others_is_forbidden_and_changes_nothing(
    client, auth, login_rep, make_enterprise, who
):
    enterprise = make_enterprise(name="Tên gốc")
    if who == "other_rep":
        login_rep(make_enterprise())
    elif who == "no_enterprise":
        auth.login_as(Role.ENTERPRISE)
    else:
        auth.login_as(Role(who))
    path = f"/enterprises/{enterprise.id}/edit"
    assert client.get(path).status_code == 403
    assert client.post(path, data=_profile(name="Chiếm quyền")).status_code == 403
    db.session.refresh(enterprise)
    assert enterprise.name == "Tên gốc"


def test_edit_sends_visitors_to_sign_in(client, make_enterprise):
    enterprise = make_enterprise(name="Tên gốc")
    response = client.post(f"/enterprises/{enterprise.id}/edit", data=_profile())
    assert "/auth/login?next=" in response.headers["Location"]
    db.session.refresh(enterprise)
    assert enterprise.name == "Tên gốc"


def test_invited_colleague_sets_a_password_and_can_edit(
    client, auth, login_rep, make_enterprise, outbox
):
    enterprise = make_enterprise()
    login_rep(enterprise, full_name="Trần Văn Mời")
    response = client.post(
        f"/enterprises/{enterprise.id}/invite",
        data={
            "full_name": "Lê Thị Đồng Nghiệp",
            "email": "Dong.Nghiep@demo.cantho.example",
        },
    )
    assert response.status_code == 302
    colleague = db.session.scalar(
        sa.select(User).where(User.email == "dong.nghiep@demo.cantho.example")
    )
    assert (
        colleague.role == Role.ENTERPRISE and colleague.enterprise_id == enterprise.id
    )
    assert colleague.password_hash is None
    to_colleague = [m for m in outbox if m.to == [colleague.email]]
    assert any(
        "Trần Văn Mời" in m.body and enterprise.name in m.body for m in to_colleague
    )
    link = next(
        re.search(r"http://matchmaker\.test(/auth/reset/\S+)", m.body).group(1)
        for m in to_colleague
        if "/auth/reset/" in m.body
    )
    auth.logout()
    client.post(
        link, data={"password": "Cai-Rang-cho-noi-26", "confirm": "Cai-Rang-cho-noi-26"}
    )
    assert auth.login(colleague.email, "Cai-Rang-cho-noi-26").status_code == 302
    client.post(
        f"/enterprises/{enterprise.id}/edit",
        data=_profile(name="Sửa bởi đồng nghiệp", tax_code=enterprise.tax_code),
    )
    db.session.refresh(enterprise)
    assert enterprise.name == "Sửa bởi đồng nghiệp"


def test_invite_an_address_with_an_account_is_a_form_error(
    client, login_rep, make_enterprise, make_user, outbox
):
    enterprise = make_enterprise()
    login_rep(enterprise)
    taken = make_user(Role.RESEARCHER)
    response = client.post(
        f"/enterprises/{enterprise.id}/invite",
        data={"full_name": "Ai Đó", "email": taken.email},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and 'id="email-errors"' in page
    assert 'value="Ai Đó"' in page and outbox == []
    db.session.refresh(taken)
    assert taken.role == Role.RESEARCHER and taken.enterprise_id is None


def test_invite_by_another_enterprise_is_forbidden(
    client, login_rep, make_enterprise, outbox
):
    enterprise = make_enterprise()
    login_rep(make_enterprise())
    response = client.post(
        f"/enterprises/{enterprise.id}/invite",
        data={"full_name": "Kẻ Lạ", "email": "la@demo.cantho.example"},
    )
    assert response.status_code == 403 and outbox == []
    assert (
        db.session.scalar(sa.select(User).where(User.email == "la@demo.cantho.example"))
        is None
    )


def test_detail_shows_the_profile_and_its_representatives(
    client, make_enterprise, make_rep
):
    enterprise = make_enterprise(district="Cái Răng")
    make_rep(enterprise, full_name="Nguyễn Đại Diện")
    page = client.get(f"/enterprises/{enterprise.id}").get_data(as_text=True)
    assert enterprise.name in page and "Cái Răng" in page and "Nguyễn Đại Diện" in page
    assert "edit-enterprise" not in page
    assert page.count("<h1") == 1


def test_detail_offers_editing_to_its_representatives(
    client, login_rep, make_enterprise
):
    enterprise = make_enterprise()
    login_rep(enterprise)
    assert "edit-enterprise" in client.get(f"/enterprises/{enterprise.id}").get_data(
        as_text=True
    )


def test_index_filters_by_text_and_size(client, make_enterprise):
    make_enterprise(name="Gạo Mekong", size=EnterpriseSize.LARGE)
    make_enterprise(name="Tôm Sóc Trăng", size=EnterpriseSize.MICRO)
    found = client.get("/enterprises/", query_string={"q": "mekong"}).get_data(
        as_text=True
    )
    assert "Gạo Mekong" in found and "Tôm Sóc Trăng" not in found
    micro = client.get("/enterprises/?size=micro").get_data(as_text=True)
    assert "Tôm Sóc Trăng" in micro and "Gạo Mekong" not in micro


def test_index_is_paginated(client, make_enterprise):
    for _ in range(25):
        make_enterprise()
    first = client.get("/enterprises/").get_data(as_text=True)
    assert 'aria-current="page"' in first and "page=2" in first
    second = client.get("/enterprises/?page=2").get_data(as_text=True)
    assert "Công ty Thủy sản 9</a>" in second and "Công ty Thủy sản 9</a>" not in first
