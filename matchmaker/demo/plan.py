"""A demo of Cần Thơ's Resolution 57 action plan: ~170 tasks of CTHĐ 83 and KH 22 across the city's agencies.

Deterministic (seeded) and idempotent (by code). Deadlines are set relative to today, so the plan keeps the
proportions of the city's report whatever the date: about half completed (most on time), most of the rest
in progress on schedule, some late, a few not started.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa

from matchmaker.extensions import db
from matchmaker.models import (
    Institution,
    InstitutionKind,
    PlanTask,
    PlanTaskStatus,
    PlanTaskUpdate,
    ResearchOrder,
    User,
)
from matchmaker.services import policy, reference
from matchmaker.services.plan.standing import today_in_vietnam

Progress = Callable[[int], Any]
SEED = 57
# (completed on time, completed late, in progress on schedule, late, not started): 174 tasks, 93 completed.
SHARES = (81, 12, 60, 12, 9)

AGENCIES = (
    ("sogddt", "Sở Giáo dục và Đào tạo thành phố Cần Thơ", "Sở GD&ĐT"),
    ("sonoivu", "Sở Nội vụ thành phố Cần Thơ", "Sở Nội vụ"),
    ("sotaichinh", "Sở Tài chính thành phố Cần Thơ", "Sở Tài chính"),
    ("socongthuong", "Sở Công Thương thành phố Cần Thơ", "Sở Công Thương"),
    ("vpubnd", "Văn phòng Ủy ban nhân dân thành phố Cần Thơ", "VP UBND TP"),
    ("congan", "Công an thành phố Cần Thơ", "Công an TP"),
)

# Objective → (lead agencies, cooperating agencies, task titles).
GROUPS = {
    "Hạ tầng số": (
        ("sokhcn",),
        ("sotaichinh", "vpubnd"),
        (
            "Xây dựng Trung tâm dữ liệu thành phố",
            "Phủ sóng 5G tại các khu công nghiệp và khu đô thị",
            "Nâng cấp mạng truyền số liệu chuyên dùng của cơ quan Đảng, Nhà nước",
            "Triển khai điện toán đám mây dùng chung cho các sở, ngành",
            "Phát triển hạ tầng IoT giám sát đô thị",
            "Lắp đặt hệ thống camera giám sát giao thông thông minh",
        ),
    ),
    "Chuyển đổi số trong cơ quan nhà nước": (
        ("vpubnd", "sonoivu"),
        ("sokhcn",),
        (
            "Số hóa hồ sơ, kết quả giải quyết thủ tục hành chính",
            "Cung cấp dịch vụ công trực tuyến toàn trình",
            "Triển khai hệ thống quản lý văn bản và điều hành liên thông",
            "Xây dựng Trung tâm điều hành đô thị thông minh",
            "Ứng dụng chữ ký số cho cán bộ, công chức",
            "Tổ chức họp trực tuyến đến cấp xã, phường",
        ),
    ),
    "Dữ liệu số": (
        ("sokhcn", "sonnmt"),
        ("congan", "sotaichinh"),
        (
            "Xây dựng cơ sở dữ liệu đất đai thành phố",
            "Kết nối cơ sở dữ liệu quốc gia về dân cư với hệ thống của thành phố",
            "Ban hành danh mục dữ liệu mở của thành phố",
            "Xây dựng kho dữ liệu dùng chung",
            "Xây dựng cơ sở dữ liệu ngành nông nghiệp và môi trường",
            "Số hóa dữ liệu quan trắc môi trường",
        ),
    ),
    "Nhân lực chất lượng cao": (
        ("sogddt", "sonoivu"),
        ("ctu", "ctuet"),
        (
            "Đào tạo nhân lực công nghệ thông tin chất lượng cao",
            "Bồi dưỡng kỹ năng số cho cán bộ, công chức",
            "Đưa nội dung STEM và trí tuệ nhân tạo vào trường phổ thông",
            "Thu hút chuyên gia, nhà khoa học trẻ về làm việc",
            "Đào tạo kỹ sư vi mạch bán dẫn",
            "Phổ cập kỹ năng số cho người dân",
        ),
    ),
    "Đổi mới sáng tạo và khởi nghiệp": (
        ("sokhcn",),
        ("socongthuong", "ctu"),
        (
            "Thành lập Trung tâm đổi mới sáng tạo thành phố",
            "Hỗ trợ doanh nghiệp khởi nghiệp sáng tạo",
            "Tổ chức Ngày hội khởi nghiệp đổi mới sáng tạo",
            "Phát triển mạng lưới cố vấn khởi nghiệp",
            "Hỗ trợ doanh nghiệp đổi mới công nghệ",
            "Xây dựng không gian làm việc chung cho khởi nghiệp",
        ),
    ),
    "Khoa học và công nghệ": (
        ("sokhcn", "soyte"),
        ("ctu", "clrri"),
        (
            "Đặt hàng nhiệm vụ khoa học và công nghệ phục vụ nông nghiệp",
            "Ứng dụng công nghệ sinh học trong sản xuất lúa gạo",
            "Nghiên cứu giải pháp thích ứng xâm nhập mặn",
            "Phát triển sản phẩm OCOP ứng dụng khoa học công nghệ",
            "Ứng dụng trí tuệ nhân tạo trong chẩn đoán hình ảnh y tế",
            "Hỗ trợ bảo hộ sở hữu trí tuệ cho sản phẩm đặc sản",
        ),
    ),
    "An toàn thông tin": (
        ("congan", "sokhcn"),
        ("vpubnd",),
        (
            "Triển khai Trung tâm giám sát an toàn thông tin (SOC)",
            "Diễn tập ứng cứu sự cố an toàn thông tin mạng",
            "Phê duyệt hồ sơ cấp độ an toàn hệ thống thông tin",
            "Kiểm tra, đánh giá an toàn thông tin các hệ thống",
        ),
    ),
    "Kinh tế số": (
        ("socongthuong",),
        ("sotaichinh", "sokhcn"),
        (
            "Đưa hộ sản xuất nông nghiệp lên sàn thương mại điện tử",
            "Thúc đẩy thanh toán không dùng tiền mặt",
            "Hỗ trợ doanh nghiệp nhỏ và vừa chuyển đổi số",
            "Phát triển chợ thông minh",
        ),
    ),
    "Thể chế và chính sách": (
        ("sonoivu", "sotaichinh"),
        ("vpubnd",),
        (
            "Ban hành cơ chế thí điểm cho khoa học, công nghệ và đổi mới sáng tạo",
            "Rà soát, sửa đổi quy định cản trở đổi mới sáng tạo",
            "Bố trí tối thiểu 3% ngân sách cho khoa học, công nghệ và chuyển đổi số",
            "Ban hành quy chế quản lý nhiệm vụ khoa học đặt hàng",
        ),
    ),
}
VARIANTS = ("năm 2025", "năm 2026", "giai đoạn 2025–2030", "tại các xã, phường")
UPDATE_TEXTS = (
    "Đã hoàn thành khảo sát hiện trạng, đang xây dựng dự thảo kế hoạch chi tiết.",
    "Đã trình dự toán kinh phí; đang chờ thẩm định của Sở Tài chính.",
    "Đang lựa chọn nhà thầu; dự kiến ký hợp đồng trong quý tới.",
    "Đã tổ chức hội thảo lấy ý kiến các đơn vị phối hợp.",
    "Tiến độ chậm do vướng thủ tục đầu tư; đã báo cáo UBND thành phố.",
)
EVIDENCE = (
    "Quyết định số {n}/QĐ-UBND",
    "Kế hoạch số {n}/KH-UBND",
    "Báo cáo số {n}/BC-{a}",
    "Công văn số {n}/{a}",
)


def _agencies() -> dict[str, Institution]:
    existing = {i.slug: i for i in db.session.scalars(sa.select(Institution))}
    for slug, name, short in AGENCIES:
        if slug not in existing:
            existing[slug] = Institution(
                slug=slug,
                name_vi=name,
                short_name=short,
                kind=InstitutionKind.AGENCY,
                district="Ninh Kiều",
                province=reference.HOME_PROVINCE,
            )
            db.session.add(existing[slug])
    db.session.flush()
    return existing


def _titles() -> list[tuple[str, tuple[str, ...], tuple[str, ...], str]]:
    out = []
    for variant in VARIANTS:
        for objective, (leads, partners, titles) in GROUPS.items():
            out += [
                (objective, leads, partners, f"{title} {variant}") for title in titles
            ]
    return out


def rows(today: date | None = None) -> list[dict]:
    """The demo tasks, their standing-to-be and dates, deterministic for a given ``today``."""
    today = today or today_in_vietnam()
    rng = random.Random(SEED)
    titles = _titles()
    rng.shuffle(titles)
    kinds = [
        k
        for k, n in zip(
            ("on_time", "late_done", "on_schedule", "late", "not_started"),
            SHARES,
            strict=True,
        )
        for _ in range(n)
    ]
    rng.shuffle(kinds)
    out = []
    for number, ((objective, leads, partners, title), kind) in enumerate(
        zip(titles, kinds, strict=False), start=1
    ):
        plan, code = (
            ("CTHĐ 83", f"CT83-{number:03d}")
            if number <= 80
            else ("KH 22", f"KH22-{number - 80:03d}")
        )
        row = {"code": code, "plan": plan, "objective": objective, "title": title, "kind": kind,
               "lead": rng.choice(leads), "partners": rng.sample(partners, rng.randint(0, len(partners)))}  # fmt: skip
        if kind in ("on_time", "late_done"):
            deadline = today - timedelta(days=rng.randint(30, 420))
            done = (
                deadline - timedelta(days=rng.randint(0, 90))
                if kind == "on_time"
                else deadline + timedelta(days=rng.randint(5, 25))
            )
            row |= {"deadline": deadline, "completed_on": min(done, today), "status": PlanTaskStatus.COMPLETED,
                    "evidence": rng.choice(EVIDENCE).format(n=rng.randint(120, 3900), a="SKHCN")}  # fmt: skip
        elif kind == "on_schedule":
            row |= {
                "deadline": today + timedelta(days=rng.randint(20, 420)),
                "status": PlanTaskStatus.IN_PROGRESS,
            }
        elif kind == "late":
            status = (
                PlanTaskStatus.IN_PROGRESS
                if rng.random() < 0.7
                else PlanTaskStatus.NOT_STARTED
            )
            row |= {
                "deadline": today - timedelta(days=rng.randint(5, 200)),
                "status": status,
            }
        else:
            row |= {
                "deadline": today + timedelta(days=rng.randint(60, 600)),
                "status": PlanTaskStatus.NOT_STARTED,
            }
        out.append(row)
    return out


def _author(agency: Institution, fallback: User) -> User:
    official = db.session.scalar(
        sa.select(User).where(policy.agency_officials(agency.id)).order_by(User.id)
    )
    return official or fallback


def load_plan(official: User, step: Progress, today: date | None = None) -> int:
    """Create every demo task that is missing (by code), with updates on some; link a few demo orders."""
    today = today or today_in_vietnam()
    agencies, rng = _agencies(), random.Random(SEED + 1)
    existing = set(db.session.scalars(sa.select(PlanTask.code)))
    created = []
    for row in rows(today):
        if row["code"] not in existing:
            task = PlanTask(
                code=row["code"], title=row["title"], plan=row["plan"], objective=row["objective"],
                lead_agency=agencies[row["lead"]], partners=[agencies[p] for p in row["partners"] if p != row["lead"]],
                deadline=row["deadline"], status=row["status"], completed_on=row.get("completed_on"),
                evidence=row.get("evidence", ""),
            )  # fmt: skip
            db.session.add(task)
            created.append((task, row))
        step(1)
    db.session.flush()
    for task, row in created:
        _updates(task, row, _author(task.lead_agency, official), rng, today)
    _link_orders(created)
    db.session.commit()
    return len(created)


def _updates(
    task: PlanTask, row: dict, author: User, rng: random.Random, today: date
) -> None:
    if row["kind"] == "not_started" or rng.random() < 0.3:
        return
    for back in sorted(rng.sample(range(10, 120), rng.randint(1, 2)), reverse=True):
        status = (
            PlanTaskStatus.IN_PROGRESS
            if task.status != PlanTaskStatus.NOT_STARTED
            else task.status
        )
        when = today - timedelta(days=back)
        if task.completed_on is not None:
            when = task.completed_on - timedelta(days=back)
        db.session.add(PlanTaskUpdate(task=task, author_id=author.id, reported_on=when,
                                      text=rng.choice(UPDATE_TEXTS), status_after=status))  # fmt: skip
    if task.status == PlanTaskStatus.COMPLETED:
        db.session.add(PlanTaskUpdate(task=task, author_id=author.id, reported_on=task.completed_on,
                                      text=task.evidence, status_after=PlanTaskStatus.COMPLETED))  # fmt: skip


def _link_orders(created: list) -> None:
    """A few demo orders name the science and technology tasks they serve."""
    science = [t for t, row in created if row["objective"] == "Khoa học và công nghệ"]
    orders = db.session.scalars(
        sa.select(ResearchOrder)
        .where(ResearchOrder.plan_task_id.is_(None))
        .order_by(ResearchOrder.id)
        .limit(4)
    )
    for task, order in zip(science, orders, strict=False):
        order.plan_task_id = task.id
