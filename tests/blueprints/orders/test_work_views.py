"""The work page of an order: who sees it, the forms per role, refusals that keep the input and write nothing."""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime, timedelta
from html.parser import HTMLParser
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from matchmaker.extensions import db
from matchmaker.lifecycle import Action
from matchmaker.models import (
    Disbursement,
    Milestone,
    Notification,
    OrderEvent,
    ProgressReport,
    ResearchOrder,
    ResultRecord,
    Role,
)
from matchmaker.services.orders import lifecycle as orders
from matchmaker.services.orders import work as progress

START = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)
DEADLINE = START + timedelta(days=14)
LATER = DEADLINE + timedelta(days=2)
AWARD = {
    "contract_number": "05/HĐ-SKHCN", "contract_value": 900_000_000,
    "start_date": date(2026, 11, 1), "end_date": date(2028, 6, 30),
    "payment_schedule": [
        {"amount": 600_000_000, "due_date": date(2027, 12, 1), "label": "Đợt 1"},
        {"amount": 300_000_000, "due_date": date(2028, 6, 1), "label": "Đợt 2"},
    ],
}  # fmt: skip


def act(order_id: int, user, action: Action, data: dict | None = None):
    version = db.session.get(ResearchOrder, order_id).version
    return orders.apply_action(order_id, user, action, data or {}, version, now=LATER)


@pytest.fixture
def work_people(make_user, agency) -> SimpleNamespace:
    return SimpleNamespace(
        agency=agency,
        official=make_user(Role.OFFICIAL, institution=agency),
        approver=make_user(Role.OFFICIAL, institution=agency, can_approve=True),
        pi=make_user(Role.RESEARCHER),
        member=make_user(Role.RESEARCHER),
        outsider=make_user(Role.RESEARCHER),
        enterprise=make_user(Role.ENTERPRISE),
    )


@pytest.fixture
def running_order(work_people, make_awarded_order) -> ResearchOrder:
    """An order walked through the real lifecycle to "in progress", with the PI and team an award records."""
    return make_awarded_order(
        START, DEADLINE, LATER, AWARD, pi=work_people.pi, members=[work_people.member],
        started=True, by=work_people.official, approver=work_people.approver,
        title="Cảnh báo xâm nhập mặn",
    )  # fmt: skip


def _accept(people, order: ResearchOrder) -> None:
    act(order.id, people.pi, Action.REQUEST_ACCEPTANCE)
    act(order.id, people.approver, Action.ACCEPT, {"council_result": "Đạt loại khá"})


def _as(auth, people, who: str) -> None:
    if who != "anonymous":
        assert auth.login(getattr(people, who).email).status_code == 302


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


TODAY = progress.vietnam_today().isoformat()


# --- the page, per role -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "who, status",
    [("official", 200), ("pi", 200), ("member", 200), ("outsider", 404),
     ("enterprise", 404), ("anonymous", 404)],
)  # fmt: skip
def test_work_page_is_for_officials_and_the_team(
    client, auth, work_people, running_order, who, status
):
    _as(auth, work_people, who)
    response = client.get(f"/orders/{running_order.id}/work")
    assert response.status_code == status
    if status == 200:
        page = response.get_data(as_text=True)
        assert "05/HĐ-SKHCN" in page and "600.000.000 ₫" in page


@pytest.mark.parametrize(
    "who, shown, hidden",
    [
        ("official", ["do-add-milestone", "do-disburse", "do-mid-term"], ["do-report"]),
        ("pi", ["do-report"], ["do-add-milestone", "do-disburse", "do-mid-term"]),
        ("member", [], ["do-report", "do-add-milestone", "do-disburse", "do-mid-term"]),
    ],
)
def test_work_page_offers_each_role_its_forms(
    client, auth, work_people, running_order, who, shown, hidden
):
    _as(auth, work_people, who)
    page = client.get(f"/orders/{running_order.id}/work").get_data(as_text=True)
    assert all(f'id="{name}"' in page for name in shown)
    assert not any(f'id="{name}"' in page for name in hidden)


def test_work_page_shows_a_late_order_with_its_reason(
    client, auth, work_people, running_order
):
    progress.add_milestone(
        work_people.official, running_order.id,
        progress.MilestoneInput(title="Khảo sát 20 trạm", due_date=date(2026, 11, 1)),
    )  # fmt: skip
    _as(auth, work_people, "pi")
    page = client.get(f"/orders/{running_order.id}/work").get_data(as_text=True)
    assert "Khảo sát 20 trạm" in page and "alert-warning" in page


def test_user_text_is_escaped(client, auth, work_people, running_order):
    progress.add_milestone(
        work_people.official, running_order.id,
        progress.MilestoneInput(title="<script>alert(1)</script>", due_date=date(2027, 1, 1)),
    )  # fmt: skip
    _as(auth, work_people, "official")
    page = client.get(f"/orders/{running_order.id}/work").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


# --- milestones ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "who, status",
    [("official", 302), ("pi", 403), ("outsider", 403), ("enterprise", 403), ("anonymous", 302)],
)  # fmt: skip
def test_only_officials_add_milestones(
    client, auth, work_people, running_order, who, status
):
    _as(auth, work_people, who)
    data = {"milestone-title": "Báo cáo khảo sát", "milestone-due_date": "2027-03-31"}
    response = client.post(f"/orders/{running_order.id}/work/milestones", data=data)
    assert response.status_code == status
    assert _count(Milestone) == (1 if who == "official" else 0)
    if who == "anonymous":
        assert "/auth/login" in response.headers["Location"]


def test_milestone_form_keeps_input_on_error(client, auth, work_people, running_order):
    _as(auth, work_people, "official")
    data = {"milestone-title": "", "milestone-due_date": "2027-03-31",
            "milestone-deliverable": "Báo cáo 40 trang về độ mặn"}  # fmt: skip
    response = client.post(f"/orders/{running_order.id}/work/milestones", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and 'id="milestone-title-errors"' in page
    assert "Báo cáo 40 trang về độ mặn" in page and _count(Milestone) == 0


def test_milestone_after_the_contract_refused_keeps_input(
    client, auth, work_people, running_order
):
    _as(auth, work_people, "official")
    data = {"milestone-title": "Mốc trễ", "milestone-due_date": "2028-07-01"}
    response = client.post(f"/orders/{running_order.id}/work/milestones", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 409 and 'id="milestone-due_date-errors"' in page
    assert 'value="Mốc trễ"' in page and _count(Milestone) == 0


def _milestone(people, order) -> Milestone:
    return progress.add_milestone(
        people.official, order.id,
        progress.MilestoneInput(title="Báo cáo khảo sát", due_date=date(2027, 3, 31)),
    )  # fmt: skip


@pytest.mark.parametrize(
    "who, status", [("pi", 302), ("member", 403), ("official", 403)]
)
def test_only_the_pi_submits_a_deliverable(
    client, auth, work_people, running_order, who, status
):
    milestone = _milestone(work_people, running_order)
    _as(auth, work_people, who)
    response = client.post(
        f"/orders/{running_order.id}/work/milestones/{milestone.id}/submit",
        data={f"deliver-{milestone.id}-note": "Đã gửi văn thư"},
    )
    assert response.status_code == status
    db.session.expire_all()
    assert (db.session.get(Milestone, milestone.id).submitted_at is not None) == (
        who == "pi"
    )


def test_official_confirms_a_milestone(client, auth, work_people, running_order):
    milestone = _milestone(work_people, running_order)
    _as(auth, work_people, "official")
    prefix = f"complete-{milestone.id}"
    response = client.post(
        f"/orders/{running_order.id}/work/milestones/{milestone.id}/complete",
        data={f"{prefix}-completed_on": TODAY, f"{prefix}-evidence": "Biên bản số 3"},
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Milestone, milestone.id).evidence == "Biên bản số 3"


def test_milestone_of_another_order_is_404(client, auth, work_people, running_order):
    milestone = _milestone(work_people, running_order)
    other = orders.create_order(
        work_people.official,
        orders.OrderInput(title="Khác", agency_id=work_people.agency.id),
    )
    _as(auth, work_people, "official")
    response = client.post(
        f"/orders/{other.id}/work/milestones/{milestone.id}/complete",
        data={f"complete-{milestone.id}-completed_on": TODAY,
              f"complete-{milestone.id}-evidence": "BB"},
    )  # fmt: skip
    assert response.status_code == 404


# --- disbursements --------------------------------------------------------------------------------------------


def _tranche_id(order) -> int:
    return progress.ensure_tranches(order)[0].id


def test_official_records_a_disbursement(client, auth, work_people, running_order):
    _as(auth, work_people, "official")
    data = {"pay-tranche": str(_tranche_id(running_order)), "pay-amount": "250.000.000",
            "pay-disbursed_on": TODAY, "pay-reference": "UNC 12/KBNN"}  # fmt: skip
    response = client.post(f"/orders/{running_order.id}/work/disbursements", data=data)
    assert response.status_code == 302
    page = client.get(f"/orders/{running_order.id}/work").get_data(as_text=True)
    assert "UNC 12/KBNN" in page and "650.000.000 ₫" in page  # remaining


def test_over_disbursement_is_refused_keeps_input_and_writes_nothing(
    client, auth, work_people, running_order
):
    _as(auth, work_people, "official")
    data = {"pay-tranche": str(_tranche_id(running_order)), "pay-amount": "700.000.000",
            "pay-disbursed_on": TODAY, "pay-reference": "UNC 13/KBNN"}  # fmt: skip
    response = client.post(f"/orders/{running_order.id}/work/disbursements", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 409 and 'id="pay-amount-errors"' in page
    assert 'value="700.000.000"' in page and 'value="UNC 13/KBNN"' in page
    assert _count(Disbursement) == 0


@pytest.mark.parametrize("internal", [False, True])
def test_the_pi_is_told_the_amount_only_when_the_budget_is_public(
    client, auth, work_people, running_order, outbox, internal
):
    running_order.internal_parts = ["budget"] if internal else []
    db.session.commit()
    _as(auth, work_people, "official")
    data = {"pay-tranche": str(_tranche_id(running_order)), "pay-amount": "250.000.000",
            "pay-disbursed_on": TODAY, "pay-reference": "UNC 14/KBNN"}  # fmt: skip
    assert client.post(f"/orders/{running_order.id}/work/disbursements", data=data).status_code == 302  # fmt: skip
    told = db.session.scalar(
        sa.select(Notification).where(
            Notification.user_id == work_people.pi.id,
            Notification.kind.like("disbursement%"),
        )
    )
    mailed = [m.body for m in outbox if m.to == [work_people.pi.email]]
    assert told is not None and len(mailed) == 1
    assert (told.params.get("amount") == 250_000_000) is not internal
    assert ("250.000.000" in mailed[0]) is not internal


@pytest.mark.parallel
def test_parallel_disbursements_never_exceed_the_tranche(
    work_people, running_order, clients_of, in_parallel
):
    # Eight officials' clients pay the whole 600M tranche at the same moment: one payment goes through.
    url, tranche = (
        f"/orders/{running_order.id}/work/disbursements",
        str(_tranche_id(running_order)),
    )
    calls = [
        lambda client=client, n=n: client.post(url, data={
            "pay-tranche": tranche, "pay-amount": "600.000.000",
            "pay-disbursed_on": TODAY, "pay-reference": f"UNC {n}/KBNN"}).status_code
        for n, client in enumerate(clients_of(work_people.official, 8))
    ]  # fmt: skip
    statuses = in_parallel(calls)
    assert sorted(statuses) == [302] + [409] * 7
    paid = db.session.scalar(sa.select(sa.func.sum(Disbursement.amount)))
    assert (paid, _count(Disbursement)) == (600_000_000, 1)


@pytest.mark.parametrize("who", ["pi", "member", "enterprise"])
def test_only_officials_record_disbursements(
    client, auth, work_people, running_order, who
):
    _as(auth, work_people, who)
    data = {"pay-tranche": str(_tranche_id(running_order)), "pay-amount": "1000",
            "pay-disbursed_on": TODAY, "pay-reference": "UNC"}  # fmt: skip
    assert (
        client.post(
            f"/orders/{running_order.id}/work/disbursements", data=data
        ).status_code
        == 403
    )
    assert _count(Disbursement) == 0


# --- progress reports -------------------------------------------------------------------------------------------


REPORT = {"report-period": "Quý IV/2026", "report-report_date": TODAY,
          "report-percent_complete": "15", "report-text": "Đã lắp 5 trạm đo mặn."}  # fmt: skip


@pytest.mark.parametrize(
    "who, status",
    [("pi", 302), ("member", 403), ("outsider", 404), ("official", 403), ("enterprise", 403)],
)  # fmt: skip
def test_only_the_pi_reports_progress(
    client, auth, work_people, running_order, who, status
):
    _as(auth, work_people, who)
    response = client.post(f"/orders/{running_order.id}/work/reports", data=REPORT)
    assert response.status_code == status
    assert _count(ProgressReport) == (1 if who == "pi" else 0)


def test_progress_form_keeps_input_on_error(client, auth, work_people, running_order):
    _as(auth, work_people, "pi")
    data = REPORT | {"report-percent_complete": "150"}
    response = client.post(f"/orders/{running_order.id}/work/reports", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and 'id="report-percent_complete-errors"' in page
    assert "Đã lắp 5 trạm đo mặn." in page and _count(ProgressReport) == 0


# --- mid-term check ---------------------------------------------------------------------------------------------


def test_official_records_the_mid_term_check(client, auth, work_people, running_order):
    _as(auth, work_people, "official")
    response = client.post(
        f"/orders/{running_order.id}/work/mid-term",
        data={"midterm-result": "Đạt tiến độ 50%"},
    )
    assert response.status_code == 302
    page = client.get(f"/orders/{running_order.id}/work").get_data(as_text=True)
    assert "Đạt tiến độ 50%" in page


def test_mid_term_check_refused_when_not_in_progress_writes_nothing(
    client, auth, work_people, running_order
):
    _accept(work_people, running_order)
    events = _count(OrderEvent)
    _as(auth, work_people, "official")
    response = client.post(
        f"/orders/{running_order.id}/work/mid-term", data={"midterm-result": "Đạt"}
    )
    assert response.status_code == 409 and _count(OrderEvent) == events


# --- results ---------------------------------------------------------------------------------------------------


def _results(version: int) -> dict:
    return {"results-version": str(version), "results-registration_number": "15/2028/KQNV",
            "results-results-0-product": "Hệ thống cảnh báo mặn",
            "results-results-0-ip_kind": "utility_solution", "results-results-0-ip_number": "2-2027-00012",
            "results-results-0-ip_status": "filed", "results-results-0-applied_at": "Trạm bơm Cái Răng",
            "results-results-1-product": "Bản đồ mặn", "results-confirm": "y"}  # fmt: skip


def test_pi_registers_results_then_the_public_sees_them(
    client, auth, work_people, running_order
):
    _accept(work_people, running_order)
    _as(auth, work_people, "pi")
    version = db.session.get(ResearchOrder, running_order.id).version
    response = client.post(
        f"/orders/{running_order.id}/work/results", data=_results(version)
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(ResearchOrder, running_order.id).state == "results_registered"
    assert _count(ResultRecord) == 2
    auth.logout()
    page = client.get(f"/orders/{running_order.id}/work").get_data(as_text=True)
    assert "Hệ thống cảnh báo mặn" in page and "2-2027-00012" in page
    assert "600.000.000" not in page and "Milestones" not in page  # only the results


def test_results_refused_in_the_wrong_state_write_nothing_and_keep_input(
    client, auth, work_people, running_order
):
    _as(auth, work_people, "pi")
    response = client.post(
        f"/orders/{running_order.id}/work/results", data=_results(running_order.version)
    )
    assert response.status_code == 409
    db.session.expire_all()
    assert db.session.get(ResearchOrder, running_order.id).state == "in_progress"
    assert _count(ResultRecord) == 0


def test_results_without_confirmation_are_refused_and_write_nothing(
    client, auth, work_people, running_order
):
    _accept(work_people, running_order)
    _as(auth, work_people, "official")
    before = db.session.get(ResearchOrder, running_order.id).version
    data = _results(before)
    del data["results-confirm"]
    response = client.post(f"/orders/{running_order.id}/work/results", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and 'id="results-confirm-errors"' in page
    assert "Trạm bơm Cái Răng" in page
    db.session.expire_all()
    fresh = db.session.get(ResearchOrder, running_order.id)
    assert (fresh.state, fresh.version) == ("accepted", before)
    assert _count(ResultRecord) == 0


def test_results_form_keeps_input_on_error(client, auth, work_people, running_order):
    _accept(work_people, running_order)
    _as(auth, work_people, "official")
    version = db.session.get(ResearchOrder, running_order.id).version
    data = _results(version) | {"results-results-0-ip_number": ""}
    response = client.post(f"/orders/{running_order.id}/work/results", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Trạm bơm Cái Răng" in page
    assert 'id="results-results-0-ip_number-errors"' in page
    assert _count(ResultRecord) == 0


@pytest.mark.parametrize(
    "who, status", [("member", 403), ("enterprise", 403), ("outsider", 404)]
)
def test_only_officials_and_the_pi_register_results(
    client, auth, work_people, running_order, who, status
):
    _accept(work_people, running_order)
    _as(auth, work_people, who)
    version = db.session.get(ResearchOrder, running_order.id).version
    response = client.post(
        f"/orders/{running_order.id}/work/results", data=_results(version)
    )
    assert response.status_code == status and _count(ResultRecord) == 0


def test_results_of_an_order_still_running_are_not_public(
    client, auth, work_people, running_order
):
    assert client.get(f"/orders/{running_order.id}/work").status_code == 404


class _Controls(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []
        self.labelled: set[str] = set()

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "label" and a.get("for"):
            self.labelled.add(a["for"])
        elif tag in {"input", "select", "textarea"} and a.get("type") not in {
            "hidden",
            "submit",
        }:
            self.ids.append(a.get("id", ""))


@pytest.mark.parametrize("who", ["official", "pi"])
def test_every_control_has_a_unique_id_and_a_label(
    client, auth, work_people, running_order, who
):
    _milestone(work_people, running_order)
    _milestone(work_people, running_order)
    _as(auth, work_people, who)
    controls = _Controls()
    controls.feed(client.get(f"/orders/{running_order.id}/work").get_data(as_text=True))
    assert controls.ids and len(set(controls.ids)) == len(controls.ids)
    assert set(controls.ids) <= controls.labelled


def test_forms_work_with_csrf_protection(app, client, auth, work_people, running_order):
    _as(auth, work_people, "official")
    app.config["WTF_CSRF_ENABLED"] = True
    page = client.get(f"/orders/{running_order.id}/work").get_data(as_text=True)
    token = re.search(r'name="milestone-csrf_token"[^>]*value="([^"]+)"', page)
    data = {"milestone-title": "Mốc 1", "milestone-due_date": "2027-03-31"}
    refused = client.post(f"/orders/{running_order.id}/work/milestones", data=data)
    assert refused.status_code == 400 and _count(Milestone) == 0
    data["milestone-csrf_token"] = token.group(1)
    response = client.post(f"/orders/{running_order.id}/work/milestones", data=data)
    assert response.status_code == 302 and _count(Milestone) == 1


def test_pi_requests_acceptance_from_the_work_page(
    client, auth, work_people, running_order
):
    _as(auth, work_people, "pi")
    page = client.get(f"/orders/{running_order.id}/work").get_data(as_text=True)
    assert 'id="do-request-acceptance"' in page
    data = {
        "version": str(running_order.version),
        "note": "Đã hoàn thành",
        "confirm": "y",
    }
    response = client.post(
        f"/orders/{running_order.id}/act/request_acceptance", data=data
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(ResearchOrder, running_order.id).state == "acceptance_review"
    page = client.get(f"/orders/{running_order.id}/work").get_data(as_text=True)
    assert 'id="do-request-acceptance"' not in page and "Đã hoàn thành" in page


def test_report_file_is_linked_only_for_those_who_may_download_it(
    client, auth, work_people, running_order
):
    upload = SimpleNamespace(filename="tien-do.pdf", stream=io.BytesIO(b"%PDF-1.4\n"))
    data = progress.ProgressInput("Quý IV", progress.vietnam_today(), "Tiến độ", 10)
    progress.submit_progress_report(work_people.pi, running_order.id, data, upload)
    _as(auth, work_people, "pi")
    assert "tien-do.pdf" in client.get(f"/orders/{running_order.id}/work").get_data(
        as_text=True
    )
    auth.logout()
    # The team reads the report, so it downloads the report's file too (one rule for text and files).
    _as(auth, work_people, "member")
    page = client.get(f"/orders/{running_order.id}/work").get_data(as_text=True)
    assert "Tiến độ" in page and "tien-do.pdf" in page


GARBAGE = [
    "",
    "abc",
    "-1",
    "99999999999999999999999",
    "2027-02-30",
    "1e9",
    "\x00",
    "<b>",
]


@pytest.mark.parametrize("value", GARBAGE)
def test_no_input_gives_a_server_error(client, auth, work_people, running_order, value):
    milestone = _milestone(work_people, running_order)
    posts = {
        "official": [
            ("milestones", "milestone", ["title", "due_date", "deliverable"]),
            (f"milestones/{milestone.id}/complete", f"complete-{milestone.id}",
             ["completed_on", "evidence"]),
            ("disbursements", "pay", ["tranche", "amount", "disbursed_on", "reference"]),
            ("mid-term", "midterm", ["result"]),
            ("results", "results", ["version", "results-0-product", "results-0-ip_kind"]),
        ],
        "pi": [
            ("reports", "report", ["period", "report_date", "percent_complete", "text",
                                   "milestones"]),
            (f"milestones/{milestone.id}/submit", f"deliver-{milestone.id}", ["note"]),
        ],
    }  # fmt: skip
    for who, routes in posts.items():
        _as(auth, work_people, who)
        for path, prefix, names in routes:
            data = {f"{prefix}-{name}": value for name in names}
            response = client.post(f"/orders/{running_order.id}/work/{path}", data=data)
            assert response.status_code in (200, 302, 409), (path, value)
        auth.logout()
