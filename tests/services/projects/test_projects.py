"""The projects services: registering and editing, accepted orders, similar projects, CSV imports, demo data."""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from matchmaker.demo import projects as demo_projects
from matchmaker.extensions import db
from matchmaker.models import (
    ImportBatch,
    Institution,
    InstitutionKind,
    OrderEvent,
    Project,
    ProjectStatus,
    ResearchOrder,
    Role,
)
from matchmaker.services.errors import Conflict, NotAllowed, ServiceError
from matchmaker.services.projects import csv_import as project_csv
from matchmaker.services.projects import registry as projects
from matchmaker.services.projects.registry import ProjectInput
from matchmaker.services.search import index as search


def _place(slug: str, name: str, kind=InstitutionKind.UNIVERSITY) -> Institution:
    place = Institution(slug=slug, name_vi=name, kind=kind)
    db.session.add(place)
    db.session.commit()
    return place


def _input(**overrides) -> ProjectInput:
    values = {
        "title": "Giống lúa chịu mặn cho vùng ven biển",
        "pi_name": "Bùi Thanh Liêm",
        "field_code": "401",
        "priority_area": "rice_fruit",
        "start_year": 2018,
        "end_year": 2020,
        "budget": 1_500_000_000,
    }
    return ProjectInput(**(values | overrides))


def test_create_project_by_official_is_saved_and_indexed(indexed_ctx_en, official, ctu):
    project = projects.create_project(
        official, _input(institution_id=ctu.id, team=("An", " ", "Bình", "An"))
    )
    saved = db.session.get(Project, project.id)
    assert (saved.institution_id, saved.created_by_id, saved.team) == (
        ctu.id,
        official.id,
        ["An", "Bình"],
    )
    hits = search.find("giong lua chiu man", {}).result.hits
    assert [(h.kind, int(h.id)) for h in hits] == [("project", project.id)]


def test_create_project_normalises_text_to_nfc(indexed_ctx_en, official):
    project = projects.create_project(
        official, _input(title=unicodedata.normalize("NFD", "  Sầu riêng Ri6  "))
    )
    assert project.title == unicodedata.normalize("NFC", "Sầu riêng Ri6")


def test_researcher_registers_for_own_institution_only(
    indexed_ctx_en, make_user, ctu, tdu
):
    researcher = make_user(Role.RESEARCHER, institution_id=ctu.id)
    project = projects.create_project(researcher, _input(institution_id=ctu.id))
    assert project.institution_id == ctu.id
    with pytest.raises(ServiceError) as error:
        projects.create_project(researcher, _input(institution_id=tdu.id))
    assert error.value.field == "institution_id"


@pytest.mark.parametrize("role", [Role.ENTERPRISE, Role.RESEARCHER])
def test_accounts_without_an_institution_cannot_register(
    indexed_ctx_en, make_user, role
):
    with pytest.raises(NotAllowed):
        projects.create_project(make_user(role), _input())
    assert db.session.scalar(sa.select(sa.func.count(Project.id))) == 0


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"title": "   "}, "title"),
        ({"start_year": 2021, "end_year": 2019}, "end_year"),
        ({"start_year": 1800}, "start_year"),
        ({"field_code": "4"}, "field_code"),  # a group, not a sub-field
        ({"priority_area": "space"}, "priority_area"),
        ({"budget": -1}, "budget"),
        ({"pi_name": "", "pi_email": ""}, "pi_name"),
        ({"pi_email": "nobody@example.com"}, "pi_email"),
        ({"team": tuple(f"Người {n}" for n in range(51))}, "team"),
        ({"summary": "x" * 10_001}, "summary"),
    ],
)
def test_create_project_rules(indexed_ctx_en, official, overrides, field):
    with pytest.raises(ServiceError) as error:
        projects.create_project(official, _input(**overrides))
    assert error.value.field == field


def test_pi_email_links_the_researcher_account(indexed_ctx_en, official, make_user):
    pi = make_user(Role.RESEARCHER, full_name="Tạ Thị Ngọc Hân")
    project = projects.create_project(
        official, _input(pi_name="", pi_email=pi.email.upper())
    )
    assert (project.pi_id, project.pi_display) == (pi.id, "Tạ Thị Ngọc Hân")


def test_pi_and_registrar_edit_others_cannot(indexed_ctx_en, official, make_user, ctu):
    pi = make_user(Role.RESEARCHER, institution_id=ctu.id)
    stranger = make_user(Role.RESEARCHER, institution_id=ctu.id)
    project = projects.create_project(
        official, _input(institution_id=ctu.id, pi_email=pi.email)
    )
    projects.update_project(
        pi, project, _input(title="Tên mới", institution_id=ctu.id, pi_email=pi.email)
    )
    assert db.session.get(Project, project.id).title == "Tên mới"
    with pytest.raises(NotAllowed):
        projects.update_project(stranger, project, _input(institution_id=ctu.id))
    assert search.find("tên mới", {}).result.total == 1


def test_researcher_cannot_move_a_project_to_another_institution(
    indexed_ctx_en, make_user, ctu, tdu
):
    researcher = make_user(Role.RESEARCHER, institution_id=ctu.id)
    project = projects.create_project(researcher, _input(institution_id=ctu.id))
    with pytest.raises(ServiceError):
        projects.update_project(researcher, project, _input(institution_id=tdu.id))
    db.session.rollback()
    assert db.session.get(Project, project.id).institution_id == ctu.id


# Accepted orders become projects


@pytest.fixture
def accepted_order(make_user, ctu):
    agency = _place("sokhcn", "Sở Khoa học và Công nghệ", InstitutionKind.AGENCY)
    pi = make_user(Role.RESEARCHER, institution_id=ctu.id, full_name="Võ Chí Thiện")
    order = ResearchOrder(
        title="Trạm quan trắc độ mặn tự động", agency_id=agency.id, state="accepted",
        objectives="Cảnh báo sớm độ mặn cho trạm cấp nước.", expected_products="10 trạm đo.",
        beneficiary="Trung tâm Nước sạch", main_content="Chi tiết nội bộ.", field_code="202",
        priority_area="salinity_water", state_budget=700_000_000, cofunding=100_000_000,
        pi_id=pi.id, internal_parts=["expected_products"],
    )  # fmt: skip
    db.session.add(order)
    db.session.flush()
    for action, year in (("start_work", 2023), ("accept", 2025)):
        db.session.add(
            OrderEvent(
                order_id=order.id, action=action, created_at=datetime(year, 3, 1, tzinfo=UTC)
            )
        )  # fmt: skip
    db.session.commit()
    return order


def test_from_order_copies_public_parts_only(indexed_ctx_en, accepted_order, ctu):
    project = projects.from_order(accepted_order)
    db.session.commit()  # the acceptance commits it (see test_order_acceptance.py)
    search.sync([("project", project.id)])
    assert (project.title, project.summary, project.products, project.applied_at) == (
        "Trạm quan trắc độ mặn tự động",
        "Cảnh báo sớm độ mặn cho trạm cấp nước.",
        "",
        "Trung tâm Nước sạch",
    )
    assert (project.pi_display, project.institution_id, project.budget) == (
        "Võ Chí Thiện",
        ctu.id,
        800_000_000,
    )
    assert (project.start_year, project.end_year, project.status) == (
        2023,
        2025,
        ProjectStatus.COMPLETED,
    )
    assert search.find('"10 trạm đo"', {}).result.total == 0
    assert search.find("quan trắc độ mặn", {}).result.total == 1


def test_from_order_flushes_without_committing(indexed_ctx_en, accepted_order):
    projects.from_order(accepted_order)
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(Project.id))) == 0


def test_from_order_is_idempotent(indexed_ctx_en, accepted_order):
    first = projects.from_order(accepted_order)
    assert projects.from_order(accepted_order).id == first.id
    assert db.session.scalar(sa.select(sa.func.count(Project.id))) == 1


def test_from_order_keeps_an_internal_budget_internal(indexed_ctx_en, accepted_order):
    accepted_order.internal_parts = ["budget"]
    db.session.commit()
    assert projects.from_order(accepted_order).budget is None


# Similar projects


def test_similar_projects_ranks_closest_text_first(indexed_ctx_en, official):
    base = projects.create_project(
        official, _input(title="Nuôi tôm thẻ chân trắng trong ao lót bạt biofloc")
    )
    close = projects.create_project(
        official, _input(title="Ao lót bạt nuôi tôm thẻ siêu thâm canh biofloc")
    )
    far = projects.create_project(
        official, _input(title="Dự báo phụ tải điện bằng học máy", field_code="102")
    )
    similar = projects.similar_projects(base)
    assert similar[0].project.id == close.id
    assert base.id not in [s.project.id for s in similar]
    assert all(s.project.id != far.id or s.score < similar[0].score for s in similar)


# CSV imports

CSV = (
    "\ufeffTên đề tài;Chủ nhiệm;Năm bắt đầu;Năm kết thúc;Tình trạng;Kinh phí;Lĩnh vực;Thành viên\n"
    "Cá tra giống sạch bệnh;Lý Thị Kim Ngân;2019;2022;hoàn thành;2.300.000.000;405;An|Bình\n"
    '"Vắc-xin cho cá; dạng ngâm";Đoàn Văn Sang;2020;2021;Đang thực hiện;;Thủy sản;\n'
)


def test_parse_projects_csv_reads_vietnamese_headers(indexed_ctx_en):
    rows, problems = project_csv.parse_projects_csv(CSV.encode())
    assert problems == []
    assert [(r.line, r.title, r.budget, r.status, r.field_code, r.team) for r in rows] == [
        (2, "Cá tra giống sạch bệnh", 2_300_000_000, "completed", "405", ("An", "Bình")),
        (3, "Vắc-xin cho cá; dạng ngâm", None, "in_progress", "405", ()),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("title,pi_name,colour\nA,B,red\n", "unknown column"),
        ("title,summary\nA,B\n", "no “pi_name” column"),
        ("title,pi_name,start_year\nA,B,năm ngoái\n", "Line 2"),
        ("title,pi_name,status\nA,B,paused\n", "unknown status"),
        ("title,pi_name,start_year,end_year\nA,B,2022,2020\n", "end year"),
        ("title,pi_name\nA,B\nA,C\n", "repeats line 2"),
        ("", "empty"),
    ],
)
def test_preview_reports_each_problem_and_keeps_nothing(
    indexed_ctx_en, official, ctu, text, expected
):
    report = project_csv.preview(ctu, official, text.encode())
    assert report.batch_id is None
    assert any(expected in str(p.message) for p in report.problems), report.problems
    assert db.session.scalar(sa.select(sa.func.count(ImportBatch.id))) == 0


def test_preview_refuses_a_registered_title(indexed_ctx_en, official, ctu):
    projects.create_project(
        official, _input(institution_id=ctu.id, title="Cá tra giống sạch bệnh")
    )
    report = project_csv.preview(ctu, official, CSV.encode())
    assert [p.position for p in report.problems] == [2]


def test_preview_refuses_not_valid_utf8(indexed_ctx_en, official, ctu):
    report = project_csv.preview(
        ctu, official, "title,pi_name\nCá,An\n".encode("cp1258")
    )
    assert "UTF-8" in str(report.problems[0].message)


def test_confirm_registers_every_row_and_indexes_them(indexed_ctx_en, official, ctu):
    report = project_csv.preview(ctu, official, CSV.encode())
    assert project_csv.confirm(ctu, official, report.batch_id) == 2
    titles = db.session.scalars(
        sa.select(Project.title).where(Project.institution_id == ctu.id)
    )
    assert sorted(titles) == ["Cá tra giống sạch bệnh", "Vắc-xin cho cá; dạng ngâm"]
    assert search.find("vac xin", {}).result.total == 1
    with pytest.raises(Conflict):
        project_csv.confirm(ctu, official, report.batch_id)


def test_confirm_of_someone_elses_batch_is_refused(
    indexed_ctx_en, official, make_user, ctu
):
    report = project_csv.preview(ctu, official, CSV.encode())
    with pytest.raises(NotAllowed):
        project_csv.confirm(ctu, make_user(Role.OFFICIAL), report.batch_id)


def test_researcher_cannot_import_for_another_institution(
    indexed_ctx_en, make_user, ctu, tdu
):
    researcher = make_user(Role.RESEARCHER, institution_id=ctu.id)
    with pytest.raises(NotAllowed):
        project_csv.preview(tdu, researcher, CSV.encode())


# Demo data


def test_load_demo_projects_is_idempotent_and_links_people(
    indexed_ctx_en, make_user, ctu
):
    pi = make_user(Role.RESEARCHER, email="researcher@demo.cantho.example")
    created = demo_projects.load_projects()
    assert created == len(demo_projects.rows()) >= 40
    assert demo_projects.load_projects() == 0
    linked = db.session.scalars(sa.select(Project).where(Project.pi_id == pi.id)).all()
    assert len(linked) == 1 and linked[0].institution_id == ctu.id
    assert {p.status for p in db.session.scalars(sa.select(Project))} == set(
        ProjectStatus
    )
