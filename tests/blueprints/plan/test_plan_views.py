"""The action plan pages: who reaches them, the list's filters and sorting, forms that keep what was typed."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from matchmaker.extensions import db
from matchmaker.models import InstitutionKind, PlanTask, PlanTaskStatus, Role
from matchmaker.services.plan import standing as standings


@pytest.fixture
def lead_official(make_institution):
    return make_institution(
        "sokhcn",
        "Sở Khoa học và Công nghệ",
        InstitutionKind.AGENCY,
        short_name="Sở KH&CN",
    )


@pytest.fixture
def tasks(lead_official):
    today = standings.today_in_vietnam()
    made = [
        PlanTask(code="T1", title="Trung tâm dữ liệu", plan="KH 22", objective="Hạ tầng số", lead_agency=lead_official,
                 status=PlanTaskStatus.IN_PROGRESS, deadline=today - timedelta(days=3), evidence=""),
        PlanTask(code="T2", title="Đào tạo nhân lực", plan="CTHĐ 83", objective="Nhân lực", lead_agency=lead_official,
                 status=PlanTaskStatus.COMPLETED, deadline=today, completed_on=today - timedelta(days=1), evidence="QĐ 1"),
        PlanTask(code="T3", title="Khởi nghiệp", plan="KH 22", objective="Đổi mới", lead_agency=lead_official,
                 status=PlanTaskStatus.NOT_STARTED, deadline=today + timedelta(days=30), evidence=""),
    ]  # fmt: skip
    db.session.add_all(made)
    db.session.commit()
    return made


@pytest.mark.parametrize("role", [Role.RESEARCHER, Role.ENTERPRISE])
def test_list_refused_to_researchers_and_enterprises(client, auth, role, tasks):
    auth.login_as(role)
    assert client.get("/plan/").status_code == 403
    assert client.get(f"/plan/{tasks[0].id}").status_code == 403


def test_visitors_are_sent_to_sign_in(client, tasks):
    assert client.get("/plan/").status_code == 302


def test_list_shows_counts_and_filters_late(client, auth, tasks):
    auth.login_as(Role.OFFICIAL)
    page = client.get("/plan/?lang=en").get_data(as_text=True)
    assert "1/3" in page
    late = client.get("/plan/?standing=late").get_data(as_text=True)
    assert 'data-code="T1"' in late and 'data-code="T2"' not in late


def test_list_text_filter_ignores_accents_and_sorts(client, auth, tasks):
    auth.login_as(Role.OFFICIAL)
    page = client.get("/plan/?q=nhan+luc").get_data(as_text=True)
    assert 'data-code="T2"' in page and 'data-code="T1"' not in page
    desc = client.get("/plan/?sort=deadline&dir=desc").get_data(as_text=True)
    assert desc.index('data-code="T3"') < desc.index('data-code="T1"')


@pytest.mark.parametrize(
    "query",
    [
        "?page=-4",
        "?page=99999999999",
        "?agency=abc",
        "?standing=nope&sort=evil",
        "?q=%25%5F%00",
        "?agency=99999999999",
    ],
)
def test_list_survives_bad_input(client, auth, tasks, query):
    auth.login_as(Role.OFFICIAL)
    assert client.get("/plan/" + query).status_code == 200


def test_create_form_keeps_what_was_typed_on_a_taken_code(
    client, auth, tasks, lead_official
):
    auth.login_as(Role.OFFICIAL)
    response = client.post(
        "/plan/new",
        data={
            "code": "T1",
            "title": "Một nhiệm vụ mới",
            "lead_agency": str(lead_official.id),
        },
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Một nhiệm vụ mới" in page and "T1" in page
    assert db.session.scalar(sa.select(sa.func.count(PlanTask.id))) == 3


def test_lead_official_records_an_update(client, auth, tasks, lead_official):
    auth.login_as(Role.OFFICIAL, institution_id=lead_official.id)
    today = standings.today_in_vietnam().isoformat()
    response = client.post(
        f"/plan/{tasks[2].id}/updates",
        data={
            "reported_on": today,
            "status_after": "in_progress",
            "text": "Đã khởi động",
        },
    )
    assert response.status_code == 302
    db.session.refresh(tasks[2])
    assert (
        tasks[2].status == PlanTaskStatus.IN_PROGRESS
        and tasks[2].updates[0].text == "Đã khởi động"
    )


def test_complete_without_evidence_keeps_the_date(client, auth, tasks, lead_official):
    auth.login_as(Role.OFFICIAL, institution_id=lead_official.id)
    response = client.post(
        f"/plan/{tasks[0].id}/complete",
        data={"completed_on": "2026-01-02", "evidence": ""},
    )
    assert response.status_code == 200 and 'value="2026-01-02"' in response.get_data(
        as_text=True
    )
    db.session.refresh(tasks[0])
    assert tasks[0].status == PlanTaskStatus.IN_PROGRESS


def test_other_agency_official_may_not_record_an_update(client, auth, tasks):
    auth.login_as(Role.OFFICIAL)
    response = client.post(
        f"/plan/{tasks[2].id}/updates",
        data={"reported_on": "2026-01-01", "status_after": "in_progress", "text": "x"},
    )
    assert response.status_code == 403


def test_import_upload_preview_and_confirm(client, auth, lead_official):
    auth.login_as(Role.OFFICIAL)
    csv = "Mã,Tên nhiệm vụ,Cơ quan chủ trì\nN1,Nhiệm vụ nhập,Sở KH&CN\n".encode()
    preview = client.post(
        "/plan/import",
        data={"upload": (io.BytesIO(csv), "plan.csv")},
        content_type="multipart/form-data",
    )
    page = preview.get_data(as_text=True)
    assert 'data-code="N1"' in page
    batch = page.split("/plan/import/")[1].split('"')[0]
    assert client.post(f"/plan/import/{batch}").status_code == 302
    assert db.session.scalar(sa.select(PlanTask.code)) == "N1"


def test_template_download(client, auth):
    auth.login_as(Role.OFFICIAL)
    response = client.get("/plan/import/template.csv")
    assert response.status_code == 200 and "Tên nhiệm vụ" in response.get_data(
        as_text=True
    )


def test_order_page_links_its_plan_task(client, auth, tasks, make_order):
    order = make_order("Đặt hàng dữ liệu")
    order.plan_task_id = tasks[0].id
    db.session.commit()
    auth.login_as(Role.OFFICIAL)
    assert "order-plan-task" in client.get(f"/orders/{order.id}").get_data(as_text=True)
    assert "task-orders" in client.get(f"/plan/{tasks[0].id}").get_data(as_text=True)


def test_deadline_date_shows_through_the_date_filter(client, auth, tasks):
    auth.login_as(Role.OFFICIAL)
    page = client.get(f"/plan/{tasks[2].id}").get_data(as_text=True)
    assert (tasks[2].deadline or date.today()).strftime("%d/%m/%Y") in page
