"""What each section, figure, table and column of the dashboard is called, and how each figure is computed."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

SECTIONS = {
    "plan": _l("Resolution 57 action plan"),
    "orders": _l("Research orders"),
    "money": _l("Money"),
    "results": _l("Results"),
    "participation": _l("Participation"),
    "health": _l("Data health"),
}


@dataclass(frozen=True)
class Entry:
    """A figure's name and how it is computed."""

    label: object
    definition: object


def _e(label, definition) -> Entry:
    return Entry(label, definition)


FIGURES: dict[str, Entry] = {
    "plan_tasks": _e(
        _l("Plan tasks"),
        _l(
            "Tasks of the action plan register (of the lead agency chosen, if any), as they stand today."
        ),
    ),  # fmt: skip
    "plan_completed": _e(
        _l("Completed"),
        _l("Tasks marked completed, with their completion date and evidence."),
    ),  # fmt: skip
    "plan_completed_on_time": _e(
        _l("Completed on time"),
        _l(
            "Completed tasks whose completion date is on or before their deadline (or that have no deadline)."
        ),
    ),  # fmt: skip
    "plan_on_schedule": _e(
        _l("In progress, on schedule"),
        _l("Tasks in progress whose deadline has not passed (or that have none)."),
    ),  # fmt: skip
    "plan_late": _e(
        _l("Late"),
        _l(
            "Tasks not completed whose deadline is before today, whether started or not. Lateness is computed, never typed."
        ),
    ),  # fmt: skip
    "plan_not_started": _e(
        _l("Not started"),
        _l("Tasks not started whose deadline has not passed."),
    ),  # fmt: skip
    "plan_on_time_rate": _e(
        _l("On-time rate"),
        _l(
            "Completed on time ÷ completed, in per cent: the KPI each agency is judged by."
        ),
    ),  # fmt: skip
    "needs_received": _e(
        _l("Needs received"),
        _l(
            "Technology needs posted by enterprises during the period (by field and priority area; needs have no agency)."
        ),
    ),  # fmt: skip
    "approved": _e(
        _l("Orders approved"),
        _l(
            "Orders whose approval step (the approval decision) was taken during the period."
        ),
    ),  # fmt: skip
    "published": _e(
        _l("Orders published"),
        _l(
            "Orders published (call opened or direct assignment announced) during the period."
        ),
    ),  # fmt: skip
    "awarded": _e(
        _l("Contracts awarded"),
        _l("Orders awarded to a performing team (contract signed) during the period."),
    ),  # fmt: skip
    "accepted": _e(
        _l("Accepted"),
        _l("Orders accepted by the acceptance council during the period."),
    ),  # fmt: skip
    "not_accepted": _e(
        _l("Not accepted"),
        _l("Orders the acceptance council did not accept during the period."),
    ),  # fmt: skip
    "closed_risk_accepted": _e(
        _l("Closed with risk accepted"),
        _l("Failed orders closed with the risk accepted during the period."),
    ),  # fmt: skip
    "calls_closed": _e(
        _l("Calls closed"),
        _l("Open calls whose applications closed during the period."),
    ),  # fmt: skip
    "on_schedule": _e(
        _l("In progress, on schedule"),
        _l(
            "Orders under contract today (awarded, in progress or in acceptance review) with no overdue milestone, no contract end passed and no overdue tranche; the same rule as the order's work page."
        ),
    ),  # fmt: skip
    "late": _e(
        _l("In progress, late"),
        _l(
            "Orders under contract today with an overdue milestone, a passed contract end or an overdue tranche."
        ),
    ),  # fmt: skip
    "days_approval_to_publication": _e(
        _l("Days from approval to publication (median)"),
        _l(
            "For the orders published during the period: days from the first approval step to the publication, median."
        ),
    ),  # fmt: skip
    "days_publication_to_award": _e(
        _l("Days from publication to contract (median)"),
        _l(
            "For the orders awarded during the period: days from the publication to the award, median."
        ),
    ),  # fmt: skip
    "proposals_per_call_median": _e(
        _l("Proposals per call (median)"),
        _l(
            "For the calls closed during the period: proposals received and not withdrawn, median."
        ),
    ),  # fmt: skip
    "proposals_per_call_mean": _e(
        _l("Proposals per call (mean)"), _l("The same proposals per call, mean.")
    ),  # fmt: skip
    "state_budget": _e(
        _l("State budget ordered"),
        _l("State budget of the orders approved during the period (VND)."),
    ),  # fmt: skip
    "cofunding": _e(
        _l("Co-funding"),
        _l(
            "Co-funding (the non-state share) of the orders approved during the period (VND)."
        ),
    ),  # fmt: skip
    "contract_value": _e(
        _l("Contract value"),
        _l("Value of the contracts awarded during the period (VND)."),
    ),  # fmt: skip
    "disbursed": _e(
        _l("Disbursed in the period"),
        _l(
            "Payments made to performing teams with a payment date in the period (VND)."
        ),
    ),  # fmt: skip
    "committed": _e(
        _l("Committed by the end of the period"),
        _l("Value of every contract awarded up to the end of the period (VND)."),
    ),  # fmt: skip
    "disbursed_cumulative": _e(
        _l("Disbursed by the end of the period"),
        _l("Every payment dated up to the end of the period (VND)."),
    ),  # fmt: skip
    "disbursed_share": _e(
        _l("Disbursed against committed"),
        _l(
            "Disbursed by the end of the period divided by committed by the end of the period, in per cent."
        ),
    ),  # fmt: skip
    "tranches_overdue": _e(
        _l("Tranches overdue"),
        _l(
            "Recorded tranches of orders under contract, past their due date today and not fully paid."
        ),
    ),  # fmt: skip
    "tranches_overdue_amount": _e(
        _l("Amount overdue"), _l("What remains to pay on the overdue tranches (VND).")
    ),  # fmt: skip
    "results_registered": _e(
        _l("Results registered"),
        _l("Result records (products) registered during the period."),
    ),  # fmt: skip
    "results_applied": _e(
        _l("Results applied"),
        _l("Results registered during the period that say where they are applied."),
    ),  # fmt: skip
    "results_transferred": _e(
        _l("Results transferred"),
        _l(
            "Results registered during the period that say to whom they were transferred (chuyển giao)."
        ),
    ),  # fmt: skip
    "ip_filed": _e(
        _l("Intellectual property filed"),
        _l(
            "Results registered during the period with an IP filing (patent, utility solution, plant variety, copyright)."
        ),
    ),  # fmt: skip
    "ip_granted": _e(
        _l("Intellectual property granted"),
        _l("Of those, the ones whose IP is granted."),
    ),  # fmt: skip
    "proposals_submitted": _e(
        _l("Proposals submitted"),
        _l("Proposals submitted to the orders during the period."),
    ),  # fmt: skip
    "researchers_taking_part": _e(
        _l("Researchers taking part"),
        _l(
            "Different people named as principal investigator or team member on those proposals."
        ),
    ),  # fmt: skip
    "institutions_taking_part": _e(
        _l("Institutions taking part"),
        _l("Different institutions of those proposals and their team members."),
    ),  # fmt: skip
    "regional_institutions_taking_part": _e(
        _l("Regional institutions taking part"),
        _l(
            "Of those institutions, the ones whose province is given and is not Cần Thơ city (as merged in 2025): the region's universities and institutes working for the city."
        ),
    ),  # fmt: skip
    "enterprises_taking_part": _e(
        _l("Enterprises taking part"),
        _l("Different enterprises that posted a need during the period."),
    ),  # fmt: skip
    "interests_expressed": _e(
        _l("Expressions of interest"),
        _l(
            "Offers by researchers to work on an enterprise's need, made during the period."
        ),
    ),  # fmt: skip
    "profiles_total": _e(
        _l("Researcher profiles"), _l("Profiles of active researcher accounts today.")
    ),  # fmt: skip
    "profiles_complete": _e(
        _l("Complete profiles"),
        _l(
            "Profiles with at least one research field, at least one publication and an institution."
        ),
    ),  # fmt: skip
    "profiles_complete_share": _e(
        _l("Profile completeness"),
        _l("Complete profiles divided by all profiles, in per cent."),
    ),  # fmt: skip
    "silent_work": _e(
        _l("Work gone quiet"),
        _l(
            "Orders under contract with a milestone overdue by 30 days or more and neither a step nor a progress report in the last 30 days."
        ),
    ),  # fmt: skip
    "stale_needs": _e(
        _l("Needs not updated"),
        _l("Needs still open or in discussion and not updated for 180 days."),
    ),  # fmt: skip
    "stale_profiles": _e(
        _l("Profiles not updated"), _l("Researcher profiles not updated for a year.")
    ),  # fmt: skip
    "milestones_without_evidence": _e(
        _l("Milestones completed without evidence"),
        _l("Milestones confirmed as completed whose evidence is blank."),
    ),  # fmt: skip
}

TABLES = {
    "plan_by_agency": _l("Plan tasks by lead agency"),
    "funnel": _l("Orders by current state"),
    "by_month": _l("Disbursed by month"),
    "by_agency": _l("Budget and disbursed by agency"),
    "by_field": _l("Budget and disbursed by field"),
    "by_tranche": _l("Planned and disbursed by tranche"),
    "where_applied": _l("Where results are applied"),
}

COLUMNS = {
    "tasks": _l("Tasks"),
    "completed": _l("Completed"),
    "on_schedule": _l("On schedule"),
    "late": _l("Late"),
    "not_started": _l("Not started"),
    "on_time_rate": _l("On-time rate"),
    "orders": _l("Orders"),
    "disbursed": _l("Disbursed"),
    "state_budget": _l("State budget"),
    "contract_value": _l("Contract value"),
    "results": _l("Results"),
    "planned": _l("Planned"),
}

# Shown on the definitions page under each section's figures.
NOTES = {
    "plan": _l(
        "Plan tasks stand as of today, whatever the period; the agency filter selects the tasks an agency leads (not those it cooperates on). Shown to officials only, as the register is."
    ),  # fmt: skip
    "orders": _l(
        "Steps are counted by the date they were recorded in the order's history (Cần Thơ time); the schedule and the funnel are as of today."
    ),  # fmt: skip
    "money": _l(
        "Money is shown to officials only: an order's budget may be kept internal. By agency, by field and by tranche: orders awarded up to the end of the period, payments dated up to its end."
    ),  # fmt: skip
    "results": _l(
        "A result is transferred (chuyển giao) when its record says to whom; the registering team or the officials fill it in on the order's work page."
    ),  # fmt: skip
    "participation": _l(
        "Filters by agency apply to proposals (through their order), not to needs or profiles; the institution filter applies to the team's principal investigator and to profiles. The province filter applies to each participant's institution (the proposal's, the team member's, the profile's)."
    ),  # fmt: skip
    "health": _l(
        "Counts of records to look at today, whatever the period: each opens its list."
    ),  # fmt: skip
}

# The figures of each section, in the order the page and the workbook show them.
SECTION_FIGURES = {
    "plan": ("plan_tasks", "plan_completed", "plan_completed_on_time", "plan_on_schedule", "plan_late",
             "plan_not_started", "plan_on_time_rate"),
    "orders": ("needs_received", "approved", "published", "awarded", "accepted", "not_accepted",
               "closed_risk_accepted", "calls_closed", "on_schedule", "late", "days_approval_to_publication",
               "days_publication_to_award", "proposals_per_call_median", "proposals_per_call_mean"),
    "money": ("state_budget", "cofunding", "contract_value", "disbursed", "committed", "disbursed_cumulative",
              "disbursed_share", "tranches_overdue", "tranches_overdue_amount"),
    "results": ("results_registered", "results_applied", "results_transferred", "ip_filed", "ip_granted"),
    "participation": ("proposals_submitted", "researchers_taking_part", "institutions_taking_part",
                      "regional_institutions_taking_part", "enterprises_taking_part", "interests_expressed", "profiles_total", "profiles_complete",
                      "profiles_complete_share"),
    "health": ("silent_work", "stale_needs", "stale_profiles", "milestones_without_evidence"),
}  # fmt: skip

# The figures whose records do not depend on the period: they stand as of the day the dashboard is
# computed (the plan, the work's schedule, the funnel's states, overdue tranches, profiles, data health).
AS_OF_TODAY = frozenset({
    "plan_tasks", "plan_completed", "plan_completed_on_time", "plan_on_schedule", "plan_late", "plan_not_started",
    "on_schedule", "late", "tranches_overdue", "profiles_total", "profiles_complete",
    "silent_work", "stale_needs", "stale_profiles", "milestones_without_evidence",
})  # fmt: skip


def is_as_of_today(key: str) -> bool:
    """Whether the records of the figure ``key`` stand as of today, whatever the period (``state_*`` too)."""
    return key in AS_OF_TODAY or key.startswith("state_")


UNITS = {
    "vnd": _l("VND"),
    "days": _l("days"),
    "percent": _l("per cent"),
    "count": _l("count"),
    "number": _l("number"),
}
