"""Demo research orders, each walked through the real lifecycle to its target state on a fixed timeline."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from matchmaker.demo import work as demo_work
from matchmaker.extensions import db
from matchmaker.lifecycle import Action
from matchmaker.matching.text import normalise
from matchmaker.models import Institution, ResearchOrder, TechNeed, User
from matchmaker.services.orders import lifecycle as orders

DATA = Path(__file__).resolve().parent / "data" / "orders.json"
# Each order walks its path 20 days a step (published on day 40, call closed on day 50, applications closed on
# day 60) and took its last step some weeks before the demo is loaded: the n-th order STEP_DAYS * steps + the
# n-th spread before loading, so the history covers the past year, the figures of "this year" are not empty
# and running work is as late as real work, whenever the demo is loaded. Open calls close weeks after loading.
STEP_DAYS = 20
SPREAD_DAYS = (21, 130, 47, 95, 160, 33, 74, 115, 58, 140)

Progress = Callable[[int], Any]
A = Action
_MAIN = [A.SUBMIT, A.APPROVE, A.PUBLISH, A.CLOSE_APPLICATIONS, A.START_REVIEW, A.AWARD, A.START_WORK,
         A.REQUEST_ACCEPTANCE]  # fmt: skip
PATHS: dict[str, list[Action]] = {
    "draft": [],
    "submitted": _MAIN[:1],
    "approved": _MAIN[:2],
    "published": _MAIN[:3],
    "applications_closed": _MAIN[:4],
    "under_review": _MAIN[:5],
    "awarded": _MAIN[:6],
    "in_progress": _MAIN[:7],
    "acceptance_review": _MAIN,
    "accepted": [*_MAIN, A.ACCEPT],
    "not_accepted": [*_MAIN, A.NOT_ACCEPT],
    "results_registered": [*_MAIN, A.ACCEPT, A.REGISTER_RESULTS],
    "in_application": [*_MAIN, A.ACCEPT, A.REGISTER_RESULTS, A.START_APPLICATION],
    "closed": [*_MAIN, A.ACCEPT, A.REGISTER_RESULTS, A.START_APPLICATION, A.CLOSE],
    "rejected": [A.SUBMIT, A.REJECT],
    "cancelled": [A.SUBMIT, A.APPROVE, A.CANCEL],
    "terminated": [*_MAIN[:7], A.TERMINATE],
    "closed_risk_accepted": [*_MAIN, A.NOT_ACCEPT, A.CLOSE_WITH_RISK_ACCEPTED],
}


def rows() -> list[dict]:
    """The demo orders as written in the data file (empty when the file is absent)."""
    return json.loads(DATA.read_text(encoding="utf-8")) if DATA.exists() else []


def load_orders(official: User, step: Progress) -> int:
    """Create every demo order that is missing (by title) and walk it to its target state."""
    existing = set(db.session.scalars(sa.select(ResearchOrder.title)))
    created = 0
    loaded = datetime.now(UTC).replace(hour=2, minute=0, second=0, microsecond=0)
    for number, row in enumerate(rows()):
        if normalise(row["title"]) not in existing:
            steps = len(PATHS[row["target_state"]])
            back = timedelta(
                days=SPREAD_DAYS[number % len(SPREAD_DAYS)] + STEP_DAYS * steps
            )
            anchor = loaded - back
            _walk(
                _create(row, official, anchor - timedelta(days=3)),
                row,
                official,
                anchor,
            )
            created += 1
        step(1)
    return created


def _create(row: dict, official: User, now: datetime) -> ResearchOrder:
    agency = db.session.scalar(
        sa.select(Institution).where(Institution.slug == row["agency"])
    )
    need_id = (
        db.session.scalar(
            sa.select(TechNeed.id).where(TechNeed.title == normalise(row["need"]))
        )
        if row.get("need")
        else None
    )
    fields = ("title", "beneficiary", "necessity", "objectives", "main_content", "expected_products", "trl",
              "field_code", "priority_area", "duration_months", "state_budget", "cofunding")  # fmt: skip
    data = orders.OrderInput(
        agency_id=agency.id, need_id=need_id, **{k: row.get(k) for k in fields}
    )
    return orders.create_order(official, data, now=now)


def _data(
    action: Action, row: dict, open_deadline: datetime, start: date, anchor: datetime
) -> dict:
    value = (row.get("state_budget") or 0) + (row.get("cofunding") or 0)
    first = value * 6 // 10
    end = start + timedelta(days=30 * (row.get("duration_months") or 24))
    published = {
        "selection_method": row["selection_method"],
        "application_deadline": open_deadline,
    }
    if row["selection_method"] == "direct_assignment":
        published = {"selection_method": "direct_assignment", "assignee_organisation": row.get("assignee_organisation"),
                     "justification": row.get("justification")}  # fmt: skip
    return {
        A.APPROVE: {"decision_number": row.get("decision_number") or "1/QĐ-UBND", "decision_date": (anchor + timedelta(days=STEP_DAYS)).date()},
        A.PUBLISH: published,
        A.CLOSE_APPLICATIONS: published,
        A.AWARD: {"contract_number": row.get("contract_number") or "01/HĐ-SKHCN", "contract_value": value,
                  "start_date": start, "end_date": end,
                  "payment_schedule": [{"amount": first, "due_date": start}, {"amount": value - first, "due_date": end}]},
        A.ACCEPT: {"council_result": row.get("council_result") or "Đạt"},
        A.NOT_ACCEPT: {"council_result": row.get("council_result") or "Không đạt"},
        A.REJECT: {"reason": row.get("reason") or "Trùng lặp"},
        A.CANCEL: {"reason": row.get("reason") or "Thay đổi ưu tiên"},
        A.TERMINATE: {"reason": row.get("reason") or "Chủ nhiệm không tiếp tục"},
    }.get(action, {})  # fmt: skip


def _walk(order: ResearchOrder, row: dict, official: User, anchor: datetime) -> None:
    path = PATHS[row["target_state"]]
    stays_open = row["target_state"] == "published"
    deadline = (
        (datetime.now(UTC) + timedelta(days=45))
        if stays_open
        else anchor + timedelta(days=50)
    )
    start = (anchor + timedelta(days=60)).date()
    for number, action in enumerate(path):
        now = (
            anchor + timedelta(days=number * STEP_DAYS)
            if not stays_open
            else datetime.now(UTC)
        )
        if action == A.REQUEST_ACCEPTANCE and row["target_state"] != "terminated":
            orders.record_mid_term_check(
                order.id, official, row.get("mid_term_result") or "Đạt tiến độ", now=now
            )
        if action == A.CLOSE_APPLICATIONS:
            demo_work.submit_proposals(order, row, deadline - timedelta(days=2))
        data = _data(action, row, deadline, start, anchor)
        if action == A.AWARD:
            demo_work.award(order, official, data, now)
        elif action == A.REGISTER_RESULTS:
            demo_work.register(order, row, now)
        else:
            orders.apply_action(
                order.id, official, action, data, order.version, now=now, notify=False
            )
        db.session.refresh(order)
        if action == A.PUBLISH and stays_open:
            demo_work.submit_proposals(order, row, now)
        elif action == A.START_REVIEW:
            demo_work.review(
                order, official, now, still_open=row["target_state"] == "under_review"
            )
        elif action == A.START_WORK:
            award_data = _data(A.AWARD, row, deadline, start, anchor)
            demo_work.plan_work(order, official, start, award_data["end_date"], now)
            demo_work.report_progress(
                order, official, now + timedelta(days=10), hand_in=not row.get("late")
            )  # a late task has not handed in its first deliverable
        db.session.refresh(order)
