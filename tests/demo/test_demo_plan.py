"""The demo action plan: realistic size and proportions, every standing present, linked orders, updates."""

from __future__ import annotations

import sqlalchemy as sa

from matchmaker.demo import loader as demo
from matchmaker.extensions import db
from matchmaker.models import PlanTask, PlanTaskUpdate, ResearchOrder
from matchmaker.services.plan import standing as standings


def test_demo_plan_has_every_standing_in_the_report_proportions(app):
    demo.load_demo_data()
    counts = standings.standing_counts()
    assert (counts.total, counts.completed, counts.completed_on_time) == (174, 93, 81)
    assert (counts.on_schedule, counts.late, counts.not_started) == (60, 12, 9)
    assert len(standings.agency_counts()) >= 6
    assert db.session.scalar(sa.select(sa.func.count(PlanTaskUpdate.id))) > 50
    assert (
        db.session.scalar(
            sa.select(sa.func.count(ResearchOrder.id)).where(
                ResearchOrder.plan_task_id.is_not(None)
            )
        )
        >= 2
    )


def test_demo_plan_loads_once(app):
    demo.load_demo_data()
    demo.load_demo_data()
    assert db.session.scalar(sa.select(sa.func.count(PlanTask.id))) == 174
