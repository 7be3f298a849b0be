"""List filters ignore case and accents on SQLite and PostgreSQL alike (Vietnamese capitals included)."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from matchmaker.extensions import db
from matchmaker.models import InstitutionKind, ResearcherProfile, Role
from matchmaker.services import text_filter
from matchmaker.services.accounts.users import list_users
from matchmaker.services.enterprises.companies import list_enterprises
from matchmaker.services.enterprises.needs import NeedFilters, list_needs
from matchmaker.services.errors import Conflict
from matchmaker.services.institutions.directory import (
    InstitutionInput,
    save_institution,
)
from matchmaker.services.orders.listing import OrderFilters, list_orders
from matchmaker.services.researchers.profiles import list_researchers

# The same words as stored, typed in capitals, and typed without accents.
TYPINGS = ["Đồng Tháp", "ĐỒNG THÁP", "dong thap", "DONG THAP"]


def test_the_database_folds_every_letter_as_the_search_index_does(app):
    """SQL ``folded()`` (a registered function on SQLite, ``translate`` on PostgreSQL) equals Python's fold
    for every Vietnamese letter, upper and lower case, and for whole words."""
    samples = [
        text_filter._SOURCE,
        "ĐẠI HỌC CẦN THƠ",
        "Nuôi Trồng Thủy Sản",
        "Viện Lúa ĐBSCL",
        "ỨNG DỤNG",
    ]
    for sample in samples:
        folded = db.session.scalar(sa.select(text_filter.folded(sa.literal(sample))))
        assert folded == text_filter.fold(sample)
    assert text_filter.fold("ĐỒNG") == "dong"


def test_percent_and_underscore_typed_by_the_user_are_plain_characters(
    app, make_enterprise
):
    make_enterprise(name="Công ty 100% vốn Việt")
    make_enterprise(name="Công ty Thủy sản")
    names = lambda q: [e.name for e in list_enterprises(1, query=q).items]  # noqa: E731
    assert names("100%") == ["Công ty 100% vốn Việt"]
    assert names("%") == ["Công ty 100% vốn Việt"]
    assert names("_") == []


@pytest.mark.parametrize("typed", TYPINGS)
def test_researchers_by_department(app, make_researcher, official, typed):
    make_researcher("Nguyễn Văn A", "ctu", ["lúa"], department="Phân hiệu Đồng Tháp")
    make_researcher("Trần Thị B", "ctu", ["cá tra"], department="Khoa Thủy sản")
    found = list_researchers(official, 1, query=typed).items
    assert [p.user.full_name for p in found] == ["Nguyễn Văn A"]


@pytest.mark.parametrize("typed", ["ĐIỆN MẶT TRỜI", "dien mat troi"])
def test_researchers_by_keyword(app, make_researcher, official, typed):
    make_researcher("Nguyễn Văn A", "ctu", ["điện mặt trời"])
    make_researcher("Trần Thị B", "ctu", ["cá tra"])
    found = list_researchers(official, 1, query=typed).items
    assert [p.user.full_name for p in found] == ["Nguyễn Văn A"]


@pytest.mark.parametrize("typed", TYPINGS)
def test_needs_by_title(app, make_enterprise, make_need, typed):
    enterprise = make_enterprise()
    make_need(enterprise, title="Sấy xoài Đồng Tháp")
    make_need(enterprise, title="Xử lý nước thải ao tôm")
    found = list_needs(None, NeedFilters(query=typed), 1).items
    assert [n.title for n in found] == ["Sấy xoài Đồng Tháp"]


@pytest.mark.parametrize("typed", TYPINGS)
def test_orders_by_title(app, make_order, official, typed):
    make_order("Giống lúa chịu mặn cho Đồng Tháp")
    make_order("Cảnh báo xâm nhập mặn sông Hậu")
    found = [r.order for r in list_orders(official, OrderFilters(text=typed)).rows]
    assert [o.title for o in found] == ["Giống lúa chịu mặn cho Đồng Tháp"]


@pytest.mark.parametrize("typed", TYPINGS)
def test_enterprises_by_district(app, make_enterprise, typed):
    make_enterprise(name="Công ty A", district="Đồng Tháp")
    make_enterprise(name="Công ty B", district="Cái Răng")
    assert [e.name for e in list_enterprises(1, query=typed).items] == ["Công ty A"]


@pytest.mark.parametrize("typed", ["ĐẶNG", "dang", "Đặng"])
def test_accounts_by_name(app, make_user, typed):
    make_user(Role.RESEARCHER, full_name="Đặng Văn Hùng")
    make_user(Role.RESEARCHER, full_name="Lê Thị Lan")
    found = list_users(1, query=typed).items
    assert [u.full_name for u in found] == ["Đặng Văn Hùng"]


def test_an_institution_name_in_capitals_is_the_same_name(app, make_institution):
    make_institution(
        "vien-dong-thap", "Viện Nghiên cứu Đồng Tháp", InstitutionKind.INSTITUTE
    )
    data = InstitutionInput(
        name_vi="VIỆN NGHIÊN CỨU ĐỒNG THÁP",
        name_en="",
        short_name="",
        kind=InstitutionKind.INSTITUTE,
        district="",
        address="",
        website=None,
    )
    with pytest.raises(Conflict):
        save_institution(data)


def test_no_service_filters_text_with_the_databases_own_lower_or_ilike():
    """SQLite's lower() and LIKE fold ASCII only: every text filter goes through text_filter.contains."""
    root = Path(text_filter.__file__).parent
    offenders = [
        f"{path.relative_to(root)}:{number}"
        for path in sorted(root.rglob("*.py"))
        if path.name != "text_filter.py"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if "func.lower(" in line or ".ilike(" in line
    ]
    assert offenders == []


def test_researchers_are_found_by_what_they_are_called_now(
    app, make_researcher, official
):
    """The stored folded text follows a rename of the account and an edit of the profile."""
    user = make_researcher(
        "Nguyễn Văn A", "ctu", ["lúa"], department="Khoa Nông nghiệp"
    )
    make_researcher("Trần Thị B", "ctu", ["cá tra"])
    profile = db.session.scalars(
        sa.select(ResearcherProfile).filter_by(user_id=user.id)
    ).one()

    def names(query: str) -> list[str]:
        return [
            p.user.full_name for p in list_researchers(official, 1, query=query).items
        ]

    user.full_name = "Lê Thị Đào"
    db.session.commit()
    assert names("dao") == ["Lê Thị Đào"]
    assert names("nguyen") == []
    profile.keywords = ["điện mặt trời"]
    profile.department = "Phân hiệu Đồng Tháp"
    db.session.commit()
    assert names("DIEN MAT") == names("dong thap") == ["Lê Thị Đào"]
    assert names("lua") == names("nong nghiep") == []
    # A match never spans two fields.
    assert names("dao dien") == []


def test_orders_and_projects_are_found_by_their_text_after_an_edit(
    app, make_order, official
):
    """Their stored folded text follows an edit (mapper events), and a bulk statement's rows are found once
    refreshed; the title sort reads the same folded title."""
    from matchmaker.models import Project, ProjectStatus, ResearchOrder
    from matchmaker.services import stored_text
    from matchmaker.services.projects.registry import ProjectFilters, list_projects

    order = make_order("Giống lúa chịu mặn")
    make_order("Ảnh vệ tinh")
    project = Project(title="Cá tra", summary="Bệnh gan thận mủ", team=[], status=ProjectStatus.IN_PROGRESS)  # fmt: skip
    db.session.add(project)
    db.session.commit()

    def orders(text: str = "", sort: str = "") -> list[str]:
        rows = list_orders(official, OrderFilters(text=text, sort=sort)).rows
        return [r.order.title for r in rows]

    def projects(text: str) -> list[str]:
        return [p.title for p in list_projects(ProjectFilters(query=text), 1).items]

    assert orders("LUA") == ["Giống lúa chịu mặn"]
    assert projects("gan than") == ["Cá tra"]
    order.title = "Đê bao Ô Môn"
    project.summary = "Vắc xin"
    db.session.commit()
    assert orders("lua") == [] and orders("de bao o mon") == ["Đê bao Ô Môn"]
    assert projects("gan than") == [] and projects("VAC XIN") == ["Cá tra"]
    assert projects("tra\nvac") == []  # a match never spans two fields
    # Folded, "Ảnh" sorts before "Đê" (a, d); by code points Đ (U+0110) would come before Ả (U+1EA2).
    assert orders(sort="title") == ["Ảnh vệ tinh", "Đê bao Ô Môn"]
    db.session.execute(sa.update(ResearchOrder).values(title="Nuôi tôm"))
    db.session.execute(sa.update(Project).values(search_text=""))
    db.session.commit()
    assert orders("nuoi tom") == [] and projects("vac xin") == []
    stored_text.refresh(db.session.connection())
    db.session.commit()
    assert len(orders("nuoi tom")) == 2 and projects("vac xin") == ["Cá tra"]


def test_accounts_are_found_by_their_name_and_email_now(app, make_user):
    user = make_user(Role.RESEARCHER, full_name="Đặng Văn Hùng")
    assert [u.id for u in list_users(1, query="dang van").items] == [user.id]
    user.full_name = "Lê Thị Ánh"
    user.email = "anh.le@ctu.example"
    db.session.commit()
    assert list_users(1, query="dang van").items == []
    assert [u.id for u in list_users(1, query="le thi anh").items] == [user.id]
    assert [u.id for u in list_users(1, query="ANH.LE@CTU").items] == [user.id]
