"""The work of an awarded order: milestones, payments (giải ngân), progress reports, schedule status, results.

Every function reads what it needs from the database, so a job queue can call it as well as a view. Use the
package as one service module: ``from matchmaker.services import progress``, then ``progress.add_milestone``.
"""

from matchmaker.services.orders.work.common import (
    Permissions,
    is_pi,
    officials_concerned,
    permissions,
    vietnam_today,
    work_access,
)
from matchmaker.services.orders.work.milestones import (
    MilestoneInput,
    ProgressInput,
    add_milestone,
    complete_milestone,
    list_milestones,
    list_reports,
    send_back_deliverable,
    submit_deliverable,
    submit_progress_report,
)
from matchmaker.services.orders.work.overview import WorkOverview, work_overview
from matchmaker.services.orders.work.payments import (
    Contract,
    DisbursementInput,
    Totals,
    TrancheLine,
    contract,
    contracts,
    disbursed_total,
    ensure_tranches,
    record_disbursement,
    totals,
    tranche_lines,
)
from matchmaker.services.orders.work.results import (
    ResultInput,
    add_result,
    list_results,
    record_mid_term_check,
    register_results,
)
from matchmaker.services.orders.work.schedule import (
    LATENESS_MESSAGES,
    Lateness,
    LateReason,
    ScheduleStatus,
    list_late_orders,
    schedule_status,
    schedule_statuses,
    split_running,
)
from matchmaker.services.policy import results_are_public

__all__ = [
    "LATENESS_MESSAGES",
    "Contract",
    "DisbursementInput",
    "LateReason",
    "Lateness",
    "MilestoneInput",
    "Permissions",
    "ProgressInput",
    "ResultInput",
    "ScheduleStatus",
    "Totals",
    "TrancheLine",
    "WorkOverview",
    "add_milestone",
    "add_result",
    "complete_milestone",
    "contract",
    "contracts",
    "disbursed_total",
    "ensure_tranches",
    "is_pi",
    "list_late_orders",
    "list_milestones",
    "list_reports",
    "list_results",
    "officials_concerned",
    "permissions",
    "record_disbursement",
    "record_mid_term_check",
    "register_results",
    "results_are_public",
    "schedule_status",
    "schedule_statuses",
    "split_running",
    "send_back_deliverable",
    "submit_deliverable",
    "submit_progress_report",
    "tranche_lines",
    "totals",
    "vietnam_today",
    "work_access",
    "work_overview",
]
