"""Team members with an account on the project pages: picked in the form, asked, confirm or decline, listed."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from matchmaker.extensions import db
from matchmaker.models import (
    MemberStatus,
    Notification,
    Project,
    ProjectMember,
    ResearcherProfile,
    Role,
)

FORM = {
    "title": "Lọc nước giếng khoan nhiễm asen",
    "pi_name": "Lâm Quốc Bảo",
    "start_year": "2019",
    "end_year": "2021",
    "status": "completed",
    "team": "Trần Văn Hiếu",
}


@pytest.fixture
def crew_member(make_user, tdu):
    """A researcher of Tây Đô with a public profile, named on the team."""
    user = make_user(Role.RESEARCHER, institution_id=tdu.id, full_name="Huỳnh Kim Thoa")
    db.session.add(
        ResearcherProfile(user=user, keywords=["asen"], links=[], public=True)
    )
    db.session.commit()
    return user


@pytest.fixture
def crew_registrant(make_user, ctu):
    return make_user(Role.RESEARCHER, institution_id=ctu.id, full_name="Lâm Quốc Bảo")


@pytest.fixture
def crew_project(client, auth, english, ctu, crew_registrant, crew_member) -> Project:
    """A project registered through the form, naming ``crew_member`` on its team."""
    auth.login(crew_registrant.email)
    response = client.post(
        "/projects/new",
        data=FORM | {"institution": str(ctu.id), "member_ids": [str(crew_member.id)]},
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    auth.logout()
    return db.session.scalar(sa.select(Project))


def _team_cell(page: str) -> str:
    return page.split('id="project-team"')[1].split("</dd>")[0]


def _link_status() -> list[MemberStatus]:
    return list(db.session.scalars(sa.select(ProjectMember.status)))


def test_form_lists_researchers_to_pick(client, auth, english, ctu, crew_member):
    auth.login_as(Role.RESEARCHER, institution_id=ctu.id)
    page = client.get("/projects/new").get_data(as_text=True)
    assert 'name="member_ids"' in page and "Huỳnh Kim Thoa" in page


def test_named_member_sees_the_request_and_confirms(
    client, auth, crew_project, crew_member
):
    page = client.get(f"/projects/{crew_project.id}").get_data(as_text=True)
    assert "Awaiting confirmation" in _team_cell(page)
    assert "/researchers/" not in _team_cell(page)  # not linked until confirmed
    assert 'id="member-request"' not in page
    notice = db.session.scalar(
        sa.select(Notification).where(Notification.user_id == crew_member.id)
    )
    assert notice.kind == "project_member_requested"

    auth.login(crew_member.email)
    page = client.get(f"/projects/{crew_project.id}").get_data(as_text=True)
    assert 'id="member-request"' in page
    response = client.post(f"/projects/{crew_project.id}/team/confirm")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/projects/{crew_project.id}")
    assert _link_status() == [MemberStatus.CONFIRMED]

    page = client.get(f"/projects/{crew_project.id}").get_data(as_text=True)
    assert "You are now shown on the team of this project." in page
    profile_id = db.session.scalar(
        sa.select(ResearcherProfile.id).where(
            ResearcherProfile.user_id == crew_member.id
        )
    )
    team = _team_cell(page)
    assert f'href="/researchers/{profile_id}"' in team and "Trần Văn Hiếu" in team
    assert "Awaiting confirmation" not in team and 'id="member-request"' not in page


def test_profile_lists_projects_joined_next_to_projects_led(
    client, auth, crew_project, crew_member, crew_registrant
):
    auth.login(crew_member.email)
    client.post(f"/projects/{crew_project.id}/team/confirm")
    profile_id = db.session.scalar(
        sa.select(ResearcherProfile.id).where(
            ResearcherProfile.user_id == crew_member.id
        )
    )
    page = client.get(f"/researchers/{profile_id}").get_data(as_text=True)
    joined = page.split('id="projects-joined"')[1].split("</ul>")[0]
    led = page.split('id="projects-led"')[1].split("</ul>")[0]
    assert crew_project.title in joined and crew_project.title not in led


def test_named_member_declines(client, auth, crew_project, crew_member):
    auth.login(crew_member.email)
    response = client.post(f"/projects/{crew_project.id}/team/decline")
    assert response.status_code == 302
    assert _link_status() == []
    page = client.get(f"/projects/{crew_project.id}").get_data(as_text=True)
    assert "Huỳnh Kim Thoa" not in _team_cell(page)


@pytest.mark.parametrize("who", ["registrant", "other", "admin"])
def test_nobody_else_may_answer(
    client, auth, make_user, crew_project, crew_registrant, who
):
    if who == "registrant":
        auth.login(crew_registrant.email)
    else:
        auth.login_as(Role.ADMIN if who == "admin" else Role.RESEARCHER)
    response = client.post(f"/projects/{crew_project.id}/team/confirm")
    assert response.status_code == 403
    assert _link_status() == [MemberStatus.PENDING]


def test_answers_need_a_signed_in_post(client, crew_project):
    assert client.get(f"/projects/{crew_project.id}/team/confirm").status_code == 405
    response = client.post(f"/projects/{crew_project.id}/team/confirm")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    assert _link_status() == [MemberStatus.PENDING]


def test_unpicking_a_member_in_the_form_removes_the_link(
    client, auth, crew_project, crew_registrant, ctu
):
    auth.login(crew_registrant.email)
    response = client.post(
        f"/projects/{crew_project.id}/edit", data=FORM | {"institution": str(ctu.id)}
    )
    assert response.status_code == 302
    assert _link_status() == []


@pytest.mark.parallel
def test_two_editors_naming_the_same_member_at_once_make_one_link(
    indexed_ctx, ctu, make_user, crew_registrant, crew_member, clients_of, in_parallel
):
    # With a search index: without one, each request queues an index retry (those writes race too).
    project = Project(title=FORM["title"], pi_name="Lâm Quốc Bảo", institution_id=ctu.id,
                      created_by_id=crew_registrant.id)  # fmt: skip
    db.session.add(project)
    db.session.commit()
    official = make_user(Role.OFFICIAL)
    editors = clients_of(crew_registrant, 3) + clients_of(official, 3)
    data = FORM | {"institution": str(ctu.id), "member_ids": [str(crew_member.id)]}
    url = f"/projects/{project.id}/edit"
    statuses = in_parallel(
        [lambda c=c: c.post(url, data=data).status_code for c in editors]
    )
    assert statuses == [302] * len(editors)  # each waits for the other, none fails
    assert _link_status() == [MemberStatus.PENDING]
    asked = sa.select(sa.func.count(Notification.id)).where(
        Notification.user_id == crew_member.id
    )
    assert db.session.scalar(asked) == 1
