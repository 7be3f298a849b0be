"""Importing the plan from CSV or XLSX: every row checked, nothing written unless all are valid."""

from __future__ import annotations

import io
from datetime import date

import pytest
import sqlalchemy as sa
from openpyxl import Workbook

from matchmaker.extensions import db
from matchmaker.models import InstitutionKind, PlanTask, PlanTaskStatus, PlanTaskUpdate
from matchmaker.services.errors import ServiceError
from matchmaker.services.plan import importer

HEADER = "Mã,Tên nhiệm vụ,Cơ quan chủ trì,Cơ quan phối hợp,Kế hoạch,Thời hạn,Tình trạng,Ngày hoàn thành,Minh chứng\n"


@pytest.fixture
def agencies(make_institution):
    return {
        "so": make_institution(
            "sokhcn",
            "Sở Khoa học và Công nghệ",
            InstitutionKind.AGENCY,
            short_name="Sở KH&CN",
        ),
        "nv": make_institution("sonoivu", "Sở Nội vụ", InstitutionKind.AGENCY),
    }


def _count() -> int:
    return db.session.scalar(sa.select(sa.func.count(PlanTask.id)))


def test_csv_preview_then_confirm_creates_every_task(official, agencies):
    data = HEADER + (
        "KH22-01,Trung tâm dữ liệu,so khoa hoc va cong nghe,Sở Nội vụ; sở kh&cn,KH 22,31/12/2026,Đang thực hiện,,\n"
        "KH22-02,Quy chế dữ liệu,Sở KH&CN,,KH 22,30/06/2026,Hoàn thành,15/06/2026,QĐ 12/QĐ-UBND\n"
    )
    report = importer.preview(official, data.encode())
    assert report.problems == [] and (report.created, report.updated) == (2, 0)
    assert _count() == 0  # the preview writes nothing
    assert importer.confirm(official, report.batch_id) == (2, 0)
    first = db.session.scalar(sa.select(PlanTask).where(PlanTask.code == "KH22-01"))
    assert first.lead_agency.slug == "sokhcn" and [p.slug for p in first.partners] == [
        "sonoivu"
    ]
    assert (
        first.deadline == date(2026, 12, 31)
        and first.status == PlanTaskStatus.IN_PROGRESS
    )


def test_a_failing_row_writes_nothing_and_names_its_row(official, agencies):
    data = HEADER + (
        "KH22-01,Trung tâm dữ liệu,Sở KH&CN,,,31/12/2026,,,\n"
        "KH22-02,Quy chế,Sở Không Có,,,31/02/2026,Hoàn thành,,\n"
    )
    report = importer.preview(official, data.encode())
    assert report.batch_id is None and _count() == 0
    [problem] = report.problems
    assert problem.position == 3
    assert "Sở Không Có" in str(problem.message) and "31/02/2026" in str(
        problem.message
    )


def test_reimport_of_a_known_code_updates_it(official, agencies):
    first = importer.preview(
        official, (HEADER + "KH22-01,Cũ,Sở KH&CN,,,,,,\n").encode()
    )
    importer.confirm(official, first.batch_id)
    again = importer.preview(
        official, (HEADER + "kh22-01,Mới,Sở Nội vụ,,,,Đang thực hiện,,\n").encode()
    )
    assert (again.created, again.updated) == (0, 1) and again.rows[0].updates_existing
    importer.confirm(official, again.batch_id)
    task = db.session.scalar(sa.select(PlanTask))
    assert (_count(), task.title, task.lead_agency.slug) == (1, "Mới", "sonoivu")


def test_xlsx_with_english_headers_and_date_cells(official, agencies):
    book = Workbook()
    sheet = book.active
    sheet.append(["Code", "Title", "Lead agency", "Deadline", "Status"])
    sheet.append(
        ["CT83-1", "Dữ liệu mở", "Sở Nội vụ", date(2027, 3, 31), "in progress"]
    )
    out = io.BytesIO()
    book.save(out)
    report = importer.preview(official, out.getvalue())
    assert report.problems == []
    assert (
        report.rows[0].deadline == "2027-03-31"
        and report.rows[0].status == "in_progress"
    )


def test_unreadable_xlsx_and_unknown_header_are_reported(official, agencies):
    assert "Excel" in str(
        importer.preview(official, b"PK\x03\x04broken").problems[0].message
    )
    report = importer.preview(official, "Mã,Tên nhiệm vụ,Ghi chú\nA,B,C\n".encode())
    messages = " ".join(str(p.message) for p in report.problems)
    assert "Ghi chú" in messages and report.batch_id is None


def test_completed_row_needs_evidence(official, agencies):
    report = importer.preview(
        official, (HEADER + "A,B,Sở KH&CN,,,,Hoàn thành,01/01/2026,\n").encode()
    )
    assert report.batch_id is None and report.problems[0].position == 2


def test_template_reads_back_without_problems(make_institution):
    for slug, name, short in [
        ("so", "Sở Khoa học và Công nghệ thành phố Cần Thơ", "Sở KH&CN"),
        ("nv", "Sở Nội vụ", ""),
        ("tc", "Sở Tài chính", ""),
    ]:
        make_institution(slug, name, InstitutionKind.AGENCY, short_name=short)
    rows, problems = importer.parse(importer.template_csv().encode())
    assert problems == [] and [r.code for r in rows] == ["KH22-01", "KH22-02"]


def _import(official, rows: str, file_name: str = "") -> tuple[int, int]:
    report = importer.preview(official, (HEADER + rows).encode(), file_name)
    assert report.problems == []
    return report.batch_id, importer.confirm(official, report.batch_id)


def test_a_reimport_that_changes_the_status_adds_it_to_the_timeline(official, agencies):
    _import(official, "KH22-01,Trung tâm dữ liệu,Sở KH&CN,,,,,,\n", "dot-1.csv")
    task = db.session.scalar(sa.select(PlanTask))
    assert task.updates == []  # a new task has no timeline yet
    batch_id, _counts = _import(
        official,
        "KH22-01,Trung tâm dữ liệu,Sở KH&CN,,,,Đang thực hiện,,\n",
        "ke-hoach-quy-4.csv",
    )
    db.session.expire_all()
    [update] = db.session.scalar(sa.select(PlanTask)).updates
    assert update.author_id == official.id
    assert update.status_after == PlanTaskStatus.IN_PROGRESS
    assert "ke-hoach-quy-4.csv" in update.text and str(batch_id) in update.text
    assert update.text.startswith("Tình trạng")  # the record is kept in Vietnamese


def test_a_reimport_that_completes_a_task_dates_the_entry_on_its_completion(
    official, agencies
):
    _import(official, "KH22-02,Quy chế,Sở KH&CN,,,,Đang thực hiện,,\n")
    _import(
        official,
        "KH22-02,Quy chế,Sở KH&CN,,,,Hoàn thành,15/06/2026,QĐ 12/QĐ-UBND\n",
        "hoan-thanh.csv",
    )
    db.session.expire_all()
    task = db.session.scalar(sa.select(PlanTask))
    [update] = task.updates
    assert (update.status_after, update.reported_on) == (
        PlanTaskStatus.COMPLETED,
        date(2026, 6, 15),
    )


def test_a_reimport_that_keeps_the_status_adds_nothing(official, agencies):
    _import(official, "KH22-01,Cũ,Sở KH&CN,,,,Đang thực hiện,,\n")
    _import(official, "KH22-01,Mới,Sở KH&CN,,,,đang thực hiện,,\n")
    db.session.expire_all()
    task = db.session.scalar(sa.select(PlanTask))
    assert (task.title, task.updates) == ("Mới", [])


def test_a_reimport_that_fails_writes_no_timeline_entry(official, agencies):
    _import(official, "KH22-01,Một,Sở KH&CN,,,,,,\nKH22-02,Hai,Sở KH&CN,,,,,,\n")
    report = importer.preview(
        official,
        (
            HEADER
            + "KH22-01,Một,Sở KH&CN,,,,Đang thực hiện,,\n"
            + "KH22-03,Ba,Sở Nội vụ,,,,,,\n"
        ).encode(),
        "lan-2.csv",
    )
    # Between the preview and the confirmation the second row's lead agency is removed.
    db.session.delete(agencies["nv"])
    db.session.commit()
    with pytest.raises(ServiceError):
        importer.confirm(official, report.batch_id)
    db.session.expire_all()
    first = db.session.scalar(sa.select(PlanTask).where(PlanTask.code == "KH22-01"))
    assert first.status == PlanTaskStatus.NOT_STARTED
    assert db.session.scalar(sa.select(sa.func.count(PlanTaskUpdate.id))) == 0
