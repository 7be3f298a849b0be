"""A project's principal investigator named from another institution: shown as awaiting, confirm, decline."""

from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa

from matchmaker.extensions import db
from matchmaker.models import (
    Institution,
    InstitutionKind,
    Notification,
    Project,
    ResearcherProfile,
    Role,
)

FORM = {
    "title": "Lọc nước giếng khoan nhiễm asen",
    "pi_name": "",
    "start_year": "2019",
    "end_year": "2021",
    "status": "completed",
}


@pytest.fixture
def ctu_and_tdu(app) -> tuple[Institution, Institution]:
    ctu = Institution(
        slug="ctu", name_vi="Trường Đại học Cần Thơ", kind=InstitutionKind.UNIVERSITY
    )
    tdu = Institution(
        slug="tdu", name_vi="Trường Đại học Tây Đô", kind=InstitutionKind.UNIVERSITY
    )
    db.session.add_all([ctu, tdu])
    db.session.commit()
    return ctu, tdu


@pytest.fixture
def named(make_user, ctu_and_tdu):
    """A researcher of Tây Đô with a public profile."""
    user = make_user(
        Role.RESEARCHER, institution_id=ctu_and_tdu[1].id, full_name="Huỳnh Kim Thoa"
    )
    profile = ResearcherProfile(user=user, keywords=["asen"], links=[], public=True)
    db.session.add(profile)
    db.session.commit()
    return user


@pytest.fixture
def pending_project(client, auth, english, ctu_and_tdu, named) -> Project:
    """A project registered through the form by a Cần Thơ researcher who names ``named`` as PI."""
    auth.login_as(Role.RESEARCHER, institution_id=ctu_and_tdu[0].id)
    response = client.post(
        "/projects/new",
        data=FORM | {"institution": str(ctu_and_tdu[0].id), "pi_email": named.email},
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    auth.logout()
    return db.session.scalar(sa.select(Project))


def _pi_cell(page: str) -> str:
    return page.split('id="project-pi"')[1].split("</dd>")[0]


def _profile_id(user) -> int:
    return db.session.scalar(
        sa.select(ResearcherProfile.id).where(ResearcherProfile.user_id == user.id)
    )


def test_form_registers_the_project_with_the_pi_awaiting_confirmation(
    client, pending_project, named
):
    assert (pending_project.pi_id, pending_project.pending_pi_id) == (None, named.id)
    page = client.get(f"/projects/{pending_project.id}").get_data(as_text=True)
    pi = _pi_cell(page)
    assert 'id="pi-awaiting"' in pi and "Awaiting confirmation" in pi
    assert (
        "Huỳnh Kim Thoa" in pi and "href=" not in pi
    )  # their name, not yet a link to them
    assert (
        'id="pi-request"' not in page
    )  # the buttons are for the named researcher only
    profile = client.get(f"/researchers/{_profile_id(named)}").get_data(as_text=True)
    assert "Lọc nước giếng khoan" not in profile


def test_named_researcher_is_notified_and_confirms(
    client, auth, pending_project, named
):
    notice = db.session.scalar(
        sa.select(Notification).where(Notification.user_id == named.id)
    )
    assert (notice.kind, notice.endpoint, notice.endpoint_values) == (
        "project_pi_requested",
        "projects.detail",
        {"project_id": pending_project.id},
    )
    auth.login(named.email)
    page = client.get(f"/projects/{pending_project.id}").get_data(as_text=True)
    assert 'id="pi-request"' in page and 'id="pi-confirm"' in page
    response = client.post(f"/projects/{pending_project.id}/pi/confirm")
    assert (response.status_code, response.headers["Location"]) == (
        302,
        f"/projects/{pending_project.id}",
    )
    db.session.expire_all()
    assert db.session.get(Project, pending_project.id).pi_id == named.id
    page = client.get(f"/projects/{pending_project.id}").get_data(as_text=True)
    assert 'id="pi-awaiting"' not in page and 'id="pi-request"' not in page
    assert f'href="/researchers/{_profile_id(named)}"' in _pi_cell(page)


def test_named_researcher_declines(client, auth, pending_project, named):
    auth.login(named.email)
    assert client.post(f"/projects/{pending_project.id}/pi/decline").status_code == 302
    db.session.expire_all()
    saved = db.session.get(Project, pending_project.id)
    assert (saved.pi_id, saved.pending_pi_id) == (None, None)
    page = client.get(f"/projects/{pending_project.id}").get_data(as_text=True)
    assert "Huỳnh Kim Thoa" not in _pi_cell(page)


@pytest.mark.parametrize(
    "who", ["registrant-colleague", "official", "other-researcher"]
)
def test_nobody_else_may_answer(client, auth, pending_project, named, ctu_and_tdu, who):
    role, extra = {
        "registrant-colleague": (
            Role.RESEARCHER,
            {"institution_id": ctu_and_tdu[0].id},
        ),
        "official": (Role.OFFICIAL, {}),
        "other-researcher": (Role.RESEARCHER, {"institution_id": ctu_and_tdu[1].id}),
    }[who]
    auth.login_as(role, **extra)
    for answer in ("confirm", "decline"):
        assert (
            client.post(f"/projects/{pending_project.id}/pi/{answer}").status_code
            == 403
        )
    db.session.expire_all()
    assert db.session.get(Project, pending_project.id).pending_pi_id == named.id


def test_answers_need_a_signed_in_post(client, auth, pending_project, named):
    response = client.post(f"/projects/{pending_project.id}/pi/confirm")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    auth.login(named.email)
    assert client.get(f"/projects/{pending_project.id}/pi/confirm").status_code == 405
    assert (
        client.post(f"/projects/{pending_project.id + 1}/pi/confirm").status_code == 404
    )
    assert client.post(f"/projects/{pending_project.id}/pi/maybe").status_code == 404


def test_answers_are_protected_by_csrf(app, client, auth, pending_project, named):
    auth.login(named.email)
    app.config["WTF_CSRF_ENABLED"] = True
    assert client.post(f"/projects/{pending_project.id}/pi/confirm").status_code == 400
    db.session.expire_all()
    assert db.session.get(Project, pending_project.id).pending_pi_id == named.id
    page = client.get(f"/projects/{pending_project.id}").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post(
        f"/projects/{pending_project.id}/pi/confirm", data={"csrf_token": token}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Project, pending_project.id).pi_id == named.id


def test_import_preview_says_who_will_be_asked(
    client, auth, english, ctu_and_tdu, named
):
    auth.login_as(Role.RESEARCHER, institution_id=ctu_and_tdu[0].id)
    text = f"title,pi_name,pi_email\nKhử asen bằng vật liệu đá ong,Huỳnh Kim Thoa,{named.email}\n"
    preview = client.post(
        "/projects/import",
        data={"institution": str(ctu_and_tdu[0].id), "upload": (io.BytesIO(text.encode()), "du-an.csv")},
        content_type="multipart/form-data",
    ).get_data(as_text=True)  # fmt: skip
    assert (
        'id="project-to-confirm"' in preview and "will be asked to confirm" in preview
    )
    batch_id = int(preview.split("/projects/import/")[1].split('"')[0])
    response = client.post(
        f"/projects/import/{batch_id}", data={"institution": str(ctu_and_tdu[0].id)}
    )
    assert response.status_code == 302
    saved = db.session.scalar(sa.select(Project))
    assert (saved.pi_id, saved.pending_pi_id) == (None, named.id)
