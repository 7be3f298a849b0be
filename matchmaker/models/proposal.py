"""Proposals to an ordered task, the selection council, declared conflicts, council scores and lead reviewers."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from matchmaker.models.base import Base, TimestampMixin, enum_type, utcnow

if TYPE_CHECKING:
    from matchmaker.models.institution import Institution
    from matchmaker.models.order import ResearchOrder
    from matchmaker.models.user import User


class ProposalStatus(enum.Enum):
    """Where a proposal stands on its own; the order's state tells the rest."""

    SUBMITTED = "submitted"
    WITHDRAWN = "withdrawn"
    DECLINED = "declined"
    AWARDED = "awarded"  # chosen: its PI leads the ordered task


class DeclineReason(enum.Enum):
    """Why an official declined a proposal; shown to the applicant as a code with a comment."""

    NOT_SELECTED = "not_selected"
    INELIGIBLE = "ineligible"
    INCOMPLETE = "incomplete"
    OVER_BUDGET = "over_budget"
    WITHDRAWN_CALL = "withdrawn_call"


class Proposal(TimestampMixin, Base):
    """A principal investigator's answer to an open call: approach, team, budget and timeline."""

    __tablename__ = "proposals"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(
        sa.ForeignKey("research_orders.id", ondelete="CASCADE"), index=True
    )
    pi_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    # The PI's organisation when the proposal was submitted (users may move later).
    institution_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("institutions.id", ondelete="SET NULL")
    )
    approach: Mapped[str] = mapped_column(sa.Text, default="")
    timeline: Mapped[str] = mapped_column(sa.Text, default="")
    budget: Mapped[int] = mapped_column(sa.BigInteger)  # VND
    status: Mapped[ProposalStatus] = mapped_column(
        enum_type(ProposalStatus, "proposal_status"), default=ProposalStatus.SUBMITTED
    )
    submitted_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    withdrawn_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    decline_reason: Mapped[DeclineReason | None] = mapped_column(
        enum_type(DeclineReason, "proposal_decline_reason")
    )
    decline_comment: Mapped[str] = mapped_column(sa.Text, default="")
    # When an official declined or awarded the proposal, and who.
    decided_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    decided_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )

    order: Mapped[ResearchOrder] = relationship()
    pi: Mapped[User] = relationship(foreign_keys=[pi_id])
    institution: Mapped[Institution | None] = relationship()
    members: Mapped[list[ProposalMember]] = relationship(
        back_populates="proposal",
        cascade="all, delete-orphan",
        order_by="ProposalMember.id",
    )

    def __repr__(self) -> str:
        return f"<Proposal {self.id} order={self.order_id} pi={self.pi_id} {self.status.value}>"

    @property
    def author_ids(self) -> set[int]:
        """The PI and every team member."""
        return {self.pi_id, *(member.user_id for member in self.members)}


class ProposalMember(Base):
    """A team member of a proposal, with their organisation at submission."""

    __tablename__ = "proposal_members"
    __table_args__ = (sa.UniqueConstraint("proposal_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(
        sa.ForeignKey("proposals.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    institution_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("institutions.id", ondelete="SET NULL")
    )

    proposal: Mapped[Proposal] = relationship(back_populates="members")
    user: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<ProposalMember {self.proposal_id}:{self.user_id}>"


class Council(Base):
    """The selection council of one order (hội đồng tuyển chọn)."""

    __tablename__ = "councils"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(
        sa.ForeignKey("research_orders.id", ondelete="CASCADE"), unique=True
    )
    formed_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), default=utcnow
    )

    order: Mapped[ResearchOrder] = relationship()
    members: Mapped[list[CouncilMember]] = relationship(
        back_populates="council",
        cascade="all, delete-orphan",
        order_by="(CouncilMember.is_chair.desc(), CouncilMember.id)",
    )

    def __repr__(self) -> str:
        return f"<Council {self.id} order={self.order_id}>"


class CouncilMember(Base):
    """A researcher or official sitting on a council; one of them chairs it."""

    __tablename__ = "council_members"
    __table_args__ = (sa.UniqueConstraint("council_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    council_id: Mapped[int] = mapped_column(
        sa.ForeignKey("councils.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    is_chair: Mapped[bool] = mapped_column(default=False, server_default=sa.false())

    council: Mapped[Council] = relationship(back_populates="members")
    user: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<CouncilMember {self.council_id}:{self.user_id}>"


class ConflictDeclaration(Base):
    """A council member's own statement that they have a conflict of interest with a proposal."""

    __tablename__ = "conflict_declarations"
    __table_args__ = (sa.UniqueConstraint("member_id", "proposal_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(
        sa.ForeignKey("council_members.id", ondelete="CASCADE"), index=True
    )
    proposal_id: Mapped[int] = mapped_column(
        sa.ForeignKey("proposals.id", ondelete="CASCADE"), index=True
    )
    reason: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), default=utcnow
    )

    member: Mapped[CouncilMember] = relationship()

    def __repr__(self) -> str:
        return (
            f"<ConflictDeclaration member={self.member_id} proposal={self.proposal_id}>"
        )


class ProposalScore(Base):
    """One council member's marks for one proposal: criterion -> integer, and their total."""

    __tablename__ = "proposal_scores"
    __table_args__ = (sa.UniqueConstraint("member_id", "proposal_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(
        sa.ForeignKey("council_members.id", ondelete="CASCADE"), index=True
    )
    proposal_id: Mapped[int] = mapped_column(
        sa.ForeignKey("proposals.id", ondelete="CASCADE"), index=True
    )
    marks: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    total: Mapped[int]
    scored_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))

    member: Mapped[CouncilMember] = relationship()

    def __repr__(self) -> str:
        return f"<ProposalScore member={self.member_id} proposal={self.proposal_id} {self.total}>"


class LeadReviewer(Base):
    """A council member recorded as a lead reviewer (phản biện) of a proposal, with their match score then.

    Recording an assignment replaces the council's earlier one. Conflicts are not stored here: they are
    recomputed whenever the assignment is shown, so a member who became conflicted no longer counts.
    """

    __tablename__ = "lead_reviewers"
    __table_args__ = (sa.UniqueConstraint("member_id", "proposal_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    council_id: Mapped[int] = mapped_column(
        sa.ForeignKey("councils.id", ondelete="CASCADE"), index=True
    )
    member_id: Mapped[int] = mapped_column(
        sa.ForeignKey("council_members.id", ondelete="CASCADE"), index=True
    )
    proposal_id: Mapped[int] = mapped_column(
        sa.ForeignKey("proposals.id", ondelete="CASCADE"), index=True
    )
    score: Mapped[float] = mapped_column(sa.Float, default=0.0)
    assigned_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    assigned_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), default=utcnow
    )

    member: Mapped[CouncilMember] = relationship()
    proposal: Mapped[Proposal] = relationship()

    def __repr__(self) -> str:
        return f"<LeadReviewer member={self.member_id} proposal={self.proposal_id}>"
