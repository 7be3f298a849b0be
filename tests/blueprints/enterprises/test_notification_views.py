"""The notifications page: a user's own notifications, paginated, and marking them read."""

from __future__ import annotations

import sqlalchemy as sa

from matchmaker.extensions import db
from matchmaker.models import Notification, Role
from matchmaker.services.messaging import notifications


def _note(user, title: str) -> Notification:
    note = notifications.notify(
        user,
        "interest_accepted",
        {"enterprise": "Công ty Gạo", "title": title},
        "enterprises.needs.detail",
        need_id=7,
    )
    db.session.commit()
    return note


def test_page_lists_only_my_notifications(client, auth, make_user):
    me = auth.login_as(Role.RESEARCHER)
    _note(me, "Của tôi")
    _note(make_user(), "Của người khác")
    response = client.get("/notifications/")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Công ty Gạo accepted your interest in “Của tôi”." in page
    assert "Của người khác" not in page
    assert 'id="unread-summary"' in page and "1 unread notification" in page
    assert page.count("<h1") == 1


def test_a_notification_links_to_its_page(client, auth):
    _note(auth.login_as(Role.RESEARCHER), "Của tôi")
    page = client.get("/notifications/").get_data(as_text=True)
    assert '<a href="/enterprises/needs/7">Công ty Gạo accepted' in page


def test_a_page_that_no_longer_exists_shows_the_notification_without_a_link(
    client, auth
):
    me = auth.login_as(Role.RESEARCHER)
    _note(me, "Của tôi").endpoint = "enterprises.removed_page"
    notifications.notify(me, "interest_accepted", {"enterprise": "Công ty Cá", "title": "T"},
                         "enterprises.needs.detail", wrong_value=7)  # fmt: skip
    db.session.commit()
    response = client.get("/notifications/")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Công ty Gạo accepted your interest in “Của tôi”." in page
    assert "Công ty Cá accepted your interest in “T”." in page
    listing = page.split('id="main"')[1].split("</ul>")[0]
    assert "Công ty Cá accepted" in listing and "<a href" not in listing


def test_page_is_paginated(client, auth):
    me = auth.login_as(Role.ENTERPRISE)
    for n in range(25):
        _note(me, f"Nhu cầu {n:02d}")
    first = client.get("/notifications/").get_data(as_text=True)
    assert "Nhu cầu 24" in first and "Nhu cầu 00" not in first and "page=2" in first
    second = client.get("/notifications/?page=2").get_data(as_text=True)
    assert "Nhu cầu 00" in second and "Nhu cầu 24" not in second


def test_mark_all_read(client, auth, make_user):
    me = auth.login_as(Role.OFFICIAL)
    other = make_user()
    _note(me, "A")
    _note(other, "B")
    response = client.post("/notifications/read")
    assert response.headers["Location"] == "/notifications/"
    assert notifications.unread_count(me) == 0
    assert notifications.unread_count(other) == 1
    page = client.get("/notifications/").get_data(as_text=True)
    assert 'id="mark-read"' not in page


def test_mark_read_needs_a_post(client, auth):
    auth.login_as(Role.RESEARCHER)
    assert client.get("/notifications/read").status_code == 405


def test_visitors_are_sent_to_sign_in(client, make_user):
    _note(make_user(), "A")
    for response in (client.get("/notifications/"), client.post("/notifications/read")):
        assert "/auth/login?next=" in response.headers["Location"]
    assert (
        db.session.scalar(
            sa.select(sa.func.count()).where(Notification.read_at.is_not(None))
        )
        == 0
    )
