"""The home page: visitors see the platform; a signed-in person sees "My work", linked to where it is done."""

from __future__ import annotations

from datetime import timedelta

import pytest

from matchmaker.extensions import db
from matchmaker.lifecycle import Action
from matchmaker.models import ResearchOrder, Role
from matchmaker.services.orders import councils
from matchmaker.services.orders import lifecycle as orders

pytestmark = pytest.mark.usefixtures("english")


def test_a_visitor_sees_the_invitations_to_join_and_no_work(client):
    page = client.get("/").get_data(as_text=True)
    assert "Create a researcher account" in page and 'id="my-work"' not in page


def test_an_official_sees_what_waits_for_them_with_links(
    client, auth, official, approver, agency
):
    order = orders.create_order(
        official, orders.OrderInput(title="Bản đồ ngập", agency_id=agency.id)
    )
    orders.apply_action(order.id, official, Action.SUBMIT, {}, order.version)
    auth.login(approver.email)
    page = client.get("/").get_data(as_text=True)
    assert "Sign in with your official account" not in page
    assert "Create a researcher account" not in page
    work = page.split('id="my-work"')[1]
    item = work.split(f'id="work-order-{order.id}"')[1].split("</li>")[0]
    assert f'href="/orders/{order.id}"' in item and "Bản đồ ngập" in item
    assert "approve it, return it for revision or reject it" in item
    assert "1 item" in work.split('id="my-work-summary"')[1]


def test_an_empty_queue_says_what_to_do_next(client, auth):
    auth.login_as(Role.ENTERPRISE)
    empty = client.get("/").get_data(as_text=True).split('id="my-work-empty"')[1]
    assert "Nothing waits for you" in empty and 'href="/enterprises/needs/new"' in empty


def test_a_researcher_sees_a_council_to_score_and_its_deadline(
    now, client, auth, official, make_user, make_published_order, make_proposal, pi
):
    order = make_published_order(now - timedelta(days=20), now - timedelta(days=2))
    make_proposal(pi, order, now - timedelta(days=10))
    judge = make_user(Role.RESEARCHER)
    councils.form_council(official, order, official.id, [judge.id])
    for action in (Action.CLOSE_APPLICATIONS, Action.START_REVIEW):
        current = db.session.get(ResearchOrder, order.id)
        orders.apply_action(order.id, official, action, {}, current.version)
    auth.login(judge.email)
    page = client.get("/").get_data(as_text=True)
    item = page.split(f'id="work-score-{order.id}"')[1].split("</li>")[0]
    assert f'href="/orders/{order.id}/council/review"' in item
    assert "1 proposal waits for your marks" in item and "in 30 days" in item
    auth.logout()
    auth.login(pi.email)
    assert f'id="work-score-{order.id}"' not in client.get("/").get_data(as_text=True)
