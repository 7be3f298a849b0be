"""Order pages: drafting, lists per role, lifecycle steps with 409 on refusal, history without edit routes."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from matchmaker.extensions import db
from matchmaker.models import (
    OrderEvent,
    ResearchOrder,
    Role,
)
from matchmaker.services.orders import lifecycle as orders

DRAFT = {"title": "Dự báo xâm nhập mặn sông Hậu", "necessity": "Mặn vào sâu 60 km mùa khô 2024.",
         "state_budget": "1.500.000.000", "trl": "5", "field_code": "105", "priority_area": "salinity_water"}  # fmt: skip


@pytest.fixture
def draft_order(agency, make_user) -> ResearchOrder:
    return orders.create_order(
        make_user(Role.OFFICIAL),
        orders.OrderInput(title="Cảnh báo mặn", agency_id=agency.id),
    )


def _state(order_id: int) -> tuple[str, int]:
    db.session.expire_all()
    fresh = db.session.get(ResearchOrder, order_id)
    return fresh.state, fresh.version


def test_official_drafts_an_order(client, auth, agency):
    auth.login_as(Role.OFFICIAL)
    response = client.post("/orders/new", data=DRAFT | {"agency": str(agency.id)})
    assert response.status_code == 302
    saved = db.session.scalar(sa.select(ResearchOrder))
    assert (saved.state, saved.state_budget, saved.trl, saved.field_code) == (
        "draft",
        1_500_000_000,
        5,
        "105",
    )


def test_draft_form_keeps_input_on_error(client, auth, agency):
    auth.login_as(Role.OFFICIAL)
    page = client.post(
        "/orders/new", data=DRAFT | {"agency": str(agency.id), "title": ""}
    ).get_data(as_text=True)
    assert 'id="title-errors"' in page and "Mặn vào sâu 60 km" in page
    assert db.session.scalar(sa.select(sa.func.count(ResearchOrder.id))) == 0


@pytest.mark.parametrize("role", [Role.RESEARCHER, Role.ENTERPRISE])
def test_draft_orders_are_hidden_from_non_officials(client, auth, draft_order, role):
    auth.login_as(role)
    assert client.get(f"/orders/{draft_order.id}").status_code == 404
    assert "Cảnh báo mặn" not in client.get("/orders/").get_data(as_text=True)


def test_official_submits_then_refused_step_gets_409_and_changes_nothing(
    client, auth, draft_order
):
    auth.login_as(Role.OFFICIAL)
    assert (
        client.post(
            f"/orders/{draft_order.id}/act/submit", data={"version": "1"}
        ).status_code
        == 302
    )
    assert _state(draft_order.id) == ("submitted", 2)
    # A plain official may not approve: refused with a message, nothing changes.
    response = client.post(
        f"/orders/{draft_order.id}/act/approve",
        data={
            "version": "2",
            "decision_number": "1/QĐ",
            "decision_date": "2026-11-20",
            "confirm": "y",
        },
    )
    assert response.status_code == 409 and _state(draft_order.id) == ("submitted", 2)


def test_approver_approves_with_decision_recorded(client, auth, draft_order):
    auth.login_as(Role.OFFICIAL)
    client.post(f"/orders/{draft_order.id}/act/submit", data={"version": "1"})
    auth.logout()
    auth.login_as(Role.OFFICIAL, can_approve=True)
    data = {
        "version": "2",
        "decision_number": "123/QĐ-SKHCN",
        "decision_date": "2026-11-20",
        "confirm": "y",
    }
    assert (
        client.post(f"/orders/{draft_order.id}/act/approve", data=data).status_code
        == 302
    )
    assert _state(draft_order.id) == ("approved", 3)
    page = client.get(f"/orders/{draft_order.id}").get_data(as_text=True)
    assert "123/QĐ-SKHCN" in page and page.count("<li>") >= 3


def test_stale_version_is_refused(client, auth, draft_order):
    auth.login_as(Role.OFFICIAL)
    client.post(f"/orders/{draft_order.id}/act/submit", data={"version": "1"})
    auth.logout()
    auth.login_as(Role.OFFICIAL, can_approve=True)
    # Another official already moved the order to version 2; this page still had version 1.
    response = client.post(
        f"/orders/{draft_order.id}/act/reject",
        data={"version": "1", "reason": "Trùng lặp", "confirm": "y"},
    )
    assert response.status_code == 409 and _state(draft_order.id) == ("submitted", 2)


def test_unknown_action_is_404(client, auth, draft_order):
    auth.login_as(Role.OFFICIAL)
    assert (
        client.post(
            f"/orders/{draft_order.id}/act/delete_history", data={"version": "1"}
        ).status_code
        == 404
    )


def test_no_route_changes_or_deletes_history(app):
    for rule in app.url_map.iter_rules():
        methods = rule.methods - {"GET", "HEAD", "OPTIONS"}
        assert not ({"PUT", "PATCH", "DELETE"} & methods), rule.rule
        assert "history" not in rule.rule and "event" not in rule.rule, rule.rule
    assert db.session.scalar(sa.select(sa.func.count(OrderEvent.id))) == 0


def test_published_order_is_public(client, draft_order):
    draft_order.state = "published"
    db.session.commit()
    assert client.get(f"/orders/{draft_order.id}").status_code == 200
    assert "Cảnh báo mặn" in client.get("/orders/").get_data(as_text=True)
    assert 'id="order-history"' not in client.get(f"/orders/{draft_order.id}").get_data(
        as_text=True
    )
