"""The enterprises service: who manages an enterprise, creating, editing, inviting, listing."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from matchmaker.extensions import db
from matchmaker.models import Enterprise, EnterpriseSize, Notification, Role, User
from matchmaker.services import policy
from matchmaker.services.enterprises import companies as enterprises
from matchmaker.services.enterprises.companies import EnterpriseInput
from matchmaker.services.errors import Conflict, NotAllowed, ServiceError

TAX_CODE = "0100109106"


def _data(**overrides) -> EnterpriseInput:
    fields = {
        "name": "  Công ty Cổ phần Thủy sản Mekong ",
        "tax_code": TAX_CODE,
        "size": EnterpriseSize.LARGE,
        "website": "HTTPS://Mekong.Example.VN/gioi-thieu",
    }
    return EnterpriseInput(**(fields | overrides))


def test_create_links_the_representative_and_normalises(ctx, make_user):
    user = make_user(Role.ENTERPRISE)
    enterprise = enterprises.create_enterprise(user, _data(tax_code=" 0100109106-001 "))
    assert user.enterprise_id == enterprise.id
    assert enterprise.name == "Công ty Cổ phần Thủy sản Mekong"
    assert enterprise.tax_code == "0100109106-001"
    assert enterprise.website == "https://mekong.example.vn/gioi-thieu"
    assert enterprise.slug == "cong-ty-co-phan-thuy-san-mekong"


def test_create_gives_each_enterprise_its_own_slug(ctx, make_user):
    first = enterprises.create_enterprise(make_user(Role.ENTERPRISE), _data())
    second = enterprises.create_enterprise(
        make_user(Role.ENTERPRISE), _data(tax_code=f"{TAX_CODE}-002")
    )
    assert first.slug != second.slug and second.slug.startswith(first.slug)


@pytest.mark.parametrize("bad", ["", "010010910", "0100109107", "0100109106-1"])
def test_create_checks_the_tax_code(ctx, make_user, bad):
    with pytest.raises(ServiceError) as error:
        enterprises.create_enterprise(make_user(Role.ENTERPRISE), _data(tax_code=bad))
    assert error.value.field == "tax_code"
    assert db.session.scalar(sa.select(Enterprise)) is None


def test_create_refuses_a_registered_tax_code(ctx, make_user):
    enterprises.create_enterprise(make_user(Role.ENTERPRISE), _data())
    late = make_user(Role.ENTERPRISE)
    with force_locale("en"), pytest.raises(Conflict) as error:
        enterprises.create_enterprise(late, _data(name="Tên khác"))
    assert error.value.field == "tax_code" and "invite" in error.value.message
    assert late.enterprise_id is None


@pytest.mark.parametrize("role", [Role.RESEARCHER, Role.OFFICIAL, Role.ADMIN])
def test_create_is_for_representatives_without_an_enterprise(ctx, make_user, role):
    with pytest.raises(NotAllowed):
        enterprises.create_enterprise(make_user(role), _data())


def test_create_refuses_a_representative_who_has_one(ctx, make_user):
    user = make_user(Role.ENTERPRISE)
    enterprises.create_enterprise(user, _data())
    with pytest.raises(NotAllowed):
        enterprises.create_enterprise(user, _data(tax_code=f"{TAX_CODE}-003"))


def test_may_manage_enterprise(ctx, make_user):
    rep = make_user(Role.ENTERPRISE)
    enterprise = enterprises.create_enterprise(rep, _data())
    other_rep = make_user(Role.ENTERPRISE)
    assert policy.may_manage_enterprise(rep, enterprise)
    assert policy.may_manage_enterprise(make_user(Role.ADMIN), enterprise)
    assert not policy.may_manage_enterprise(other_rep, enterprise)
    assert not policy.may_manage_enterprise(make_user(Role.OFFICIAL), enterprise)
    assert not policy.may_manage_enterprise(None, enterprise)
    # A former representative whose role changed no longer manages it.
    rep.role = Role.RESEARCHER
    assert not policy.may_manage_enterprise(rep, enterprise)


def test_update_by_another_representative_changes_nothing(ctx, make_user):
    enterprise = enterprises.create_enterprise(make_user(Role.ENTERPRISE), _data())
    with pytest.raises(NotAllowed):
        enterprises.update_enterprise(
            make_user(Role.ENTERPRISE), enterprise, _data(name="Chiếm")
        )
    db.session.rollback()
    assert db.session.get(Enterprise, enterprise.id).name.startswith("Công ty")


def test_update_keeps_its_own_tax_code(ctx, make_user):
    rep = make_user(Role.ENTERPRISE)
    enterprise = enterprises.create_enterprise(rep, _data())
    enterprises.update_enterprise(rep, enterprise, _data(name="Tên mới", website=""))
    assert enterprise.name == "Tên mới" and enterprise.website is None


def test_invite_creates_a_linked_account_and_mails_it(ctx, make_user, outbox):
    rep = make_user(Role.ENTERPRISE, full_name="Chị Hai")
    enterprise = enterprises.create_enterprise(rep, _data())
    colleague = enterprises.invite_colleague(
        rep, enterprise, " Anh Ba ", "Anh.Ba@demo.cantho.example"
    )
    stored = db.session.get(User, colleague.id)
    assert stored.email == "anh.ba@demo.cantho.example" and stored.full_name == "Anh Ba"
    assert stored.enterprise_id == enterprise.id and stored.role == Role.ENTERPRISE
    assert stored.password_hash is None
    [note] = db.session.scalars(sa.select(Notification)).all()
    assert note.user_id == colleague.id and note.kind == "colleague_invited"
    assert note.params["who"] == "Chị Hai"
    # One e-mail: the invitation, naming who invited them and to which enterprise.
    [invitation] = outbox
    assert invitation.to == [stored.email] and "/auth/reset/" in invitation.body
    assert "Chị Hai" in invitation.body and enterprise.name in invitation.body


def test_invite_refuses_an_address_with_an_account(ctx, make_user, outbox):
    rep = make_user(Role.ENTERPRISE)
    enterprise = enterprises.create_enterprise(rep, _data())
    with pytest.raises(Conflict) as error:
        enterprises.invite_colleague(rep, enterprise, "Ai", rep.email.upper())
    assert error.value.field == "email" and outbox == []


def test_invite_by_an_outsider_is_refused(ctx, make_user, outbox):
    enterprise = enterprises.create_enterprise(make_user(Role.ENTERPRISE), _data())
    with pytest.raises(NotAllowed):
        enterprises.invite_colleague(
            make_user(Role.RESEARCHER), enterprise, "Ai", "ai@demo.cantho.example"
        )
    assert (
        outbox == []
        and db.session.scalar(
            sa.select(User).where(User.email == "ai@demo.cantho.example")
        )
        is None
    )


def test_representatives_are_the_active_enterprise_accounts(ctx, make_user):
    rep = make_user(Role.ENTERPRISE, full_name="B")
    enterprise = enterprises.create_enterprise(rep, _data())
    second = make_user(Role.ENTERPRISE, full_name="A", enterprise_id=enterprise.id)
    make_user(Role.ENTERPRISE, enterprise_id=enterprise.id, active=False)
    assert enterprises.representatives(enterprise) == [second, rep]


def test_list_enterprises_filters(ctx, make_user):
    enterprises.create_enterprise(make_user(Role.ENTERPRISE), _data(name="Gạo Vàng"))
    enterprises.create_enterprise(
        make_user(Role.ENTERPRISE),
        _data(name="Tôm Xanh", tax_code=f"{TAX_CODE}-005", size=EnterpriseSize.MICRO),
    )
    assert [e.name for e in enterprises.list_enterprises(1, "gạo").items] == [
        "Gạo Vàng"
    ]
    micro = enterprises.list_enterprises(1, size=EnterpriseSize.MICRO).items
    assert [e.name for e in micro] == ["Tôm Xanh"]
    assert enterprises.list_enterprises(1, per_page=1).pages == 2
