"""Order attachments (PDF only, size-limited), internal parts, the linked need, and the PI's own steps."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from matchmaker.extensions import db
from matchmaker.models import (
    Attachment,
    Confidentiality,
    Enterprise,
    ResearchOrder,
    Role,
    TechNeed,
)
from matchmaker.services.orders import attachments
from matchmaker.services.orders import lifecycle as orders

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
DRAFT = {"title": "Dự báo xâm nhập mặn sông Hậu", "necessity": "Mặn vào sâu 60 km mùa khô 2024.",
         "objectives": "Cảnh báo sớm 7 ngày.", "state_budget": "1.500.000.000"}  # fmt: skip


def _pdf(name: str = "quyết định.pdf", body: bytes = PDF):
    return (io.BytesIO(body), name)


def _new_order(client, agency, **extra) -> ResearchOrder:
    response = client.post(
        "/orders/new",
        data=DRAFT | {"agency": str(agency.id)} | extra,
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    return db.session.scalar(sa.select(ResearchOrder))


def _publish(publish_order, order: ResearchOrder, approver) -> None:
    """Publish ``order`` now, every step taken by ``approver``, with a call open for 30 days."""
    now = datetime.now(UTC)
    publish_order(
        order, now, now + timedelta(days=30), by=approver, approver=approver,
        decision_number="12/QĐ-UBND",
    )  # fmt: skip


def test_draft_keeps_pdfs_and_internal_parts(client, auth, agency, app):
    auth.login_as(Role.OFFICIAL)
    order = _new_order(
        client,
        agency,
        internal_parts=["budget"],
        attachments=[_pdf()],
        attachments_public="y",
    )
    assert order.internal_parts == ["budget"]
    (kept,) = db.session.scalars(sa.select(Attachment)).all()
    assert (kept.filename, kept.size, kept.public) == ("quyết định.pdf", len(PDF), True)
    assert attachments.path_of(kept).read_bytes() == PDF


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (_pdf("ghi-chu.txt", b"plain text"), 'id="attachments-errors"'),
        (_pdf("gia-mao.pdf", b"MZ not a pdf"), 'id="attachments-errors"'),
    ],
)
def test_a_bad_file_refuses_the_draft_and_keeps_the_typing(
    client, auth, agency, upload, message
):
    auth.login_as(Role.OFFICIAL)
    page = client.post(
        "/orders/new",
        data=DRAFT | {"agency": str(agency.id), "attachments": [upload]},
        content_type="multipart/form-data",
    ).get_data(as_text=True)
    assert message in page and "Mặn vào sâu 60 km" in page
    assert db.session.scalar(sa.select(sa.func.count(ResearchOrder.id))) == 0
    assert db.session.scalar(sa.select(sa.func.count(Attachment.id))) == 0


def test_a_file_over_the_limit_is_refused(client, auth, agency, app):
    app.config["ATTACHMENT_MAX_BYTES"] = 20
    auth.login_as(Role.OFFICIAL)
    page = client.post(
        "/orders/new",
        data=DRAFT | {"agency": str(agency.id), "attachments": [_pdf()]},
        content_type="multipart/form-data",
    ).get_data(as_text=True)
    assert 'id="attachments-errors"' in page and "Mặn vào sâu 60 km" in page
    assert db.session.scalar(sa.select(sa.func.count(ResearchOrder.id))) == 0


def test_service_checks_the_content_even_without_the_form(agency, make_user, app):
    official = make_user(Role.OFFICIAL)
    order = orders.create_order(
        official, orders.OrderInput(title="Cảnh báo mặn", agency_id=agency.id)
    )

    class Upload:
        filename = "x.pdf"
        stream = io.BytesIO(b"GIF89a")

    with pytest.raises(orders.Conflict):
        orders.update_draft(
            official,
            order,
            orders.OrderInput(title="Cảnh báo mặn 2", agency_id=agency.id),
            [Upload()],
        )
    db.session.expire_all()
    assert db.session.get(ResearchOrder, order.id).title == "Cảnh báo mặn"
    assert not list(attachments.storage_dir().rglob("*.pdf"))


def test_public_sees_public_parts_and_files_only(
    client, auth, agency, approver, publish_order
):
    auth.login_as(Role.OFFICIAL)
    order = _new_order(
        client, agency, internal_parts=["objectives"], attachments=[_pdf("cong-khai.pdf")],
        attachments_public="y",
    )  # fmt: skip
    client.post(
        f"/orders/{order.id}/edit",
        data=DRAFT | {"agency": str(agency.id), "internal_parts": ["objectives"],
                      "attachments": [_pdf("noi-bo.pdf", PDF + b"%internal")]},
        content_type="multipart/form-data",
    )  # fmt: skip
    public, internal = db.session.scalars(sa.select(Attachment).order_by(Attachment.id))
    assert (public.public, internal.public) == (True, False)
    auth.logout()
    assert client.get(f"/orders/{order.id}/attachments/{public.id}").status_code == 404
    _publish(publish_order, order, approver)

    page = client.get(f"/orders/{order.id}").get_data(as_text=True)
    assert "Mặn vào sâu 60 km" in page and "Cảnh báo sớm 7 ngày" not in page
    assert "cong-khai.pdf" in page and "noi-bo.pdf" not in page
    with client.get(
        f"/orders/{order.id}/attachments/{public.id}", buffered=True
    ) as download:
        assert download.status_code == 200 and download.data == PDF
        assert download.mimetype == "application/pdf"
    assert (
        client.get(f"/orders/{order.id}/attachments/{internal.id}").status_code == 404
    )
    # The wrong order in the URL does not reach the file either.
    assert (
        client.get(f"/orders/{order.id + 1}/attachments/{public.id}").status_code == 404
    )

    auth.login_as(Role.OFFICIAL)
    staff_page = client.get(f"/orders/{order.id}").get_data(as_text=True)
    assert "Cảnh báo sớm 7 ngày" in staff_page and "noi-bo.pdf" in staff_page
    with client.get(
        f"/orders/{order.id}/attachments/{internal.id}", buffered=True
    ) as download:
        assert download.status_code == 200


def test_a_step_keeps_its_attachment_in_the_history(client, auth, agency):
    auth.login_as(Role.OFFICIAL)
    order = _new_order(client, agency)
    response = client.post(
        f"/orders/{order.id}/act/submit",
        data={"version": str(order.version), "attachment": _pdf("to-trinh.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    (kept,) = db.session.scalars(sa.select(Attachment)).all()
    assert kept.event_id is not None and not kept.public
    assert "to-trinh.pdf" in client.get(f"/orders/{order.id}").get_data(as_text=True)


def test_a_refused_step_keeps_no_attachment(client, auth, agency):
    auth.login_as(Role.OFFICIAL)
    order = _new_order(client, agency)
    response = client.post(
        f"/orders/{order.id}/act/submit",
        data={"version": str(order.version + 5), "attachment": _pdf("to-trinh.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 409
    assert db.session.scalar(sa.select(sa.func.count(Attachment.id))) == 0
    assert db.session.get(ResearchOrder, order.id).state == "draft"


def test_linked_need_shows_only_to_those_who_may_see_it(
    client, auth, agency, approver, publish_order
):
    enterprise = Enterprise(
        slug="gao-vang", name="Công ty Gạo Vàng", tax_code="0100109106"
    )
    need = TechNeed(
        enterprise=enterprise, title="Sấy lúa tiết kiệm điện", description="Lúa ẩm",
        confidentiality=Confidentiality.PRIVATE,
    )  # fmt: skip
    db.session.add_all([enterprise, need])
    db.session.commit()
    auth.login_as(Role.OFFICIAL)
    order = _new_order(client, agency, need=str(need.id))
    assert order.need_id == need.id
    assert "Sấy lúa tiết kiệm điện" in client.get(f"/orders/{order.id}").get_data(
        as_text=True
    )
    _publish(publish_order, order, approver)
    auth.logout()
    assert "Sấy lúa tiết kiệm điện" not in client.get(f"/orders/{order.id}").get_data(
        as_text=True
    )


def test_unknown_need_is_refused_with_the_typing_kept(client, auth, agency):
    auth.login_as(Role.OFFICIAL)
    response = client.post(
        "/orders/new", data=DRAFT | {"agency": str(agency.id), "need": "999"}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Mặn vào sâu 60 km" in page
    assert db.session.scalar(sa.select(sa.func.count(ResearchOrder.id))) == 0


def test_the_principal_investigator_requests_acceptance_others_cannot(
    client, auth, agency, make_user
):
    official = make_user(Role.OFFICIAL)
    order = orders.create_order(
        official, orders.OrderInput(title="Cảnh báo mặn", agency_id=agency.id)
    )
    pi = make_user(Role.RESEARCHER)
    other = make_user(Role.RESEARCHER)
    # As if the council had chosen this PI and the work had started (the award is tested elsewhere).
    order.state, order.pi_id = "in_progress", pi.id
    db.session.commit()
    version = str(order.version)

    auth.login(other.email)
    assert 'id="do-request_acceptance"' not in client.get(
        f"/orders/{order.id}"
    ).get_data(as_text=True)
    refused = client.post(
        f"/orders/{order.id}/act/request_acceptance", data={"version": version}
    )
    assert refused.status_code == 403
    auth.logout()

    auth.login(pi.email)
    page = client.get(f"/orders/{order.id}").get_data(as_text=True)
    assert 'id="do-request_acceptance"' in page and 'id="do-terminate"' not in page
    response = client.post(
        f"/orders/{order.id}/act/request_acceptance",
        data={"version": version, "confirm": "y"},
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(ResearchOrder, order.id).state == "acceptance_review"
