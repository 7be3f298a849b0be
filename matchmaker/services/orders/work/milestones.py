"""Milestones with their deliverables, and the principal investigator's progress reports."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from matchmaker import formatting
from matchmaker.extensions import db
from matchmaker.lifecycle import Entry
from matchmaker.models import (
    Milestone,
    OrderEvent,
    ProgressReport,
    ResearchOrder,
    User,
    utcnow,
)
from matchmaker.services import events, locking, policy
from matchmaker.services.errors import Conflict, NotAllowed, ServiceError
from matchmaker.services.orders import attachments
from matchmaker.services.orders.work.common import (
    CONFIRMING_STATES,
    PLANNING_STATES,
    REFERENCE_MAX,
    REPORT_MAX,
    TEXT_MAX,
    TITLE_MAX,
    WORKING_STATES,
    check_pi,
    check_staff,
    check_state,
    clean_text,
    get_order,
    notify_people,
    officials_concerned,
    past_date,
    pi_concerned,
    record_entry,
)
from matchmaker.services.orders.work.payments import contract


@dataclass(frozen=True)
class MilestoneInput:
    """A milestone an official plans: what, by when, and the deliverable that proves it."""

    title: str
    due_date: date | None
    deliverable: str = ""


def list_milestones(order: ResearchOrder) -> list[Milestone]:
    """The order's milestones, soonest due first."""
    stmt = (
        sa.select(Milestone)
        .where(Milestone.order_id == order.id)
        .order_by(Milestone.due_date, Milestone.id)
    )
    return list(db.session.scalars(stmt))


def add_milestone(
    user: User, order_id: int, data: MilestoneInput, now: datetime | None = None
) -> Milestone:
    """Plan a milestone of an awarded order and tell the principal investigator."""
    check_staff(user, _l("Only city officials plan milestones."))
    order = get_order(order_id)
    check_state(
        order,
        PLANNING_STATES,
        _("Milestones are planned once the order is awarded and until acceptance."),
    )
    title = clean_text(data.title, "title", TITLE_MAX, _("Name the milestone."))
    deliverable = clean_text(data.deliverable, "deliverable", TEXT_MAX)
    if not isinstance(data.due_date, date) or isinstance(data.due_date, datetime):
        raise Conflict(_("Enter the due date."), field="due_date")
    terms = contract(order)
    if terms and terms.end_date and data.due_date > terms.end_date:
        raise Conflict(
            _(
                "The contract ends on %(end)s: a milestone is due by then.",
                end=formatting.date(terms.end_date),
            ),
            field="due_date",
        )
    if terms and terms.start_date and data.due_date < terms.start_date:
        raise Conflict(
            _(
                "The contract starts on %(start)s: a milestone cannot be due before then.",
                start=formatting.date(terms.start_date),
            ),
            field="due_date",
        )
    milestone = Milestone(
        order_id=order.id, title=title, deliverable=deliverable, due_date=data.due_date,
        created_by_id=user.id, submission_note="", evidence="",
    )  # fmt: skip
    db.session.add(milestone)
    notify_people(
        pi_concerned(order, user), "milestone_added", order, user, milestone=title
    )
    events.commit()
    return milestone


def _milestone(order_id: int, milestone_id: int) -> tuple[ResearchOrder, Milestone]:
    order = get_order(order_id)
    milestone = db.session.get(Milestone, milestone_id)
    if milestone is None or milestone.order_id != order.id:
        raise NotAllowed(_l("This milestone does not exist."))
    return order, milestone


def submit_deliverable(
    user: User, order_id: int, milestone_id: int, note: str, now: datetime | None = None
) -> Milestone:
    """The principal investigator says a milestone's deliverable is handed in (again, after it was sent
    back for revision); it goes into the order's history and the officials hear of it."""
    order, milestone = _milestone(order_id, milestone_id)
    check_pi(user, order, _l("Only the principal investigator submits deliverables."))
    # An official sending it back or confirming it at once waits, or is seen.
    locking.lock_object(milestone)
    check_state(
        order, WORKING_STATES, _("Deliverables are submitted while the work goes on.")
    )
    if milestone.is_completed:
        raise Conflict(_("This milestone is already confirmed as completed."))
    milestone.submission_note = clean_text(note, "note", TEXT_MAX)
    milestone.submitted_at = now or utcnow()
    milestone.submitted_by_id = user.id
    record_entry(
        order, user, Entry.DELIVERABLE_SUBMITTED, milestone.title, milestone.submission_note,
        now, milestone_id=milestone.id,
    )  # fmt: skip
    notify_people(
        officials_concerned(order, user), "deliverable_submitted", order, user,
        milestone=milestone.title,
    )  # fmt: skip
    events.commit()
    return milestone


def send_back_deliverable(
    user: User,
    order_id: int,
    milestone_id: int,
    reason: str,
    now: datetime | None = None,
) -> OrderEvent:
    """An official sends a handed-in deliverable back to the principal investigator for revision.

    The milestone is to be handed in again (late again if its due date has passed); the reason goes into the
    history, where the work page shows it to the PI, and the PI hears of it. Only a deliverable handed in and
    not confirmed can be sent back: of two officials sending it back at once, the second is refused.
    """
    check_staff(user, _l("Only city officials send deliverables back for revision."))
    order, milestone = _milestone(order_id, milestone_id)
    reason = clean_text(reason, "reason", TEXT_MAX, _("Say what must be revised."))
    # The checks below read what a parallel request committed.
    locking.lock_object(milestone)
    if not policy.may_record_work_step(user, order, Entry.DELIVERABLE_RETURNED):
        raise Conflict(
            _("Deliverables are sent back for revision while the work goes on.")
        )
    if milestone.is_completed:
        raise Conflict(
            _(
                "This milestone is already confirmed as completed: its deliverable cannot be sent back."
            )
        )
    if milestone.submitted_at is None:
        raise Conflict(
            _(
                "This deliverable is not handed in (or was just sent back): there is nothing to send back."
            )
        )
    entry = record_entry(
        order, user, Entry.DELIVERABLE_RETURNED, milestone.title, reason, now,
        milestone_id=milestone.id, submitted_at=milestone.submitted_at.isoformat(),
    )  # fmt: skip
    milestone.submitted_at, milestone.submitted_by_id = None, None
    milestone.submission_note = ""
    notify_people(
        pi_concerned(order, user), "deliverable_sent_back", order, user,
        milestone=milestone.title,
    )  # fmt: skip
    events.commit()
    return entry


def complete_milestone(
    user: User,
    order_id: int,
    milestone_id: int,
    completed_on: date | None,
    evidence: str,
    now: datetime | None = None,
) -> Milestone:
    """An official confirms a milestone as completed, with the evidence; the PI hears of it."""
    check_staff(user, _l("Only city officials confirm milestones."))
    order, milestone = _milestone(order_id, milestone_id)
    check_state(
        order,
        CONFIRMING_STATES,
        _("Milestones are confirmed while the work or its acceptance goes on."),
    )
    # An official sending it back at once waits, or is seen.
    locking.lock_object(milestone)
    if milestone.is_completed:
        raise Conflict(_("This milestone is already confirmed as completed."))
    day = past_date(completed_on, "completed_on", now)
    terms = contract(order)
    if terms and terms.start_date and day < terms.start_date:
        raise Conflict(
            _(
                "The contract starts on %(start)s: a milestone cannot be completed before then.",
                start=formatting.date(terms.start_date),
            ),
            field="completed_on",
        )
    milestone.evidence = clean_text(
        evidence, "evidence", TEXT_MAX, _("Say what proves the milestone is completed.")
    )
    milestone.completed_on, milestone.completed_by_id = day, user.id
    notify_people(
        pi_concerned(order, user), "milestone_completed", order, user,
        milestone=milestone.title,
    )  # fmt: skip
    events.commit()
    return milestone


# --- progress reports ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProgressInput:
    """A progress report: the period it covers, as of which date, the text, percent done, milestones."""

    period: str
    report_date: date | None
    text: str
    percent_complete: int | None
    milestone_ids: Sequence[int] = ()


def list_reports(order: ResearchOrder) -> list[ProgressReport]:
    """The order's progress reports, newest first."""
    stmt = (
        sa.select(ProgressReport)
        .where(ProgressReport.order_id == order.id)
        .order_by(ProgressReport.report_date.desc(), ProgressReport.id.desc())
    )
    return list(db.session.scalars(stmt))


def _check_against_last_report(order: ResearchOrder, day: date, percent: int) -> None:
    """Reports follow each other: never dated before the last one, and never less work completed than it said.

    Work done stays done, so a lower percentage is refused; if the last figure was too high, the next
    report keeps it and the text explains the correction to the officials.
    """
    last = db.session.scalar(
        sa.select(ProgressReport)
        .where(ProgressReport.order_id == order.id)
        .order_by(ProgressReport.report_date.desc(), ProgressReport.id.desc())
        .limit(1)
    )
    if last is None:
        return
    if day < last.report_date:
        raise Conflict(
            _(
                "The last report is dated %(date)s: a new report cannot be dated earlier.",
                date=formatting.date(last.report_date),
            ),
            field="report_date",
        )
    if percent < last.percent_complete:
        raise Conflict(
            _(
                "The last report said %(n)d per cent of the work was completed: progress cannot go down. "
                "Keep at least %(n)d and explain any correction in the text.",
                n=last.percent_complete,
            ),
            field="percent_complete",
        )


def submit_progress_report(
    user: User,
    order_id: int,
    data: ProgressInput,
    upload: attachments.Upload | None = None,
    now: datetime | None = None,
) -> ProgressReport:
    """The principal investigator reports progress (with an optional PDF); the officials hear of it."""
    order = get_order(order_id)
    check_pi(user, order, _l("Only the principal investigator reports progress."))
    check_state(
        order, WORKING_STATES, _("Progress is reported while the work goes on.")
    )
    period = clean_text(
        data.period, "period", REFERENCE_MAX, _("Name the period reported on.")
    )
    text = clean_text(data.text, "text", REPORT_MAX, _("Describe the progress."))
    day = past_date(data.report_date, "report_date", now)
    percent = data.percent_complete
    if (
        isinstance(percent, bool)
        or not isinstance(percent, int)
        or not 0 <= percent <= 100
    ):
        raise Conflict(
            _("The percentage is a whole number from 0 to 100."),
            field="percent_complete",
        )
    _check_against_last_report(order, day, percent)
    wanted = set(data.milestone_ids)
    chosen = [m for m in list_milestones(order) if m.id in wanted]
    if len(chosen) != len(wanted):
        raise Conflict(_("Choose milestones of this order."), field="milestones")
    report = ProgressReport(
        order_id=order.id, author_id=user.id, period=period, report_date=day, text=text,
        percent_complete=percent, milestones=chosen, created_at=now or utcnow(),
    )  # fmt: skip
    db.session.add(report)
    try:
        if upload is not None and getattr(upload, "filename", ""):
            report.attachment_id = attachments.store_pdf(
                upload, order=order, uploader=user
            ).id
    except ServiceError:
        db.session.rollback()  # a bad file refuses the whole report
        raise
    notify_people(
        officials_concerned(order, user),
        "progress_reported",
        order,
        user,
        percent=str(percent),
    )
    events.commit()
    return report
