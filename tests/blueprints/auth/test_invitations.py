"""Invitations (staff import, accounts an administrator creates) can be cancelled, and stay cancelled."""

from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa

from matchmaker.extensions import db
from matchmaker.models import Institution, InstitutionKind, Role, User

STAFF = "Họ và tên,Email\nNguyễn Thị Lúa,lua@demo.cantho.example\n"
NEW = "Lua-ma-Thoi-Lai-2026"


def _link(message) -> str:
    return re.search(r"http://matchmaker\.test(/auth/reset/\S+)", message.body).group(1)


def _staff_import(client) -> User:
    db.session.add(Institution(slug="ctu", name_vi="Trường Đại học Cần Thơ",
                               kind=InstitutionKind.UNIVERSITY))  # fmt: skip
    db.session.commit()
    page = client.post(
        "/institutions/ctu/staff-import",
        data={"upload": (io.BytesIO(STAFF.encode()), "staff.csv")},
        content_type="multipart/form-data",
    ).get_data(as_text=True)
    batch = re.search(r"/staff-import/(\d+)", page).group(1)
    client.post(f"/institutions/ctu/staff-import/{batch}")
    return db.session.scalar(
        sa.select(User).where(User.email == "lua@demo.cantho.example")
    )


def _admin_created(client) -> User:
    client.post("/admin/users/new", data={"full_name": "Võ Thị Sở", "role": "official",
                                           "email": "vo.so@demo.cantho.example", "institution": "0"})  # fmt: skip
    return db.session.scalar(
        sa.select(User).where(User.email == "vo.so@demo.cantho.example")
    )


INVITATIONS = {
    "staff import": _staff_import,
    "created by an administrator": _admin_created,
}


@pytest.fixture
def invited(client, auth, outbox, request):
    """An invitation of each kind, sent by a signed-in administrator; returns (user, its mailed link)."""
    auth.login_as(Role.ADMIN)
    user = INVITATIONS[request.param](client)
    [message] = [m for m in outbox if m.to == [user.email]]
    return user, _link(message)


@pytest.mark.parametrize("invited", list(INVITATIONS), indirect=True)
def test_cancelled_invitation_link_stops_working(client, auth, invited, outbox):
    user, link = invited
    response = client.post(f"/admin/users/{user.id}/deactivate")
    assert response.status_code == 302
    auth.logout()
    assert client.get(link).headers["Location"].endswith("/auth/forgot")
    client.post(link, data={"password": NEW, "confirm": NEW})
    assert auth.login(user.email, NEW).status_code == 200
    db.session.refresh(user)
    assert (
        not user.active and not user.invitation_pending and user.password_hash is None
    )


@pytest.mark.parametrize("invited", list(INVITATIONS), indirect=True)
def test_cancelled_invitation_cannot_be_reopened_by_a_password_reset(
    client, auth, invited, outbox
):
    user, _link_ = invited
    client.post(f"/admin/users/{user.id}/deactivate")
    auth.logout()
    client.get("/lang/en")
    sent = len(outbox)
    page = client.post("/auth/forgot", data={"email": user.email}).get_data(
        as_text=True
    )
    assert len(outbox) == sent  # no link for a cancelled invitation
    assert "A deactivated account cannot be reopened this way" in page
    db.session.refresh(user)
    assert not user.active


def test_open_invitation_is_renewed_by_forgot_password(client, auth, outbox):
    auth.login_as(Role.ADMIN)
    user = _staff_import(client)
    auth.logout()
    client.post("/auth/forgot", data={"email": user.email})
    # The renewed link is a new invitation (not a reset of a password they never had), and it works.
    renewed = outbox[-1]
    assert renewed.to == [user.email] and renewed.subject == outbox[0].subject
    client.post(_link(renewed), data={"password": NEW, "confirm": NEW})
    assert auth.login(user.email, NEW).status_code == 302


def test_admin_page_offers_to_cancel_a_pending_invitation(client, auth):
    auth.login_as(Role.ADMIN)
    user = _staff_import(client)
    client.get("/lang/en")
    page = client.get(f"/admin/users/{user.id}").get_data(as_text=True)
    assert 'id="deactivate"' in page and "Cancel the invitation" in page
    client.post(f"/admin/users/{user.id}/deactivate")
    page = client.get(f"/admin/users/{user.id}").get_data(as_text=True)
    assert 'id="reactivate"' in page and "Cancel the invitation" not in page
