"""Demo proposals, councils, scores, awards and the work that follows, woven into the demo orders' walk.

Every step goes through the same services a user's click does (proposals, councils, progress), at the
time the demo timeline gives it, so the demo history is one the platform could have recorded.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import sqlalchemy as sa

from matchmaker.extensions import db
from matchmaker.matching.text import normalise
from matchmaker.models import (
    IPKind,
    IPStatus,
    Proposal,
    ProposalStatus,
    ResearcherProfile,
    ResearchOrder,
    Role,
    User,
)
from matchmaker.services import policy
from matchmaker.services.errors import ServiceError
from matchmaker.services.orders import councils, proposals
from matchmaker.services.orders.work import milestones, payments, results

# How the council marks the proposals, in the data file's order: the first proposal is the strongest.
_MARKS = ((9, 8, 9, 8, 8), (7, 7, 6, 7, 8), (6, 6, 7, 5, 6))


def _user(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == email))


def _colleague(pi: User, taken: set[int]) -> User | None:
    """Another researcher of the PI's institution, open to collaboration, to make the proposal a team."""
    stmt = (
        sa.select(User)
        .join(ResearcherProfile, ResearcherProfile.user_id == User.id)
        .where(
            policy.joins_teams(),
            User.institution_id == pi.institution_id,
            User.id.not_in(taken | {pi.id}),
        )
        .order_by(User.id)
    )
    return db.session.scalar(stmt) if pi.institution_id else None


def submit_proposals(order: ResearchOrder, row: dict, now: datetime) -> list[Proposal]:
    """The data file's proposals, submitted while the call is open (the first with a colleague on the team)."""
    made = []
    for number, item in enumerate(row.get("proposals") or []):
        pi = _user(item["pi"])
        if pi is None:
            continue
        mate = _colleague(pi, {p.pi_id for p in made}) if number == 0 else None
        data = proposals.ProposalInput(
            approach=item["approach"],
            budget=int(item["budget"]),
            timeline=item.get("timeline", ""),
            team_ids=[mate.id] if mate else [],
        )
        made.append(proposals.submit_proposal(pi, order, data, now=now))
    return made


# The README's demo researcher sits on councils, so the demo shows a council member's pages.
DEMO_RESEARCHER = "researcher@demo.cantho.example"


def _council_members(order: ResearchOrder, official: User) -> list[User]:
    """The official, then researchers with no tie to any applicant (other institutions, not on a team):
    the demo researcher when free of conflicts, and three more."""
    running = [p for p in _proposals(order) if p.status == ProposalStatus.SUBMITTED]
    busy_institutions = {p.institution_id for p in running} | {
        m.institution_id for p in running for m in p.members
    }
    busy_people = {uid for p in running for uid in p.author_ids}
    stmt = (
        sa.select(User)
        .join(ResearcherProfile, ResearcherProfile.user_id == User.id)
        .where(
            User.role == Role.RESEARCHER,
            User.active.is_(True),
            User.id.not_in(busy_people or {0}),
            sa.or_(
                User.institution_id.is_(None),
                User.institution_id.not_in({i for i in busy_institutions if i} or {0}),
            ),
        )
        .order_by(User.email != DEMO_RESEARCHER, User.id)
    )
    free = list(db.session.scalars(stmt))
    demo_member = [u for u in free[:1] if u.email == DEMO_RESEARCHER]
    others = [u for u in free if u not in demo_member]
    shift = order.id % max(1, len(others) - 3)
    return [official, *demo_member, *others[shift : shift + 3]]


def _proposals(order: ResearchOrder) -> list[Proposal]:
    stmt = (
        sa.select(Proposal).where(Proposal.order_id == order.id).order_by(Proposal.id)
    )
    return list(db.session.scalars(stmt))


def review(
    order: ResearchOrder, official: User, now: datetime, still_open: bool = False
) -> None:
    """Form the council (the official chairs it) and let every member score every proposal they may.

    ``still_open``: the review is still going on, so the demo researcher's marks are left for them to give.
    """
    members = _council_members(order, official)
    councils.form_council(official, order, official.id, [m.id for m in members[1:]])
    ranked = [p for p in _proposals(order) if p.status == ProposalStatus.SUBMITTED]
    for member in members:
        if still_open and member.email == DEMO_RESEARCHER:
            continue
        for number, proposal in enumerate(ranked):
            marks = _MARKS[min(number, len(_MARKS) - 1)]
            # A member's own feel for the proposal: a point up or down, never changing the order.
            shift = (member.id + number) % 2
            grid = {
                c: max(0, m - shift)
                for c, m in zip(councils.CRITERIA, marks, strict=True)
            }
            try:
                councils.score_proposal(member, proposal, grid, now=now)
            except (
                ServiceError
            ):  # a conflicted member cannot score; the demo shows that too
                db.session.rollback()


def award(order: ResearchOrder, official: User, contract: dict, now: datetime) -> None:
    """Award the best-ranked proposal, or, for a direct assignment without one, the order as it stands."""
    ranked = councils.ranking(order)
    if not ranked:
        raise LookupError(f"demo order {order.title!r} has no proposal to award")
    best = db.session.get(Proposal, ranked[0].proposal.id)
    proposals.award(official, order, best, contract, order.version, now=now)


def _day(moment: datetime) -> date:
    return moment.date()


def plan_work(
    order: ResearchOrder, official: User, start: date, end: date, now: datetime
) -> None:
    """Three milestones over the contract, the first tranche paid, and the PI's first progress report."""
    span = (end - start).days
    plan = [
        ("Báo cáo tổng quan và phương pháp chi tiết", start + timedelta(days=span // 6),
         "Báo cáo tổng quan, thuyết minh phương pháp được hội đồng khoa học góp ý"),
        ("Kết quả thí nghiệm/thử nghiệm giai đoạn 1", start + timedelta(days=span // 2),
         "Báo cáo kết quả giai đoạn 1 kèm số liệu gốc"),
        ("Hoàn thiện sản phẩm và báo cáo tổng kết", end - timedelta(days=30),
         "Sản phẩm theo đặt hàng, báo cáo tổng kết và hồ sơ nghiệm thu"),
    ]  # fmt: skip
    for title, due, deliverable in plan:
        milestones.add_milestone(
            official,
            order.id,
            milestones.MilestoneInput(title, due, deliverable),
            now=now,
        )
    tranches = payments.ensure_tranches(order)
    if tranches:
        first = tranches[0]
        payments.record_disbursement(
            official, order.id,
            payments.DisbursementInput(first.id, first.planned_amount, _day(now), f"UNC-{order.id:03d}/{now.year}"),
            now=now,
        )  # fmt: skip


def report_progress(
    order: ResearchOrder, official: User, now: datetime, hand_in: bool = True
) -> None:
    """The PI reports; with ``hand_in`` they hand in the first deliverable and the official confirms it."""
    pi = db.session.get(User, order.pi_id)
    first = milestones.list_milestones(order)[0]
    if hand_in:
        milestones.submit_deliverable(
            pi, order.id, first.id, "Đã nộp báo cáo tổng quan bản cứng và bản điện tử.", now=now
        )  # fmt: skip
    text = (
        "Hoàn thành tổng quan tài liệu, khảo sát hiện trạng và chốt phương pháp; "
        "đang triển khai thí nghiệm giai đoạn 1 đúng kế hoạch."
        if hand_in
        else "Đang khảo sát hiện trạng; báo cáo tổng quan chậm do thiết bị đo về muộn."
    )
    milestones.submit_progress_report(
        pi, order.id,
        milestones.ProgressInput(
            period=f"Quý {(now.month - 1) // 3 + 1}/{now.year}", report_date=_day(now), text=text,
            percent_complete=30 if hand_in else 10, milestone_ids=[first.id] if hand_in else [],
        ),
        now=now,
    )  # fmt: skip
    if hand_in:
        milestones.complete_milestone(
            official, order.id, first.id, _day(now), "Biên bản kiểm tra ngày " + _day(now).strftime("%d/%m/%Y"), now=now
        )  # fmt: skip


def register(order: ResearchOrder, row: dict, now: datetime) -> None:
    """The PI registers the accepted results (products, IP filed, where they are applied)."""
    pi = db.session.get(User, order.pi_id)
    products = normalise(row.get("expected_products") or order.title).split("\n")[0][
        :300
    ]
    items = [
        results.ResultInput(
            product=products or order.title,
            description="Sản phẩm chính theo đặt hàng, đã được hội đồng nghiệm thu.",
            applied_at=order.beneficiary or "",
            beneficiary=order.beneficiary or "",
            # every other main product is transferred to its beneficiary, so the dashboard counts some
            transferred_to=order.beneficiary if order.id % 2 else "",
        ),
        results.ResultInput(
            product="Quy trình kỹ thuật kèm hướng dẫn áp dụng",
            ip_kind=IPKind.UTILITY_SOLUTION,
            ip_number=f"2-{now.year}-{order.id:05d}",
            ip_status=IPStatus.FILED,
        ),
    ]
    results.register_results(
        pi, order.id, items, f"ĐKKQ-{order.id:03d}/{now.year}", order.version, now=now
    )
