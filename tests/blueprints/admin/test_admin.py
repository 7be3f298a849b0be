"""Administrators manage accounts and read the development outbox."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from matchmaker.extensions import db
from matchmaker.models import OutboxMessage, Role, User
from matchmaker.services.messaging import mail


def test_user_list_filters_by_role_and_text(client, auth, make_user):
    auth.login_as(Role.ADMIN)
    make_user(Role.OFFICIAL, full_name="Lê Văn Sở", email="so@demo.cantho.example")
    make_user(
        Role.RESEARCHER, full_name="Phạm Thị Lúa", email="lua@demo.cantho.example"
    )
    officials = client.get("/admin/users?role=official").get_data(as_text=True)
    assert "Lê Văn Sở" in officials and "Phạm Thị Lúa" not in officials
    found = client.get("/admin/users", query_string={"q": "lúa"}).get_data(as_text=True)
    assert "Phạm Thị Lúa" in found and "Lê Văn Sở" not in found


def test_user_list_is_paginated(client, auth, make_user):
    auth.login_as(Role.ADMIN)
    for _ in range(30):
        make_user()
    first = client.get("/admin/users").get_data(as_text=True)
    assert 'aria-current="page"' in first and "page=2" in first


def test_admin_creates_official_who_sets_password_from_invitation(client, auth, outbox):
    auth.login_as(Role.ADMIN)
    response = client.post(
        "/admin/users/new",
        data={
            "full_name": "Võ Thị Sở",
            "email": "vo.so@demo.cantho.example",
            "role": "official",
            "institution": "0",
        },
    )
    assert response.status_code == 302
    official = db.session.scalar(
        sa.select(User).where(User.email == "vo.so@demo.cantho.example")
    )
    assert official.role == Role.OFFICIAL and official.password_hash is None
    link = re.search(
        r"http://matchmaker\.test(/auth/reset/\S+)", outbox[-1].body
    ).group(1)
    auth.logout()
    client.post(
        link, data={"password": "Ninh-Kieu-ben-2026", "confirm": "Ninh-Kieu-ben-2026"}
    )
    assert (
        auth.login("vo.so@demo.cantho.example", "Ninh-Kieu-ben-2026").status_code == 302
    )


def test_admin_create_refuses_duplicate_and_keeps_input(client, auth, make_user):
    auth.login_as(Role.ADMIN)
    existing = make_user()
    response = client.post(
        "/admin/users/new",
        data={
            "full_name": "Tên Mới",
            "email": existing.email,
            "role": "official",
            "institution": "0",
        },
    )
    page = response.get_data(as_text=True)
    assert (
        response.status_code == 200
        and 'id="email-errors"' in page
        and 'value="Tên Mới"' in page
    )


def test_admin_changes_role(client, auth, make_user):
    auth.login_as(Role.ADMIN)
    user = make_user(Role.RESEARCHER)
    client.post(f"/admin/users/{user.id}", data={"role": "official"})
    db.session.refresh(user)
    assert user.role == Role.OFFICIAL


def test_admin_deactivates_and_reactivates(app, client, auth, make_user):
    auth.login_as(Role.ADMIN)
    target = make_user()
    their_client = app.test_client()
    their_client.post(
        "/auth/login", data={"email": target.email, "password": "Mekong-delta-2026"}
    )
    client.post(f"/admin/users/{target.id}/deactivate")
    db.session.refresh(target)
    assert not target.active
    assert target.full_name not in their_client.get("/").get_data(as_text=True)
    client.post(f"/admin/users/{target.id}/reactivate")
    db.session.refresh(target)
    assert target.active


def test_last_admin_cannot_be_deactivated_or_demoted(client, auth):
    admin = auth.login_as(Role.ADMIN)
    response = client.post(f"/admin/users/{admin.id}/deactivate", follow_redirects=True)
    assert response.status_code == 200
    client.post(f"/admin/users/{admin.id}", data={"role": "researcher"})
    db.session.refresh(admin)
    assert admin.active and admin.role == Role.ADMIN


@pytest.mark.parallel
def test_two_admins_removing_each_other_at_once_leave_one(
    make_user, clients_of, in_parallel
):
    first, second = make_user(Role.ADMIN), make_user(Role.ADMIN)
    (one,), (other,) = clients_of(first, 1), clients_of(second, 1)
    in_parallel([
        lambda: one.post(f"/admin/users/{second.id}/deactivate").status_code,
        lambda: other.post(f"/admin/users/{first.id}", data={"role": "researcher"}).status_code,
    ])  # fmt: skip
    active_admins = sa.select(sa.func.count(User.id)).where(
        User.role == Role.ADMIN, User.active.is_(True)
    )
    assert db.session.scalar(active_admins) == 1


def test_unknown_user_is_404(client, auth):
    auth.login_as(Role.ADMIN)
    assert client.get("/admin/users/9999").status_code == 404


def test_outbox_lists_messages_and_escapes_them(app, client, auth, make_user):
    auth.login_as(Role.ADMIN)
    with app.test_request_context():
        mail.send_mail("x@demo.cantho.example", "<script>alert(1)</script>", "verify_email",
                       user=make_user(full_name="<b>Ai</b>"), link="http://localhost/x")  # fmt: skip
    listing = client.get("/admin/outbox").get_data(as_text=True)
    assert "&lt;script&gt;" in listing and "<script>alert" not in listing
    message_id = db.session.scalar(sa.select(OutboxMessage.id))
    detail = client.get(f"/admin/outbox/{message_id}").get_data(as_text=True)
    assert "&lt;b&gt;Ai&lt;/b&gt;" in detail and "http://localhost/x" in detail


def test_outbox_hidden_when_real_mail_is_configured(app, client, auth):
    auth.login_as(Role.ADMIN)
    app.config["MAIL_KEEP_OUTBOX"] = False
    assert client.get("/admin/outbox").status_code == 404
