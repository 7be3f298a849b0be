"""Every mail the platform sends links to PUBLIC_BASE_URL, whatever host the request named.

Each flow below is one kind of mail (tests/services/messaging/test_links.py fails when a new mail sender appears that
is not driven here). Requests go to ``http://evil.example``: a link built from the request would show it.
"""

from __future__ import annotations

import io
import re

import pytest

from matchmaker.extensions import db
from matchmaker.models import Enterprise, Institution, InstitutionKind, Role, TechNeed
from matchmaker.services.messaging import notifications
from tests.fixtures.constants import PASSWORD, valid_tax_code

EVIL = "http://evil.example"
BASE = "http://matchmaker.test"
URL = re.compile(r"[a-z][a-z0-9+.-]*://[^\s<>\"')]+", re.IGNORECASE)
STAFF = "Họ và tên,Email\nNguyễn Thị Lúa,lua@demo.cantho.example\n"


class Flows:
    """Drive each mail-sending flow through the views, every request sent to the evil host."""

    def __init__(self, client, make_user) -> None:
        self.client = client
        self.make_user = make_user

    def post(self, path: str, **data):
        response = self.client.post(path, data=data, base_url=EVIL)
        assert response.status_code in {200, 302}, (path, response.status_code)
        return response

    def sign_in(self, role: Role, **overrides):
        user = self.make_user(role, **overrides)
        response = self.post("/auth/login", email=user.email, password=PASSWORD)
        assert response.status_code == 302
        return user

    def registration(self) -> None:
        self.post("/auth/register", full_name="Trần Bích", email="bich@demo.cantho.example",
                  role="researcher", password="Lua-mua-noi-2026", confirm="Lua-mua-noi-2026")  # fmt: skip

    def registration_of_a_taken_address(self) -> None:
        owner = self.make_user()
        self.post("/auth/register", full_name="Kẻ Giả", email=owner.email,
                  role="researcher", password="Lua-mua-noi-2026", confirm="Lua-mua-noi-2026")  # fmt: skip

    def new_verification_link(self) -> None:
        self.post("/auth/verify", email=self.make_user(verified=False).email)

    def forgotten_password(self) -> None:
        self.post("/auth/forgot", email=self.make_user().email)

    def admin_created_account(self) -> None:
        self.sign_in(Role.ADMIN)
        self.post("/admin/users/new", full_name="Võ Thị Sở", role="official",
                  email="vo.so@demo.cantho.example", institution="0")  # fmt: skip

    def staff_import(self) -> None:
        db.session.add(Institution(slug="ctu", name_vi="Trường Đại học Cần Thơ",
                                   kind=InstitutionKind.UNIVERSITY))  # fmt: skip
        db.session.commit()
        self.sign_in(Role.ADMIN)
        page = self.client.post(
            "/institutions/ctu/staff-import",
            data={"upload": (io.BytesIO(STAFF.encode()), "staff.csv")},
            content_type="multipart/form-data",
            base_url=EVIL,
        ).get_data(as_text=True)
        batch = re.search(r"/staff-import/(\d+)", page).group(1)
        self.post(f"/institutions/ctu/staff-import/{batch}")

    def invitation_renewed_by_forgot_password(self) -> None:
        self.staff_import()
        self.client.post("/auth/logout", base_url=EVIL)
        self.post("/auth/forgot", email="lua@demo.cantho.example")

    def colleague_invitation(self) -> None:
        enterprise = self._enterprise()
        self.sign_in(Role.ENTERPRISE, enterprise_id=enterprise.id)
        self.post(f"/enterprises/{enterprise.id}/invite", full_name="Lê Đồng Nghiệp",
                  email="dong.nghiep@demo.cantho.example")  # fmt: skip

    def notification(self) -> None:
        enterprise = self._enterprise()
        self.make_user(Role.ENTERPRISE, enterprise_id=enterprise.id)
        need = TechNeed(enterprise_id=enterprise.id, title="Xử lý nước thải ao tôm",
                        description="Nước thải ao nuôi.", desired_outcome="Giảm 50 %.",
                        field_code="405", priority_area="aquaculture")  # fmt: skip
        db.session.add(need)
        db.session.commit()
        self.sign_in(Role.RESEARCHER)
        self.post(
            f"/enterprises/needs/{need.id}/interest", message="Chúng tôi có cảm biến."
        )

    def _enterprise(self) -> Enterprise:
        enterprise = Enterprise(slug="cong-ty", name="Công ty Thủy sản", sector="Thủy sản",
                                tax_code=valid_tax_code(1837))  # fmt: skip
        db.session.add(enterprise)
        db.session.commit()
        return enterprise


def _bodies(message) -> list[str]:
    return [message.body] + [
        content for content, _mime in getattr(message, "alternatives", [])
    ]


def assert_links_from_configuration(messages) -> None:
    assert messages, "the flow sent no mail"
    for message in messages:
        urls = [url for body in _bodies(message) for url in URL.findall(body)]
        assert urls, f"no link in {message.subject!r}"
        assert all(url.startswith(BASE + "/") for url in urls), urls
        assert not any("evil.example" in body for body in _bodies(message))


FLOWS = [name for name in vars(Flows) if not name.startswith("_")]
FLOWS.remove("post")
FLOWS.remove("sign_in")


@pytest.mark.parametrize("flow", FLOWS)
def test_every_mailed_link_comes_from_public_base_url(client, make_user, outbox, flow):
    getattr(Flows(client, make_user), flow)()
    assert_links_from_configuration(outbox)


def test_notifications_mailed_outside_a_request_link_to_public_base_url(
    app, make_user, outbox
):
    user = make_user()
    note = notifications.notify(user, "results_registered", {"who": "A", "title": "B"},
                                "orders.detail", order_id=5)  # fmt: skip
    db.session.commit()
    notifications.deliver([note])
    assert_links_from_configuration(outbox)
    assert f"{BASE}/orders/5" in outbox[0].body
