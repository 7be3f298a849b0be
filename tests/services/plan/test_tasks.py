"""Tasks of the action plan: who may edit and report, and what a refused change leaves behind."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from matchmaker.extensions import db
from matchmaker.models import (
    InstitutionKind,
    PlanHistoryIsAppendOnly,
    PlanTask,
    PlanTaskStatus,
    PlanTaskUpdate,
    Role,
)
from matchmaker.services import policy
from matchmaker.services.errors import Conflict, NotAllowed
from matchmaker.services.plan import tasks as plan_tasks

TODAY = date(2026, 6, 15)


@pytest.fixture
def lead(make_institution):
    return make_institution("so-a", "Sở Khoa học", InstitutionKind.AGENCY)


@pytest.fixture
def task(lead, official):
    return plan_tasks.create_task(
        official,
        plan_tasks.TaskInput(
            code="KH22-01", title="Trung tâm dữ liệu", lead_agency_id=lead.id
        ),
    )


def test_create_task_refuses_a_taken_code_whatever_its_case(task, official, lead):
    with pytest.raises(Conflict) as refused:
        plan_tasks.create_task(
            official,
            plan_tasks.TaskInput(code="kh22-01", title="X", lead_agency_id=lead.id),
        )
    assert refused.value.field == "code"
    assert db.session.scalar(sa.select(sa.func.count(PlanTask.id))) == 1


def test_update_task_leaves_partners_without_the_lead(
    task, official, lead, make_institution
):
    other = make_institution("so-b", "Sở Nội vụ", InstitutionKind.AGENCY)
    data = plan_tasks.TaskInput(
        code="KH22-01",
        title="Mới",
        lead_agency_id=lead.id,
        partner_ids=(other.id, lead.id),
    )
    plan_tasks.update_task(official, task, data)
    assert [p.slug for p in task.partners] == ["so-b"] and task.title == "Mới"


@pytest.mark.parametrize("role", [Role.RESEARCHER, Role.ENTERPRISE])
def test_only_staff_view_and_edit_the_plan(make_user, role, lead):
    user = make_user(role)
    assert not policy.may_view_plan(user) and not policy.may_edit_plan(user)
    assert not policy.may_view_plan(None)
    with pytest.raises(NotAllowed):
        plan_tasks.create_task(
            user, plan_tasks.TaskInput(code="X", title="X", lead_agency_id=lead.id)
        )


def test_only_lead_agency_officials_and_admins_report(task, make_user, lead):
    own = make_user(Role.OFFICIAL, institution_id=lead.id)
    other = make_user(Role.OFFICIAL)
    admin = make_user(Role.ADMIN)
    researcher = make_user(Role.RESEARCHER, institution_id=lead.id)
    assert policy.may_record_plan_update(own, task) and policy.may_record_plan_update(
        admin, task
    )
    assert not policy.may_record_plan_update(other, task)
    assert not policy.may_record_plan_update(researcher, task)
    with pytest.raises(NotAllowed):
        plan_tasks.record_update(
            other, task, TODAY, "Đã làm", PlanTaskStatus.IN_PROGRESS, today=TODAY
        )
    assert task.status == PlanTaskStatus.NOT_STARTED and task.updates == []


def test_record_update_sets_the_progress(task, make_user, lead):
    own = make_user(Role.OFFICIAL, institution_id=lead.id)
    update = plan_tasks.record_update(
        own, task, TODAY, "Đã khảo sát", PlanTaskStatus.IN_PROGRESS, today=TODAY
    )
    assert task.status == PlanTaskStatus.IN_PROGRESS and update.author_id == own.id


@pytest.mark.parametrize(
    ("on", "text", "status", "field"),
    [
        (date(2026, 6, 16), "Đã làm", PlanTaskStatus.IN_PROGRESS, "reported_on"),
        (TODAY, "   ", PlanTaskStatus.IN_PROGRESS, "text"),
        (TODAY, "Xong", PlanTaskStatus.COMPLETED, "status_after"),
    ],
)
def test_invalid_update_changes_nothing(task, make_user, lead, on, text, status, field):
    own = make_user(Role.OFFICIAL, institution_id=lead.id)
    with pytest.raises(Conflict) as refused:
        plan_tasks.record_update(own, task, on, text, status, today=TODAY)
    assert refused.value.field == field
    db.session.rollback()
    assert task.status == PlanTaskStatus.NOT_STARTED
    assert db.session.scalar(sa.select(sa.func.count(PlanTaskUpdate.id))) == 0


def test_completing_requires_evidence(task, make_user, lead):
    own = make_user(Role.OFFICIAL, institution_id=lead.id)
    with pytest.raises(Conflict) as refused:
        plan_tasks.complete_task(own, task, TODAY, "  ", today=TODAY)
    assert refused.value.field == "evidence"
    db.session.rollback()
    assert task.status == PlanTaskStatus.NOT_STARTED and task.completed_on is None


def test_complete_task_records_evidence_and_an_update(task, make_user, lead):
    own = make_user(Role.OFFICIAL, institution_id=lead.id)
    plan_tasks.complete_task(own, task, TODAY, "Quyết định số 12/QĐ-UBND", today=TODAY)
    assert (task.status, task.completed_on, task.evidence) == (
        PlanTaskStatus.COMPLETED, TODAY, "Quyết định số 12/QĐ-UBND"
    )  # fmt: skip
    assert [u.status_after for u in task.updates] == [PlanTaskStatus.COMPLETED]


def test_updates_are_append_only(task, make_user, lead):
    own = make_user(Role.OFFICIAL, institution_id=lead.id)
    update = plan_tasks.record_update(
        own, task, TODAY, "Đã làm", PlanTaskStatus.IN_PROGRESS, today=TODAY
    )
    update.text = "Sửa"
    with pytest.raises(PlanHistoryIsAppendOnly):
        db.session.flush()
    db.session.rollback()


def test_list_tasks_sorts_by_standing_late_first(official, lead):
    for code, deadline in (("A", date(2030, 1, 1)), ("B", date(2020, 1, 1))):
        plan_tasks.create_task(
            official,
            plan_tasks.TaskInput(
                code=code, title=code, lead_agency_id=lead.id, deadline=deadline
            ),
        )
    page = plan_tasks.list_tasks(plan_tasks.PlanFilters(), "standing", today=TODAY)
    assert [t.code for t in page.items] == ["B", "A"]
