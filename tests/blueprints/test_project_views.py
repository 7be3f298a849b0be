"""Project pages: the public list and page, registering and editing, and CSV imports."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa

from matchmaker.extensions import db
from matchmaker.models import (
    Institution,
    InstitutionKind,
    Project,
    ResearcherProfile,
    ResearchOrder,
    Role,
)
from matchmaker.services.projects import registry as projects
from matchmaker.services.search import index as search

FORM = {
    "title": "Máy sấy lúa tầng sôi <b>liên tục</b>",
    "summary": "Sấy 5 tấn/giờ bằng nhiệt từ lò đốt trấu.",
    "pi_name": "Âu Văn Kiệt",
    "team": "Ngô Thị Diễm Kiều\nTrần Công Danh",
    "field_code": "203",
    "priority_area": "automation",
    "start_year": "2016",
    "end_year": "2018",
    "status": "completed",
    "budget": "1.350.000.000",
    "products": "Máy sấy 5 tấn/giờ.",
    "ip": "Giải pháp hữu ích số 2-0001845",
    "applied_at": "Nhà máy xay xát Thốt Nốt",
}


@pytest.fixture
def ctuet(app) -> Institution:
    place = Institution(
        slug="ctuet", name_vi="Trường Đại học Kỹ thuật – Công nghệ Cần Thơ", kind=InstitutionKind.UNIVERSITY
    )  # fmt: skip
    db.session.add(place)
    db.session.commit()
    return place


@pytest.fixture
def project(app, make_user, ctuet) -> Project:
    with app.test_request_context():
        return projects.create_project(
            make_user(Role.OFFICIAL),
            projects.ProjectInput(
                title="Lò khí hóa trấu phát điện", pi_name="Ngô Thị Diễm Kiều",
                institution_id=ctuet.id, summary="Khí than chạy máy phát <script>x</script>.",
                team=("Âu Văn Kiệt",), budget=1_500_000_000,
            ),
        )  # fmt: skip


def test_project_page_shows_everything_to_visitors(client, english, project, ctuet):
    page = client.get(f"/projects/{project.id}").get_data(as_text=True)
    for text in (
        "Lò khí hóa trấu phát điện",
        "Ngô Thị Diễm Kiều",
        "Âu Văn Kiệt",
        ctuet.name_vi,
    ):
        assert text in page
    assert "<script>x</script>" not in page
    assert "&lt;script&gt;x&lt;/script&gt;" in page
    assert "Edit the project" not in page


def test_unknown_project_is_404(client):
    assert client.get("/projects/999").status_code == 404


def test_project_page_lists_similar_projects(client, app, project, make_user):
    with app.test_request_context():
        other = projects.create_project(
            make_user(Role.OFFICIAL),
            projects.ProjectInput(title="Khí hóa trấu cấp nhiệt sấy lúa", pi_name="A"),
        )
    page = client.get(f"/projects/{project.id}").get_data(as_text=True)
    assert f'href="/projects/{other.id}"' in page


def test_project_page_links_the_pi_profile(client, app, make_user):
    pi = make_user(Role.RESEARCHER, full_name="Hồ Minh Trí")
    profile = ResearcherProfile(user=pi, keywords=[], links=[])
    db.session.add(profile)
    db.session.commit()
    with app.test_request_context():
        item = projects.create_project(
            make_user(Role.OFFICIAL),
            projects.ProjectInput(title="Lưới điện", pi_email=pi.email),
        )
    page = client.get(f"/projects/{item.id}").get_data(as_text=True)
    assert f'href="/researchers/{profile.id}"' in page


def test_order_link_shows_only_when_the_order_is_visible(
    client, auth, app, project, ctuet
):
    order = ResearchOrder(
        title="Đặt hàng nháp", agency_id=ctuet.id, state="draft", internal_parts=[]
    )
    db.session.add(order)
    db.session.commit()
    db.session.get(Project, project.id).order_id = order.id
    db.session.commit()
    assert "Đặt hàng nháp" not in client.get(f"/projects/{project.id}").get_data(
        as_text=True
    )
    auth.login_as(Role.OFFICIAL)
    assert "Đặt hàng nháp" in client.get(f"/projects/{project.id}").get_data(as_text=True)  # fmt: skip


def test_list_filters_by_status(client, project, app, make_user):
    with app.test_request_context():
        projects.create_project(
            make_user(Role.OFFICIAL),
            projects.ProjectInput(title="Đang làm dở", pi_name="B", status=projects.ProjectStatus.IN_PROGRESS),
        )  # fmt: skip
    page = client.get("/projects/?status=in_progress").get_data(as_text=True)
    assert "Đang làm dở" in page and "Lò khí hóa" not in page
    assert client.get("/projects/?status=nonsense&page=x").status_code == 200


def test_official_registers_a_project(client, auth, english, ctuet):
    auth.login_as(Role.OFFICIAL)
    response = client.post("/projects/new", data=FORM | {"institution": str(ctuet.id)})
    assert response.status_code == 302
    saved = db.session.scalar(sa.select(Project))
    assert response.headers["Location"] == f"/projects/{saved.id}"
    assert (saved.budget, saved.team, saved.start_year, saved.institution_id) == (
        1_350_000_000,
        ["Ngô Thị Diễm Kiều", "Trần Công Danh"],
        2016,
        ctuet.id,
    )


def test_form_keeps_input_and_explains_a_service_error(client, auth, english):
    auth.login_as(Role.OFFICIAL)
    response = client.post(
        "/projects/new", data=FORM | {"start_year": "2020", "end_year": "2019"}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "The end year must not be before the start year." in page
    assert 'value="Máy sấy lúa tầng sôi &lt;b&gt;liên tục&lt;/b&gt;"' in page
    assert db.session.scalar(sa.select(sa.func.count(Project.id))) == 0


@pytest.mark.parametrize("field", ["institution", "field_code", "status"])
def test_form_refuses_values_not_in_the_lists(client, auth, field):
    auth.login_as(Role.OFFICIAL)
    response = client.post("/projects/new", data=FORM | {field: "999999"})
    assert response.status_code == 200
    assert db.session.scalar(sa.select(sa.func.count(Project.id))) == 0


def test_researcher_form_offers_only_own_institution(client, auth, ctuet):
    other = Institution(
        slug="tdu", name_vi="Trường Đại học Tây Đô", kind=InstitutionKind.UNIVERSITY
    )
    db.session.add(other)
    db.session.commit()
    auth.login_as(Role.RESEARCHER, institution_id=ctuet.id)
    page = client.get("/projects/new").get_data(as_text=True)
    assert ctuet.name_vi in page and "Tây Đô" not in page
    client.post("/projects/new", data=FORM | {"institution": str(other.id)})
    assert db.session.scalar(sa.select(sa.func.count(Project.id))) == 0  # fmt: skip


@pytest.mark.parametrize(
    ("role", "extra", "status"),
    [(Role.ENTERPRISE, {}, 403), (Role.RESEARCHER, {}, 403), (Role.OFFICIAL, {}, 200)],
)
def test_who_may_register(client, auth, role, extra, status):
    auth.login_as(role, **extra)
    assert client.get("/projects/new").status_code == status
    assert client.get("/projects/import").status_code == status


def test_visitor_is_sent_to_login(client):
    response = client.get("/projects/new")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_only_editors_reach_the_edit_form(client, auth, project):
    auth.login_as(Role.RESEARCHER)
    assert client.get(f"/projects/{project.id}/edit").status_code == 403
    auth.logout()
    auth.login_as(Role.ADMIN)
    response = client.post(
        f"/projects/{project.id}/edit",
        data=FORM | {"institution": str(project.institution_id), "title": "Tên đã sửa"},
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    assert response.headers["Location"] == f"/projects/{project.id}"
    db.session.expire_all()
    assert db.session.get(Project, project.id).title == "Tên đã sửa"


CSV = "title,pi_name,start_year,end_year,status\nHầm biogas composite,Nguyễn Thành Công,2014,2016,completed\n"


def _upload(client, institution_id: int, text: str):
    return client.post(
        "/projects/import",
        data={"institution": str(institution_id), "upload": (io.BytesIO(text.encode()), "du-an.csv")},
        content_type="multipart/form-data",
    )  # fmt: skip


def test_import_previews_then_registers(client, auth, english, ctuet):
    auth.login_as(Role.OFFICIAL)
    preview = _upload(client, ctuet.id, CSV).get_data(as_text=True)
    assert "1 project will be registered." in preview
    assert db.session.scalar(sa.select(sa.func.count(Project.id))) == 0
    batch_id = int(preview.split("/projects/import/")[1].split('"')[0])
    response = client.post(
        f"/projects/import/{batch_id}", data={"institution": str(ctuet.id)}
    )
    assert response.status_code == 302
    assert db.session.scalar(sa.select(Project.title)) == "Hầm biogas composite"


def test_import_lists_problems_and_registers_nothing(client, auth, english, ctuet):
    auth.login_as(Role.OFFICIAL)
    page = _upload(client, ctuet.id, "title,pi_name,end_year\nA,B,soon\n").get_data(
        as_text=True
    )
    assert "Nothing will be imported" in page and "Line 2" in page
    assert 'id="confirm-projects"' not in page  # fmt: skip


def test_confirming_another_users_batch_is_404(client, auth, app, make_user, ctuet):
    auth.login_as(Role.OFFICIAL)
    preview = _upload(client, ctuet.id, CSV).get_data(as_text=True)
    batch_id = int(preview.split("/projects/import/")[1].split('"')[0])
    auth.logout()
    auth.login_as(Role.OFFICIAL)
    response = client.post(
        f"/projects/import/{batch_id}", data={"institution": str(ctuet.id)}
    )
    assert response.status_code == 404
    assert db.session.scalar(sa.select(sa.func.count(Project.id))) == 0


def test_index_update_failure_never_breaks_registration(
    client, auth, app, ctuet, tmp_path
):
    blocker = tmp_path / "file"
    blocker.write_text("")
    app.config["SEARCH_INDEX_PATH"] = str(blocker / "index")
    auth.login_as(Role.OFFICIAL)
    response = client.post("/projects/new", data=FORM | {"institution": str(ctuet.id)})
    assert response.status_code == 302
    with app.test_request_context():
        assert search.pending_retries() == 1


def test_project_page_shows_matched_researchers(client, app, project, make_user):
    expert = make_user(Role.RESEARCHER, full_name="Ngô Thị Diễm Kiều")
    profile = ResearcherProfile(
        user=expert, keywords=["khí hóa trấu", "năng lượng sinh khối"], links=[],
        summary="Lò khí hóa trấu phát điện, khí than cho máy phát.",
    )  # fmt: skip
    db.session.add(profile)
    db.session.commit()
    page = client.get(f"/projects/{project.id}").get_data(as_text=True)
    block = page.split('id="matched-researchers"')[1].split("</ol>")[0]
    assert f'href="/researchers/{profile.id}"' in block
