"""Citing evidence when completing a task: the look-up route and the completion form (with or without JS)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from matchmaker.extensions import db
from matchmaker.models import PlanTask, PlanTaskStatus, PlanTaskUpdate, Project, Role
from matchmaker.services.plan import tasks as plan_tasks

URL = "/plan/evidence-candidates"


@pytest.fixture
def setting(places, official, make_order):
    task = plan_tasks.create_task(
        official,
        plan_tasks.TaskInput(
            code="KH22-09", title="Ứng phó xâm nhập mặn", lead_agency_id=places["so"].id
        ),
    )
    linked = make_order("Giống lúa chịu mặn", plan_task_id=task.id)
    other = make_order("Dự báo xâm nhập mặn vùng ven biển")
    project = Project(title="Mô hình lúa – tôm thích ứng xâm nhập mặn")
    db.session.add(project)
    db.session.commit()
    return {"task": task, "linked": linked, "other": other, "project": project}


def _lead(auth, places):
    return auth.login_as(Role.OFFICIAL, institution_id=places["so"].id)


def test_lookup_needs_a_signed_in_official(client, auth, setting):
    response = client.get(URL, query_string={"q": "xam nhap"})
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login")
    auth.login_as(Role.RESEARCHER)
    assert client.get(URL, query_string={"q": "xam nhap"}).status_code == 403


def test_lookup_answers_orders_and_projects_without_accents(client, auth, setting):
    auth.login_as(Role.OFFICIAL)
    response = client.get(URL, query_string={"q": "XAM NHAP"})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    data = response.get_json()
    assert [r["id"] for r in data["results"]] == [
        f"order-{setting['other'].id}",
        f"project-{setting['project'].id}",
    ]
    assert data["results"][0]["name"] == "Dự báo xâm nhập mặn vùng ven biển"
    assert data["message"]
    short = client.get(URL, query_string={"q": "xa"}).get_json()
    assert short["results"] == [] and "3" in short["message"]


def test_lookup_is_rate_limited_per_account(app, client, auth, setting):
    app.config["LOOKUP_LIMIT"] = "2 per minute"
    auth.login_as(Role.OFFICIAL)
    codes = [client.get(URL, query_string={"q": "man"}).status_code for _ in range(3)]
    assert codes == [200, 200, 429]


def test_the_form_offers_the_linked_order_unticked(client, auth, places, setting):
    _lead(auth, places)
    page = client.get(f"/plan/{setting['task'].id}").get_data(as_text=True)
    assert 'data-picker-url="/plan/evidence-candidates"' in page
    assert f'value="order-{setting["linked"].id}"' in page
    assert f'value="order-{setting["other"].id}"' not in page  # only after a search


def test_completing_cites_an_order_and_a_project_found_by_search(
    client, auth, places, setting
):
    user = _lead(auth, places)
    response = client.post(
        f"/plan/{setting['task'].id}/complete",
        data={
            "completed_on": "2026-01-02",
            "evidence": "QĐ 12/QĐ-UBND",
            "evidence_records": [
                f"order-{setting['other'].id}",
                f"project-{setting['project'].id}",
            ],
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    task = db.session.get(PlanTask, setting["task"].id)
    assert task.status == PlanTaskStatus.COMPLETED
    assert (task.evidence_order_id, task.evidence_project_id) == (
        setting["other"].id,
        setting["project"].id,
    )
    assert task.updates[0].author_id == user.id
    page = client.get(f"/plan/{task.id}").get_data(as_text=True)
    assert "Dự báo xâm nhập mặn vùng ven biển" in page


@pytest.mark.parametrize(
    ("records", "message"),
    [
        (["order-987654"], "Chỉ được dẫn các nhiệm vụ đặt hàng và đề tài mà bạn được xem"),
        (["project-987654"], "Chỉ được dẫn các nhiệm vụ đặt hàng và đề tài mà bạn được xem"),
        (["order-{linked}", "order-{other}"], "Chỉ được dẫn tối đa một nhiệm vụ đặt hàng và một đề tài"),
    ],
)  # fmt: skip
def test_a_record_that_may_not_be_cited_is_refused_in_vietnamese(
    client, auth, places, setting, records, message
):
    _lead(auth, places)
    ids = {"linked": setting["linked"].id, "other": setting["other"].id}
    response = client.post(
        f"/plan/{setting['task'].id}/complete",
        data={
            "completed_on": "2026-01-02",
            "evidence": "QĐ 12/QĐ-UBND",
            "evidence_records": [r.format(**ids) for r in records],
        },
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and message in page
    assert "QĐ 12/QĐ-UBND" in page  # what was typed is kept
    db.session.expire_all()
    task = db.session.get(PlanTask, setting["task"].id)
    assert task.status == PlanTaskStatus.NOT_STARTED and task.evidence_order_id is None
    assert db.session.scalar(sa.select(sa.func.count(PlanTaskUpdate.id))) == 0


def test_find_without_javascript_lists_what_was_found_and_completes_nothing(
    client, auth, places, setting
):
    _lead(auth, places)
    response = client.post(
        f"/plan/{setting['task'].id}/complete",
        data={
            "completed_on": "2026-01-02",
            "evidence": "QĐ 12",
            "evidence_query": "ven bien",
            "find_evidence": "Tìm",
        },
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'value="order-{setting["other"].id}"' in page
    assert "Tìm thấy 1 kết quả" in page
    db.session.expire_all()
    assert (
        db.session.get(PlanTask, setting["task"].id).status
        == PlanTaskStatus.NOT_STARTED
    )
