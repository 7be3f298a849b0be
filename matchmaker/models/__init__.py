"""Every model, re-exported so Alembic autogenerate sees them all."""

from matchmaker.models.api_token import ApiToken
from matchmaker.models.attachment import Attachment
from matchmaker.models.base import Base, TimestampMixin, utcnow
from matchmaker.models.institution import (
    Enterprise,
    EnterpriseSize,
    Institution,
    InstitutionKind,
)
from matchmaker.models.mail import OutboxMessage
from matchmaker.models.need import (
    Confidentiality,
    InterestStatus,
    NeedInterest,
    NeedStatus,
    TechNeed,
)
from matchmaker.models.notification import Notification
from matchmaker.models.order import HistoryIsAppendOnly, OrderEvent, ResearchOrder
from matchmaker.models.plan import (
    PlanHistoryIsAppendOnly,
    PlanTask,
    PlanTaskStatus,
    PlanTaskUpdate,
    plan_task_partners,
)
from matchmaker.models.progress import (
    Disbursement,
    Milestone,
    ProgressReport,
    ResultRecord,
    Tranche,
)
from matchmaker.models.project import (
    MemberStatus,
    Project,
    ProjectMember,
    ProjectStatus,
    SearchIndexRetry,
)
from matchmaker.models.proposal import (
    ConflictDeclaration,
    Council,
    CouncilMember,
    DeclineReason,
    LeadReviewer,
    Proposal,
    ProposalMember,
    ProposalScore,
    ProposalStatus,
)
from matchmaker.models.researcher import (
    IPAsset,
    IPKind,
    IPStatus,
    Publication,
    ResearcherField,
    ResearcherProfile,
)
from matchmaker.models.staging import ImportBatch
from matchmaker.models.user import SELF_SERVICE_ROLES, Role, User

__all__ = [
    "ApiToken",
    "Attachment",
    "Base",
    "Confidentiality",
    "ConflictDeclaration",
    "Council",
    "CouncilMember",
    "DeclineReason",
    "IPAsset",
    "IPKind",
    "IPStatus",
    "ImportBatch",
    "InterestStatus",
    "LeadReviewer",
    "NeedInterest",
    "NeedStatus",
    "Notification",
    "PlanHistoryIsAppendOnly",
    "PlanTask",
    "PlanTaskStatus",
    "PlanTaskUpdate",
    "plan_task_partners",
    "Disbursement",
    "Milestone",
    "ProgressReport",
    "ResultRecord",
    "Tranche",
    "HistoryIsAppendOnly",
    "OrderEvent",
    "ResearchOrder",
    "Proposal",
    "ProposalMember",
    "ProposalScore",
    "ProposalStatus",
    "MemberStatus",
    "Project",
    "ProjectMember",
    "ProjectStatus",
    "SearchIndexRetry",
    "Publication",
    "ResearcherField",
    "TechNeed",
    "Enterprise",
    "EnterpriseSize",
    "Institution",
    "InstitutionKind",
    "OutboxMessage",
    "ResearcherProfile",
    "Role",
    "SELF_SERVICE_ROLES",
    "TimestampMixin",
    "User",
    "utcnow",
]
