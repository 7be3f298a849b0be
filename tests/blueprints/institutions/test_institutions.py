"""Institutions: public pages, administration, and the all-or-nothing staff import."""

from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa

from matchmaker.extensions import db
from matchmaker.models import (
    Institution,
    ResearcherProfile,
    Role,
    User,
)

NEW = {"name_vi": "Viện Lúa Đồng bằng sông Cửu Long", "name_en": "Cuu Long Delta Rice Research Institute",
       "short_name": "CLRRI", "kind": "institute", "district": "Thới Lai", "address": "", "website": "https://clrri.org"}  # fmt: skip

STAFF = (
    "Họ và tên,Email,Đơn vị,Chức vụ,Học hàm,Học vị\n"
    "Nguyễn Thị Lúa,lua@demo.cantho.example,Bộ môn Di truyền,Nghiên cứu viên,,ThS\n"
    "Trần Văn Mạ,ma@demo.cantho.example,Bộ môn Canh tác,Trưởng bộ môn,PGS,TS\n"
)


def _batch(page: str) -> str:
    return re.search(r"/staff-import/(\d+)", page).group(1)


def _upload(client, slug: str, text: str | bytes):
    data = text.encode() if isinstance(text, str) else text
    return client.post(
        f"/institutions/{slug}/staff-import",
        data={"upload": (io.BytesIO(data), "staff.csv")},
        content_type="multipart/form-data",
    )


def test_admin_creates_institution_with_ascii_slug(client, auth):
    auth.login_as(Role.ADMIN)
    response = client.post("/institutions/new", data=NEW)
    assert (
        response.status_code == 302
        and response.headers["Location"] == "/institutions/clrri"
    )
    assert db.session.scalar(sa.select(Institution.name_vi)) == NEW["name_vi"]


def test_duplicate_institution_name_is_refused(client, auth, ctu):
    auth.login_as(Role.ADMIN)
    page = client.post(
        "/institutions/new", data=NEW | {"name_vi": "trường đại học cần thơ"}
    ).get_data(as_text=True)
    assert 'id="name_vi-errors"' in page and 'value="CLRRI"' in page
    assert db.session.scalar(sa.select(sa.func.count(Institution.id))) == 1


def test_admin_edits_institution(client, auth, ctu):
    auth.login_as(Role.ADMIN)
    client.post(
        "/institutions/ctu/edit",
        data=NEW
        | {
            "name_vi": "Trường Đại học Cần Thơ",
            "short_name": "CTU",
            "kind": "university",
        },
    )
    db.session.refresh(ctu)
    assert ctu.website == "https://clrri.org" and ctu.slug == "ctu"


def test_non_admin_cannot_create_or_edit(client, auth, ctu):
    auth.login_as(Role.OFFICIAL)
    assert client.post("/institutions/new", data=NEW).status_code == 403
    assert client.post("/institutions/ctu/edit", data=NEW).status_code == 403
    db.session.refresh(ctu)
    assert ctu.name_vi == "Trường Đại học Cần Thơ"


def test_public_page_lists_only_public_researchers_to_visitors(
    client, auth, ctu, make_user
):
    shown = make_user(Role.RESEARCHER, full_name="Người Công Khai", institution=ctu)
    hidden = make_user(Role.RESEARCHER, full_name="Người Kín Đáo", institution=ctu)
    db.session.add_all([ResearcherProfile(user=shown, keywords=[], links=[]),
                        ResearcherProfile(user=hidden, keywords=[], links=[], public=False)])  # fmt: skip
    db.session.commit()
    page = client.get("/institutions/ctu").get_data(as_text=True)
    assert "Người Công Khai" in page and "Người Kín Đáo" not in page
    auth.login_as(Role.ENTERPRISE)
    assert "Người Kín Đáo" in client.get("/institutions/ctu").get_data(as_text=True)


def test_unknown_institution_is_404(client):
    assert client.get("/institutions/khong-co").status_code == 404


def test_staff_import_dry_run_then_all_accounts_inactive_with_invitations(
    client, auth, ctu, outbox
):
    auth.login_as(Role.ADMIN)
    page = _upload(client, "ctu", STAFF).get_data(as_text=True)
    assert "Nguyễn Thị Lúa" in page and 'id="confirm-staff"' in page
    assert (
        db.session.scalar(
            sa.select(sa.func.count(User.id)).where(User.institution_id == ctu.id)
        )
        == 0
    )
    client.post(f"/institutions/ctu/staff-import/{_batch(page)}")
    created = db.session.scalars(
        sa.select(User).where(User.institution_id == ctu.id).order_by(User.email)
    ).all()
    assert [u.email for u in created] == [
        "lua@demo.cantho.example",
        "ma@demo.cantho.example",
    ]
    assert all(
        not u.active and u.invitation_pending and u.role == Role.RESEARCHER
        for u in created
    )
    assert sorted(m.to[0] for m in outbox) == [
        "lua@demo.cantho.example",
        "ma@demo.cantho.example",
    ]
    profile = db.session.scalar(
        sa.select(ResearcherProfile).where(ResearcherProfile.user_id == created[1].id)
    )
    assert (profile.academic_title, profile.degree, profile.department) == (
        "PGS",
        "TS",
        "Bộ môn Canh tác",
    )


def test_invited_person_activates_by_choosing_a_password(client, auth, ctu, outbox):
    auth.login_as(Role.ADMIN)
    page = _upload(client, "ctu", STAFF).get_data(as_text=True)
    client.post(f"/institutions/ctu/staff-import/{_batch(page)}")
    auth.logout()
    assert (
        auth.login("lua@demo.cantho.example", "Lua-ma-Thoi-Lai-2026").status_code == 200
    )
    link = re.search(r"http://matchmaker\.test(/auth/reset/\S+)", outbox[0].body).group(
        1
    )
    client.post(
        link,
        data={"password": "Lua-ma-Thoi-Lai-2026", "confirm": "Lua-ma-Thoi-Lai-2026"},
    )
    assert auth.login(outbox[0].to[0], "Lua-ma-Thoi-Lai-2026").status_code == 302


@pytest.mark.parametrize(
    ("row", "line_text"),
    [
        (",khong-ten@demo.cantho.example,,,,", "3"),
        ("Tên Sai Email,not-an-email,,,,", "3"),
        ("Trùng,lua@demo.cantho.example,,,,", "3"),
        ("Học Hàm Lạ,x@demo.cantho.example,,,Viện sĩ,", "3"),
    ],
)
def test_staff_import_reports_invalid_rows_and_writes_nothing(
    client, auth, ctu, row, line_text
):
    auth.login_as(Role.ADMIN)
    text = STAFF.splitlines()[0] + "\n" + STAFF.splitlines()[1] + "\n" + row + "\n"
    page = _upload(client, "ctu", text).get_data(as_text=True)
    problems = page.split('id="staff-problems"', 1)[1].split("</ul>", 1)[0]
    assert line_text in problems and 'id="confirm-staff"' not in page
    assert (
        db.session.scalar(
            sa.select(sa.func.count(User.id)).where(User.institution_id == ctu.id)
        )
        == 0
    )


def test_staff_import_reports_already_registered_address(client, auth, ctu, make_user):
    auth.login_as(Role.ADMIN)
    make_user(email="ma@demo.cantho.example")
    page = _upload(client, "ctu", STAFF).get_data(as_text=True)
    assert (
        "ma@demo.cantho.example" in page.split('id="staff-problems"', 1)[1]
        and 'id="confirm-staff"' not in page
    )


def test_staff_import_is_all_or_nothing_when_someone_registers_meanwhile(
    client, auth, ctu, make_user
):
    auth.login_as(Role.ADMIN)
    page = _upload(client, "ctu", STAFF).get_data(as_text=True)
    make_user(
        email="ma@demo.cantho.example"
    )  # registered between the dry run and the confirmation
    client.post(f"/institutions/ctu/staff-import/{_batch(page)}")
    assert (
        db.session.scalar(
            sa.select(sa.func.count(User.id)).where(
                User.email == "lua@demo.cantho.example"
            )
        )
        == 0
    )


def test_staff_import_refuses_non_utf8_file(client, auth, ctu):
    auth.login_as(Role.ADMIN)
    page = _upload(client, "ctu", STAFF.encode("cp1258", errors="replace")).get_data(
        as_text=True
    )
    assert 'id="staff-problems"' in page and 'id="confirm-staff"' not in page


def test_admin_sets_the_province_shown_on_the_institution_page(client, auth, ctu):
    auth.login_as(Role.ADMIN)
    data = NEW | {
        "name_vi": "Trường Đại học Cần Thơ",
        "short_name": "CTU",
        "kind": "university",
    }
    client.post("/institutions/ctu/edit", data=data | {"province": "Thành phố Cần Thơ"})
    db.session.refresh(ctu)
    assert ctu.province == "Thành phố Cần Thơ"
    page = client.get("/institutions/ctu").get_data(as_text=True)
    assert 'id="institution-province">Thành phố Cần Thơ<' in page


def test_an_unknown_province_is_refused_and_what_was_typed_is_kept(client, auth, ctu):
    auth.login_as(Role.ADMIN)
    page = client.post(
        "/institutions/ctu/edit",
        data=NEW | {"kind": "university", "province": "Sao Hỏa"},
    ).get_data(as_text=True)
    assert 'id="province-errors"' in page and 'value="CLRRI"' in page
    db.session.refresh(ctu)
    assert ctu.province == "" and ctu.name_vi == "Trường Đại học Cần Thơ"
