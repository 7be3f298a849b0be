"""Where tasks stand: a hand-built plan whose every count is known, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from matchmaker.extensions import db
from matchmaker.models import InstitutionKind, PlanTask, PlanTaskStatus
from matchmaker.services.plan import standing as standings
from matchmaker.services.plan.standing import PlanFilters, TaskStanding

TODAY = date(2026, 6, 15)
S = PlanTaskStatus


@pytest.fixture
def plan(make_institution):
    """Nine tasks of two agencies; the comment says where each stands on TODAY."""
    a = make_institution("so-a", "Sở Khoa học", InstitutionKind.AGENCY)
    b = make_institution("so-b", "Sở Nội vụ", InstitutionKind.AGENCY)
    rows = [
        (
            "A1",
            a,
            S.COMPLETED,
            date(2026, 6, 1),
            date(2026, 5, 20),
        ),  # completed on time
        (
            "A2",
            a,
            S.COMPLETED,
            date(2026, 6, 1),
            date(2026, 6, 1),
        ),  # completed on time (on the day)
        ("A3", a, S.COMPLETED, date(2026, 6, 1), date(2026, 6, 10)),  # completed late
        ("A4", a, S.IN_PROGRESS, date(2026, 6, 15), None),  # due today: on schedule
        ("A5", a, S.IN_PROGRESS, date(2026, 6, 14), None),  # late
        ("B1", b, S.NOT_STARTED, date(2026, 1, 1), None),  # late though not started
        ("B2", b, S.NOT_STARTED, date(2027, 1, 1), None),  # not started
        ("B3", b, S.IN_PROGRESS, None, None),  # ongoing: on schedule, never late
        (
            "B4",
            b,
            S.COMPLETED,
            None,
            date(2026, 3, 1),
        ),  # completed, no deadline: on time
    ]
    for code, agency, status, deadline, done in rows:
        db.session.add(
            PlanTask(code=code, title=f"Nhiệm vụ {code}", plan="KH 22" if code < "B" else "CTHĐ 83",
                     objective="Dữ liệu số", lead_agency=agency, status=status, deadline=deadline,
                     completed_on=done, evidence="QĐ" if done else "")
        )  # fmt: skip
    db.session.commit()
    return {"a": a, "b": b}


def _standings(today=TODAY) -> dict[str, str]:
    rows = db.session.execute(sa.select(PlanTask.code, standings.task_standing(today)))
    return dict(rows.all())


def test_task_standing_of_each_task(plan):
    assert _standings() == {
        "A1": "completed", "A2": "completed", "A3": "completed", "A4": "in_progress_on_schedule",
        "A5": "late", "B1": "late", "B2": "not_started", "B3": "in_progress_on_schedule", "B4": "completed",
    }  # fmt: skip


def test_task_standing_moves_with_the_reference_date(plan):
    assert _standings(date(2026, 6, 16))["A4"] == "late"
    assert _standings(date(2025, 12, 31))["B1"] == "not_started"


def test_standing_counts_of_the_whole_plan(plan):
    counts = standings.standing_counts(today=TODAY)
    assert counts == standings.StandingCounts(
        total=9, completed=4, completed_on_time=3, on_schedule=2, late=2, not_started=1
    )
    assert counts.on_time_rate == pytest.approx(0.75)


def test_standing_counts_follow_the_filters(plan):
    late = standings.standing_counts(PlanFilters(standing=TaskStanding.LATE), TODAY)
    assert (late.total, late.late) == (2, 2)
    b = standings.standing_counts(PlanFilters(agency_id=plan["b"].id), TODAY)
    assert (b.total, b.completed, b.late, b.not_started, b.on_schedule) == (
        4,
        1,
        1,
        1,
        1,
    )
    kh22 = standings.standing_counts(PlanFilters(plan="KH 22", query="a1"), TODAY)
    assert kh22.total == 1


def test_agency_counts_give_each_agency_its_on_time_rate(plan):
    rows = {r.short_name or r.name: r for r in standings.agency_counts(today=TODAY)}
    a, b = rows["Sở Khoa học"], rows["Sở Nội vụ"]
    assert (
        a.counts.total,
        a.counts.completed,
        a.counts.completed_on_time,
        a.counts.late,
    ) == (5, 3, 2, 1)
    assert a.counts.on_time_rate == pytest.approx(2 / 3)
    assert (b.counts.total, b.counts.completed_on_time) == (4, 1)
    assert b.counts.on_time_rate == 1.0


def test_empty_plan_counts_zero_and_no_rate(app):
    counts = standings.standing_counts(today=TODAY)
    assert counts.total == 0 and counts.on_time_rate is None
    assert standings.agency_counts(today=TODAY) == []
