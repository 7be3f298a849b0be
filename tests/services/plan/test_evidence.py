"""What a completed task may cite: any research order or project its official may see, found by its title."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from matchmaker.extensions import db
from matchmaker.models import (
    PlanTask,
    PlanTaskStatus,
    PlanTaskUpdate,
    Project,
    Role,
)
from matchmaker.services.errors import Conflict
from matchmaker.services.plan import evidence
from matchmaker.services.plan import tasks as plan_tasks

TODAY = date(2026, 6, 15)


@pytest.fixture
def evidence_records(make_order):
    return {
        "published": make_order("Dự báo xâm nhập mặn vùng ven biển"),
        "draft": make_order("Bản đồ xâm nhập mặn nội bộ", state="draft"),
        "other": make_order("Chuyển đổi số nông nghiệp"),
        "project": _project("Mô hình lúa – tôm thích ứng xâm nhập mặn"),
    }


def _project(title: str) -> Project:
    project = Project(title=title, start_year=2024, end_year=2025)
    db.session.add(project)
    db.session.commit()
    return project


@pytest.fixture
def evidence_task(places, official):
    return plan_tasks.create_task(
        official,
        plan_tasks.TaskInput(
            code="KH22-09", title="Ứng phó xâm nhập mặn", lead_agency_id=places["so"].id
        ),
    )


def test_find_ignores_accents_and_case_and_lists_orders_then_projects(
    official, evidence_records
):
    found = evidence.find(official, "XAM NHAP MAN")
    assert [r.key for r in found.records] == [
        f"order-{evidence_records['draft'].id}",  # "Bản đồ..." sorts before "Dự báo..."
        f"order-{evidence_records['published'].id}",
        f"project-{evidence_records['project'].id}",
    ]
    assert found.records[-1].detail.endswith("2024–2025")
    assert not found.more and not found.too_short


def test_find_offers_only_what_the_user_may_see(make_user, evidence_records):
    researcher = make_user(Role.RESEARCHER)
    keys = {r.key for r in evidence.find(researcher, "xâm nhập").records}
    assert (
        f"order-{evidence_records['draft'].id}" not in keys
    )  # not published: staff only
    assert f"order-{evidence_records['published'].id}" in keys
    assert (
        f"project-{evidence_records['project'].id}" in keys
    )  # the project register is public


def test_find_needs_a_few_characters_and_says_when_there_are_more(official, make_order):
    assert evidence.find(official, " m ").too_short
    for n in range(3):
        make_order(f"Đề án nước sạch {n}")
    found = evidence.find(official, "nuoc sach", limit=2)
    assert len(found.records) == 2 and found.more


def test_find_takes_percent_and_underscore_literally(official, evidence_records):
    assert evidence.find(official, "%%%").records == []
    assert evidence.find(official, "___").records == []


def test_records_keep_only_visible_well_formed_keys(
    make_user, official, evidence_records
):
    researcher = make_user(Role.RESEARCHER)
    keys = [
        f"order-{evidence_records['draft'].id}",
        f"project-{evidence_records['project'].id}",
        "order-0",
        "order-99999999999",
        "user-1",
        "order-x",
    ]
    assert [r.key for r in evidence.records(researcher, keys)] == [
        f"project-{evidence_records['project'].id}"
    ]
    assert len(evidence.records(official, keys)) == 2


def test_chosen_ids_allow_one_order_and_one_project():
    assert evidence.chosen_ids(["order-3", "project-4"]) == (3, 4)
    assert evidence.chosen_ids([]) == (None, None)
    with pytest.raises(Conflict):
        evidence.chosen_ids(["order-3", "order-5"])
    with pytest.raises(Conflict):
        evidence.chosen_ids(["bogus"])


def test_complete_cites_an_order_not_linked_to_the_task(
    evidence_task, evidence_records, make_user, places
):
    lead_official = make_user(Role.OFFICIAL, institution_id=places["so"].id)
    plan_tasks.complete_task(
        lead_official, evidence_task, TODAY, "QĐ 12/QĐ-UBND",
        evidence_order_id=evidence_records["other"].id, evidence_project_id=evidence_records["project"].id, today=TODAY,
    )  # fmt: skip
    db.session.expire_all()
    evidence_task = db.session.get(PlanTask, evidence_task.id)
    assert (
        evidence_task.status,
        evidence_task.evidence_order_id,
        evidence_task.evidence_project_id,
    ) == (
        PlanTaskStatus.COMPLETED,
        evidence_records["other"].id,
        evidence_records["project"].id,
    )


@pytest.mark.parametrize("kind", ["order", "project"])
def test_complete_refuses_a_record_it_may_not_cite_and_writes_nothing(
    evidence_task, evidence_records, make_user, places, kind
):
    lead_official = make_user(Role.OFFICIAL, institution_id=places["so"].id)
    missing = {
        "evidence_order_id" if kind == "order" else "evidence_project_id": 987654
    }
    with pytest.raises(Conflict) as refused:
        plan_tasks.complete_task(
            lead_official, evidence_task, TODAY, "QĐ 12", today=TODAY, **missing
        )
    assert refused.value.field == f"evidence_{kind}_id"
    db.session.rollback()
    evidence_task = db.session.get(PlanTask, evidence_task.id)
    assert (
        evidence_task.status == PlanTaskStatus.NOT_STARTED
        and evidence_task.evidence == ""
    )
    assert db.session.scalar(sa.select(sa.func.count(PlanTaskUpdate.id))) == 0


def test_visible_order_follows_the_policy(make_user, official, evidence_records):
    researcher = make_user(Role.RESEARCHER)
    assert evidence.visible_order(researcher, evidence_records["draft"].id) is None
    assert (
        evidence.visible_order(official, evidence_records["draft"].id)
        == evidence_records["draft"]
    )
    assert evidence.visible_order(official, None) is None
